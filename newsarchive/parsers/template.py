"""The parse skeleton every layout era shares; an era names its selectors and a few hooks.

A layout is recognised by stable signals (its article element, header, byline and body
container classes), counted, not by one exact chain of wrappers: wrappers come and go and
class names gain modifiers over the years. Every field then reads through an ordered
chain: the layout's markup → JSON-LD → meta tags (`structured.py`). A field read from
anything but the layout's markup is named in `RawArticle.fallbacks`, so each record says
how it was read and the drift alarm can count it.

Index pages follow the same pattern: `TeaserLayout` reads a teaser, and each era's module
names its teaser markup in a subclass.

Adding an era: a module with a subclass of each that overrides what changed (selectors,
hooks), and one line each in `parsers.LAYOUTS` and `parsers.TEASER_LAYOUTS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from newsarchive.parsers import generic
from newsarchive.parsers.common import (
    SPONSORED_LABEL,
    Node,
    RawArticle,
    Selector,
    attr,
    canonical_article_url,
    css,
    genre_from_byline,
    image,
    link_url,
    parse_count,
    set_dates,
    start_article,
    text_of,
    walk_body,
)
from newsarchive.parsers.structured import Structured, paywall

RELATED_HEADINGS = ("Verwandte Artikel",)


class LayoutParser:
    """One layout era of golem.de article pages. Subclasses set the selectors below."""

    name: ClassVar[str]
    # Candidate article elements, and the signals inside one that identify the layout.
    article: ClassVar[Selector] = css("article")
    signals: ClassVar[tuple[Selector, ...]] = ()
    min_signals: ClassVar[int] = 2
    # The head: all relative to the article element.
    headline: ClassVar[Selector]
    kicker: ClassVar[Selector]
    title: ClassVar[Selector]
    summary: ClassVar[Selector]
    byline_word: ClassVar[Selector]
    pubdate: ClassVar[Selector]
    author_links: ClassVar[Selector]
    author_names: ClassVar[Selector | None] = None
    # Media and body.
    hero: ClassVar[Selector | None] = None
    body: ClassVar[Selector | None] = None  # None: the article element itself
    caption: ClassVar[Selector]
    credit: ClassVar[Selector]
    # The rest of the page (relative to the root).
    topics: ClassVar[Selector]
    comment_count: ClassVar[Selector]
    comments_url: ClassVar[Selector]
    paywall_marker: ClassVar[Selector]
    sponsored_marker: ClassVar[Selector | None] = None
    next_page: ClassVar[Selector]
    page_links: ClassVar[Selector]
    teaser_blocks: ClassVar[Selector]
    teaser_heading: ClassVar[Selector]
    teasers: ClassVar[Selector]
    teaser_link: ClassVar[Selector | None] = None
    teaser_kicker: ClassVar[Selector]
    teaser_title: ClassVar[Selector]
    related_headings: ClassVar[tuple[str, ...]] = RELATED_HEADINGS
    # Whether the era's JSON-LD writes Berlin wall-clock time with a false "Z".
    jsonld_wall_clock: ClassVar[bool] = False

    # --- recognising the layout -----------------------------------------------------------------
    def rejects(self, article: Node) -> bool:
        """An article element that belongs to another era (hook)."""
        return False

    def find_article(self, root: Node) -> Node | None:
        """The article element when the page is in this layout, else None."""
        for article in self.article(root):
            if self.rejects(article):
                continue
            found = sum(1 for signal in self.signals if signal.first(article) is not None)
            if found >= self.min_signals:
                return article
        return None

    # --- hooks an era overrides -----------------------------------------------------------------
    def is_boilerplate(self, element: Node, tag: str, classes: list[str]) -> bool:
        return False

    def read_video(self, figure: Node, base: str) -> dict[str, Any] | None:
        """The video a body figure embeds, or None when it is no video."""
        return None

    def kicker_text(self, headline: Node) -> tuple[str | None, bool]:
        """The kicker without any label inside it, and whether a sponsored label was there."""
        return text_of(self.kicker.first(headline)), False

    def summary_of(self, article: Node) -> str | None:
        return text_of(self.summary.first(article))

    # --- the skeleton ---------------------------------------------------------------------------
    def parse(self, root: Node, article: Node, page_url: str) -> RawArticle:
        """Raw fields of a page in this layout (`article` from `find_article`)."""
        raw, jsonld, base = start_article(root, page_url, self.name)
        raw.jsonld_wall_clock = self.jsonld_wall_clock
        data = Structured.of(root, jsonld)
        fell_back = raw.fallbacks.append

        headline = self.headline.first(article)
        if headline is not None:
            raw.kicker, raw.sponsored = self.kicker_text(headline)
            title = self.title.first(headline)
            raw.title = text_of(title) if title is not None else text_of(headline)
        if not (raw.title or "").strip():
            raw.kicker, raw.title = data.headline()
            if raw.title:
                fell_back("title")
            if raw.kicker:
                fell_back("kicker")
        if self.sponsored_marker is not None and self.sponsored_marker.first(article):
            raw.sponsored = True

        raw.summary = self.summary_of(article)
        if not (raw.summary or "").strip():
            raw.summary = data.summary()
            if raw.summary:
                fell_back("summary")

        raw.genre = genre_from_byline(text_of(self.byline_word.first(article)))
        raw.authors = self._authors(article, base)
        if not raw.authors:
            raw.authors = data.authors()
            if raw.authors:
                fell_back("authors")

        pubdate = self.pubdate.first(article)
        set_dates(raw, pubdate, jsonld)
        if pubdate is None:
            machine = data.published()
            raw.published_machine = [machine]
            if machine:
                fell_back("published")
        if data.modified_source() == "meta":
            raw.modified_machine = [data.modified()]
            fell_back("modified")

        on_figure = self._figure_handler(raw, base)
        hero = self.hero.first(article) if self.hero is not None else None
        if hero is not None:
            on_figure(hero)
        container = self.body.first(article) if self.body is not None else article
        if container is not None:
            raw.body = walk_body(container, is_boilerplate=self.is_boilerplate, on_figure=on_figure)
        if not raw.body:
            # The body container moved or was renamed: the main-text extractor finds the text,
            # and the figures are looked for in the whole article.
            raw.body = generic.body_text(root, raw)
            if raw.body:
                fell_back("body")
            if container is None:
                walk_body(article, is_boilerplate=self.is_boilerplate, on_figure=on_figure)
        # No image fallback: articles without images exist, and og:image is a social crop of
        # the hero, not an image of the article.

        raw.topics = [word for word in map(text_of, self.topics(root)) if word]
        if not raw.topics:
            raw.topics = data.topics()
            if raw.topics:
                fell_back("topics")
        raw.paywall, from_fallback = paywall(data, self.paywall_marker.first(root) is not None)
        if from_fallback:
            fell_back("paywall")
        raw.opinion = data.opinion()
        raw.comment_count = parse_count(text_of(self.comment_count.first(root)))
        raw.comments_url = link_url(self.comments_url.first(root), base)
        raw.related = self._related(root, base)
        raw.next_page_url = link_url(self.next_page.first(root), base)
        raw.page_urls = [link_url(a, base) for a in self.page_links(root)]
        return raw

    def _authors(self, article: Node, base: str) -> list[dict[str, Any]]:
        links = self.author_links(article)
        if links:
            return [{"name": text_of(a), "url": link_url(a, base)} for a in links]
        if self.author_names is None:
            return []
        names = [text_of(span) for span in self.author_names(article)]
        return [{"name": name, "url": None} for name in names if name]

    def _figure_handler(self, raw: RawArticle, base: str) -> Callable[[Node], None]:
        def on_figure(figure: Node) -> None:
            video = self.read_video(figure, base)
            if video is not None:
                raw.videos.append(video)
                return
            found = image(figure, base, self.caption, self.credit)
            if found is not None:
                raw.images.append(found)

        return on_figure

    def _related(self, root: Node, base: str) -> list[dict[str, str | None]]:
        """The article's own "Verwandte Artikel" teasers (not "Meistgelesen")."""
        related = []
        for block in self.teaser_blocks(root):
            heading = " ".join((text_of(self.teaser_heading.first(block)) or "").split())
            if heading not in self.related_headings:
                continue
            for teaser in self.teasers(block):
                link = self.teaser_link.first(teaser) if self.teaser_link is not None else teaser
                href = attr(link, "href") if link is not None else None
                url = canonical_article_url(link_url(link, base) or "") if href else None
                if url:
                    related.append(
                        {
                            "url": url,
                            "kicker": text_of(self.teaser_kicker.first(teaser)),
                            "title": text_of(self.teaser_title.first(teaser)),
                        }
                    )
        return related


@dataclass
class RawTeaser:
    """One teaser of an index page, as the page shows it."""

    block: str | None
    url: str
    kicker: str | None
    title: str | None
    summary: str | None
    image: dict[str, Any] | None


_BLOCK_HEADING = css("[class*='go-teaser-block__heading']")


class TeaserLayout:
    """One era's teaser markup on index pages (home, ticker, archive and topic pages).

    Subclasses set the selectors, all relative to the teaser element; `teaser` finds the
    teaser elements themselves.
    """

    name: ClassVar[str]
    teaser: ClassVar[Selector]
    link: ClassVar[Selector]
    kicker: ClassVar[Selector]
    title: ClassVar[Selector]
    summary: ClassVar[Selector]
    # The link to an index page's next page (relative to the root).
    next_page: ClassVar[Selector]

    def read(self, teaser: Node, base: str) -> RawTeaser | None:
        """The teaser's fields, or None when it links to no article."""
        link = self.link.first(teaser)
        url = canonical_article_url(link_url(link, base) or "") if link is not None else None
        if not url:
            return None
        return RawTeaser(
            block=block_heading(teaser),
            url=url,
            kicker=text_of(self.kicker.first(teaser), exclude=SPONSORED_LABEL),
            title=text_of(self.title.first(teaser)),
            summary=text_of(self.summary.first(teaser)),
            # Teaser images carry caption and credit only in the alt text ("C (Bild: X) X").
            image=image(teaser, base),
        )


def _child_heading(node: Node) -> Node | None:
    """A classic block's heading: its first child with class "header", or h2 or h3."""
    for child in node.iter():
        if child.tag in ("h2", "h3") or (
            child.is_element_node and "header" in (attr(child, "class") or "").split()
        ):
            return child
    return None


def block_heading(teaser: Node) -> str | None:
    """The heading of the nearest enclosing block that has one.

    Shared by every era: a block is recognised by what it contains (a current
    `go-teaser-block` with its heading, or a heading child), so a page mixing eras' blocks
    still names each teaser's block.
    """
    ancestor = teaser.parent
    while ancestor is not None and ancestor.tag not in ("body", "html"):
        classes = (attr(ancestor, "class") or "").split()
        if "go-teaser-block" in classes:
            return text_of(_BLOCK_HEADING.first(ancestor))
        heading = _child_heading(ancestor)
        if heading is not None and (text_of(heading) or "").strip():
            return text_of(heading)
        ancestor = ancestor.parent
    return None
