"""The classic golem.de article layout (years back until August 2025).

Recognised by an `<article>` whose `header.cluster-header` holds the `hgroup h1` headline
with `span.dh2` kicker and `span.dh1` title, and the `div.authors` byline.
"""

from __future__ import annotations

from typing import Any

from newsarchive.parsers.common import (
    Node,
    RawArticle,
    attr,
    canonical_article_url,
    css,
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

LAYOUT = "classic"

_ARTICLE = css("article")
_HEADLINE = css("header.cluster-header hgroup h1, header.paged-cluster-header hgroup h1")
_KICKER = css("span.dh2")
_TITLE = css("span.dh1")
_SUMMARY = css("header.cluster-header hgroup > p, header.paged-cluster-header hgroup > p")
_BYLINE_TYPE = css("div.authors span.authors__type")
_PUBDATE = css("div.authors time")
_AUTHOR_LINKS = css("div.authors span.authors__name a")
_AUTHOR_NAMES = css("div.authors span.authors__name")
_HERO = css("figure.hero")
_CAPTION = css("figcaption span.big-image-sub")
_CREDIT = css("figcaption span.big-image-lic")
_BODY = css("div.formatted")
_COMMENTS_COUNT = css("a.comments-link")
_COMMENTS_URL = css("#comments .dh1 a")
_TOPICS = css("#breadcrumbs ul.tags__list a")
_TEASER_WIDGETS = css("div.teaser-widget")
_WIDGET_HEADER = css("div.header")
_WIDGET_LINKS = css("a[href]")
_WIDGET_KICKER = css("hgroup .head1")
_WIDGET_TITLE = css("hgroup .head2")
_NEXT_PAGE = css("a#atoc_next")
_TOC_LINKS = css(".table-jtoc a[href]")
_PAYWALL = css(".go-paywall, .paywall")
_SPONSORED = css("header .go-label--sponsored, header .sponsored")
_VIDEO_LINK = css("a[href*='video.golem.de']")

RELATED_HEADINGS = ("Verwandte Artikel",)


def find_article(root: Node) -> Node | None:
    """The article element when the page is in this layout, else None."""
    for article in _ARTICLE(root):
        if not has_class(article, "go-article") and _HEADLINE.first(article) is not None:
            return article
    return None


_BOILERPLATE_CLASSES = frozenset({"supplementary", "social-tools", "table-jtoc"})


def _is_boilerplate(element: Node, tag: str, classes: list[str]) -> bool:
    if tag == "aside":  # ad tiles, job and seminar boxes
        return True
    element_id = attr(element, "id") or ""
    if element_id.startswith("iqadtile"):
        return True
    if tag == "figure" and "Javascript" in (text_of(element) or ""):
        return True  # "Bitte aktivieren Sie Javascript … Golem-pur-Angebot"
    return not _BOILERPLATE_CLASSES.isdisjoint(classes)


def _figure_handler(raw: RawArticle, base: str):
    def on_figure(figure: Node) -> None:
        video = _VIDEO_LINK.first(figure)
        if video is not None:
            raw.videos.append(
                {
                    "url": link_url(video, base),
                    "title": text_of(video),
                    "duration": text_of(figure),
                }
            )
            return
        found = image(figure, base, _CAPTION, _CREDIT)
        if found is not None:
            raw.images.append(found)

    return on_figure


def _related(root: Node, base: str) -> list[dict[str, str | None]]:
    related = []
    for widget in _TEASER_WIDGETS(root):
        heading = (text_of(_WIDGET_HEADER.first(widget)) or "").strip()
        if heading not in RELATED_HEADINGS:
            continue
        for link in _WIDGET_LINKS(widget):
            url = canonical_article_url(link_url(link, base) or "")
            if url:
                related.append(
                    {
                        "url": url,
                        "kicker": text_of(_WIDGET_KICKER.first(link)),
                        "title": text_of(_WIDGET_TITLE.first(link)),
                    }
                )
    return related


def _authors(root: Node, jsonld: dict[str, Any], base: str) -> list[dict[str, Any]]:
    links = _AUTHOR_LINKS(root)
    if links:
        return [{"name": text_of(a), "url": link_url(a, base)} for a in links]
    names = [text_of(span) for span in _AUTHOR_NAMES(root)]
    if names:
        return [{"name": name, "url": None} for name in names if name]
    return jsonld_authors(jsonld)


def parse(root: Node, article: Node, page_url: str) -> RawArticle:
    """Raw fields of a classic article page (`article` from `find_article`)."""
    raw, jsonld, base = start_article(root, page_url, LAYOUT)
    headline = _HEADLINE.first(article)
    kicker, title = _KICKER.first(headline), _TITLE.first(headline)
    raw.kicker = text_of(kicker)
    raw.title = text_of(title) if title is not None else text_of(headline)
    raw.summary = text_of(_SUMMARY.first(article))
    raw.genre = genre_from_byline(text_of(_BYLINE_TYPE.first(article)) or "")
    raw.authors = _authors(article, jsonld, base)

    pubdate = _PUBDATE.first(article)
    set_dates(raw, pubdate, jsonld)

    on_figure = _figure_handler(raw, base)
    hero = _HERO.first(article)
    if hero is not None:
        on_figure(hero)
    body = _BODY.first(article)
    if body is not None:
        raw.body = walk_body(body, is_boilerplate=_is_boilerplate, on_figure=on_figure)

    raw.topics = topics(_TOPICS(root), root)
    raw.paywall = paywalled(root, jsonld, _PAYWALL)
    raw.opinion = opinion(root)
    raw.sponsored = _SPONSORED.first(article) is not None
    count = _COMMENTS_COUNT.first(root)
    raw.comment_count = parse_count(text_of(count))
    comments = _COMMENTS_URL.first(root)
    raw.comments_url = link_url(comments, base)
    raw.related = _related(root, base)
    next_page = _NEXT_PAGE.first(root)
    raw.next_page_url = link_url(next_page, base)
    raw.page_urls = [link_url(a, base) for a in _TOC_LINKS(root)]
    return raw
