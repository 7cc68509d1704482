"""The current golem.de article layout (a Svelte page, since August 2025).

Stable signals: `article.go-article`, its `header.go-article-header` with the
`go-article-header__title` and `__meta` parts, and the `go-richtext` body. The body's `p`
and `h2` sit at more than one depth, between ad slots, job carousels and info boxes, so the
whole article is walked with those left out.
"""

from __future__ import annotations

from typing import Any, ClassVar

from newsarchive.parsers.common import (
    SPONSORED_LABEL,
    Node,
    css,
    duration_iso,
    has_class,
    link_url,
    text_of,
)
from newsarchive.parsers.template import LayoutParser, TeaserLayout

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


class Current(LayoutParser):
    name = "current"
    article = css("article.go-article, article")
    signals: ClassVar = (
        css("header.go-article-header"),
        css(".go-article-header__title, .go-article-header__kicker"),
        css(".go-article-header__meta, .go-article-header__authors"),
        css(".go-richtext"),
    )
    headline = css("header.go-article-header h1, h1")
    kicker = css("span.go-article-header__kicker")
    title = css("span.go-article-header__title")
    summary = css(".go-article-header__intro")
    byline_word = css(".go-article-header__byline")
    pubdate = css(".go-article-header__meta time, header.go-article-header time")
    author_links = css(".go-article-header__authors a.go-article-header__author")
    caption = css("figcaption .go-media__caption")
    credit = css("figcaption .go-media__credit")
    topics = css(".go-tag-list__tags a.go-tag")
    comment_count = css(".go-article-header__button-bar .go-comment-button__count")
    comments_url = css("a[href*='forum.golem.de/kommentare']")
    paywall_marker = css(".go-paywall")
    next_page = css("li.go-pagination__item--next a")
    page_links = css(".go-pagination a[href]")
    teaser_blocks = css(".go-teaser-block")
    teaser_heading = css(".go-teaser-block__heading")
    teasers = css("article.go-teaser")
    teaser_link = css("a.go-teaser__link")
    teaser_kicker = css(".go-teaser__kicker")
    teaser_title = css(".go-teaser__title")
    _video_link = css("figcaption .go-video__caption a")
    _figcaption = css("figcaption")

    def kicker_text(self, headline: Node) -> tuple[str | None, bool]:
        kicker = self.kicker.first(headline)
        if kicker is None:
            return None, False
        return text_of(kicker, exclude=SPONSORED_LABEL), SPONSORED_LABEL.first(kicker) is not None

    def is_boilerplate(self, element: Node, tag: str, classes: list[str]) -> bool:
        return tag in _BOILERPLATE_TAGS or not _BOILERPLATE_CLASSES.isdisjoint(classes)

    def read_video(self, figure: Node, base: str) -> dict[str, Any] | None:
        if not has_class(figure, "go-video"):
            return None
        link = self._video_link.first(figure)
        return {
            "url": link_url(link, base),
            "title": text_of(link),
            "duration": duration_iso(text_of(self._figcaption.first(figure))),
        }


class CurrentTeasers(TeaserLayout):
    """Current index pages: `article.go-teaser` cards."""

    name = "current"
    teaser = css("article.go-teaser")
    link = css("a.go-teaser__link")
    kicker = css(".go-teaser__kicker")
    title = css(".go-teaser__title")
    summary = css(".go-teaser__text")
    next_page = css("li.go-pagination__item--next a[href]")


LAYOUT = Current()
TEASERS = CurrentTeasers()
