"""The classic golem.de article layout (years back until August 2025).

Stable signals: the `header.cluster-header` (or `paged-cluster-header`) with the `h1`
headline of `span.dh2` kicker and `span.dh1` title, the `div.authors` byline and the
`div.formatted` body. Inside the era the markup drifted: until 2023 the `h1` and the summary
`p` sat directly in the header and the body's paragraphs directly in `div.formatted`; later
an `hgroup` and `section` wrappers came. Selectors here ask for neither wrapper.
"""

from __future__ import annotations

from typing import Any, ClassVar

from newsarchive.parsers.common import Node, attr, css, has_class, link_url, text_of
from newsarchive.parsers.template import LayoutParser, TeaserLayout

_HEADER = "header.cluster-header, header.paged-cluster-header"
_BOILERPLATE_CLASSES = frozenset({"supplementary", "social-tools", "table-jtoc"})
# Elements of the header whose paragraphs are no summary.
_NOT_SUMMARY = frozenset({"h1", "ul", "ol", "aside", "nav", "figure"})


class Classic(LayoutParser):
    name = "classic"
    jsonld_wall_clock = True  # "2024-04-28T14:26:01Z" for 14:26 Berlin time (golem-facts)
    signals: ClassVar = (css(_HEADER), css("div.authors"), css("div.formatted"), css("span.dh1"))
    header: ClassVar = css(_HEADER)  # the summary is the header's first free paragraph
    headline = css("h1")
    kicker = css("span.dh2")
    title = css("span.dh1")
    summary = css(", ".join(f"{h} p" for h in _HEADER.split(", ")))
    byline_word = css("div.authors span.authors__type")
    pubdate = css("div.authors time")
    author_links = css("div.authors span.authors__name a")
    author_names = css("div.authors span.authors__name")
    hero = css("figure.hero")
    body = css("div.formatted")
    caption = css("figcaption span.big-image-sub")
    credit = css("figcaption span.big-image-lic")
    topics = css("#breadcrumbs ul.tags__list a")
    comment_count = css("a.comments-link")
    comments_url = css("#comments .dh1 a")
    paywall_marker = css(".go-paywall, .paywall")
    sponsored_marker = css("header .go-label--sponsored, header .sponsored")
    next_page = css("a#atoc_next")
    page_links = css(".table-jtoc a[href]")
    teaser_blocks = css("div.teaser-widget")
    teaser_heading = css("div.header")
    teasers = css("a[href]")
    teaser_kicker = css(".head1")
    teaser_title = css(".head2")
    _video_link = css("a[href*='video.golem.de']")

    def rejects(self, article: Node) -> bool:
        return has_class(article, "go-article")

    def summary_of(self, article: Node) -> str | None:
        """The header's first paragraph outside the headline, in or out of an `hgroup`."""
        header = self.header.first(article)
        for paragraph in self.summary(article) if header is not None else ():
            ancestor = paragraph.parent
            while ancestor is not None and ancestor is not header and ancestor != header:
                if ancestor.tag in _NOT_SUMMARY or has_class(ancestor, "authors"):
                    break
                ancestor = ancestor.parent
            else:
                return text_of(paragraph)
        return None

    def is_boilerplate(self, element: Node, tag: str, classes: list[str]) -> bool:
        if tag == "aside":  # ad tiles, job and seminar boxes
            return True
        if (attr(element, "id") or "").startswith("iqadtile"):
            return True
        if tag == "figure" and "Javascript" in (text_of(element) or ""):
            return True  # "Bitte aktivieren Sie Javascript … Golem-pur-Angebot"
        return not _BOILERPLATE_CLASSES.isdisjoint(classes)

    def read_video(self, figure: Node, base: str) -> dict[str, Any] | None:
        video = self._video_link.first(figure)
        if video is None:
            return None
        return {"url": link_url(video, base), "title": text_of(video), "duration": text_of(figure)}


class ClassicTeasers(TeaserLayout):
    """Classic index pages: `ol.list-articles` items with an `hgroup` headline."""

    name = "classic"
    teaser = css("ol.list-articles > li")
    link = css("header a[href]")
    kicker = css("hgroup .head1")
    title = css("hgroup .head2, hgroup .head4")
    summary = css("li > p")
    next_page = css("a#atoc_next, a.next[href]")


LAYOUT = Classic()
TEASERS = ClassicTeasers()
