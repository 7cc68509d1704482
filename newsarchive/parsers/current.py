"""The current golem.de article layout (a Svelte page, since August 2025).

Recognised by `article.go-article` with a `header.go-article-header h1`. The body's `p` and
`h2` sit at more than one depth, between ad slots, job carousels and info boxes.
"""

from __future__ import annotations

from newsarchive.parsers.common import (
    SPONSORED_LABEL,
    Node,
    RawArticle,
    canonical_article_url,
    css,
    duration_iso,
    genre_from_byline,
    has_class,
    image,
    jsonld_authors,
    link_url,
    opinion,
    parse_count,
    paywalled,
    set_dates,
    start_article,
    text_of,
    topics,
    walk_body,
)

LAYOUT = "current"

_ARTICLE = css("article.go-article")
_HEADER = css("header.go-article-header")
_HEADLINE = css("h1")
_KICKER = css("span.go-article-header__kicker")
_TITLE = css("span.go-article-header__title")
_SUMMARY = css("div.go-article-header__intro")
_TIME = css("div.go-article-header__meta time")
_BYLINE = css(".go-article-header__byline")
_AUTHORS = css(".go-article-header__authors a.go-article-header__author")
_COMMENT_COUNT = css(".go-article-header__button-bar .go-comment-button__count")
_MEDIA_CAPTION = css("figcaption .go-media__caption")
_MEDIA_CREDIT = css("figcaption .go-media__credit")
_VIDEO_LINK = css("figcaption .go-video__caption a")
_FIGCAPTION = css("figcaption")
_TAGS = css(".go-tag-list__tags a.go-tag")
_TEASER_BLOCKS = css(".go-teaser-block")
_BLOCK_HEADING = css(".go-teaser-block__heading")
_TEASERS = css("article.go-teaser")
_TEASER_LINK = css("a.go-teaser__link")
_TEASER_KICKER = css(".go-teaser__kicker")
_TEASER_TITLE = css(".go-teaser__title")
_NEXT_PAGE = css("li.go-pagination__item--next a")
_PAGINATION_LINKS = css(".go-pagination a[href]")
_PAYWALL = css(".go-paywall")
_FORUM_LINK = css("a[href*='forum.golem.de/kommentare']")

RELATED_HEADINGS = ("Verwandte Artikel",)
_BOILERPLATE_TAGS = frozenset({"header", "article", "nav", "aside", "footer", "hr"})
_BOILERPLATE_CLASSES = frozenset(
    {
        "go-ad-slot",
        "go-teaser-block",
        "go-info-box",
        "go-button-bar",
        "go-alink-list",
        "go-pagination",
        "go-paywall",
        "go-newsletter-box",
    }
)


def find_article(root: Node) -> Node | None:
    for article in _ARTICLE(root):
        if _HEADER.first(article) is not None:
            return article
    return None


def _is_boilerplate(element: Node, tag: str, classes: list[str]) -> bool:
    return tag in _BOILERPLATE_TAGS or not _BOILERPLATE_CLASSES.isdisjoint(classes)


def _figure_handler(raw: RawArticle, base: str):
    def on_figure(figure: Node) -> None:
        if has_class(figure, "go-video"):
            link = _VIDEO_LINK.first(figure)
            raw.videos.append(
                {
                    "url": link_url(link, base),
                    "title": text_of(link),
                    "duration": duration_iso(text_of(_FIGCAPTION.first(figure))),
                }
            )
            return
        found = image(figure, base, _MEDIA_CAPTION, _MEDIA_CREDIT)
        if found is not None:
            raw.images.append(found)

    return on_figure


def _related(root: Node, base: str) -> list[dict[str, str | None]]:
    related = []
    for block in _TEASER_BLOCKS(root):
        heading = " ".join((text_of(_BLOCK_HEADING.first(block)) or "").split())
        if heading not in RELATED_HEADINGS:
            continue
        for teaser in _TEASERS(block):
            link = _TEASER_LINK.first(teaser)
            url = canonical_article_url(link_url(link, base) or "") if link is not None else None
            if url:
                related.append(
                    {
                        "url": url,
                        "kicker": text_of(_TEASER_KICKER.first(teaser)),
                        "title": text_of(_TEASER_TITLE.first(teaser)),
                    }
                )
    return related


def _kicker(header: Node) -> tuple[str | None, bool]:
    """Kicker text without the sponsored label, and whether that label was there."""
    kicker = _KICKER.first(header)
    if kicker is None:
        return None, False
    return text_of(kicker, exclude=SPONSORED_LABEL), SPONSORED_LABEL.first(kicker) is not None


def parse(root: Node, article: Node, page_url: str) -> RawArticle:
    """Raw fields of a current-layout article page (`article` from `find_article`)."""
    raw, jsonld, base = start_article(root, page_url, LAYOUT)
    header = _HEADER.first(article)
    raw.kicker, raw.sponsored = _kicker(header)
    title = _TITLE.first(header)
    raw.title = text_of(title) if title is not None else text_of(_HEADLINE.first(header))
    raw.summary = text_of(_SUMMARY.first(header))
    raw.genre = genre_from_byline(text_of(_BYLINE.first(header)))
    authors = _AUTHORS(header)
    raw.authors = [
        {"name": text_of(a), "url": link_url(a, base)} for a in authors
    ] or jsonld_authors(jsonld)

    time = _TIME.first(header)
    set_dates(raw, time, jsonld)

    raw.body = walk_body(
        article, is_boilerplate=_is_boilerplate, on_figure=_figure_handler(raw, base)
    )
    raw.topics = topics(_TAGS(root), root)
    raw.paywall = paywalled(root, jsonld, _PAYWALL)
    raw.opinion = opinion(root)
    count = _COMMENT_COUNT.first(article)
    raw.comment_count = parse_count(text_of(count))
    forum = _FORUM_LINK.first(root)
    raw.comments_url = link_url(forum, base)
    raw.related = _related(root, base)
    next_page = _NEXT_PAGE.first(root)
    raw.next_page_url = link_url(next_page, base)
    raw.page_urls = [link_url(a, base) for a in _PAGINATION_LINKS(root)]
    return raw
