"""Index pages (home page, ticker, archive, topic pages): teasers and article links.

Teasers are read where their markup is known (current `article.go-teaser`, classic
`ol.list-articles > li`); article links are found by URL pattern on any page, so a teaser
in an unknown markup still leads to its article.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newsarchive.parsers.common import (
    SITE,
    SPONSORED_LABEL,
    Node,
    article_id,
    attr,
    canonical_article_url,
    css,
    image,
    link_url,
    text_of,
)

_ANY_TEASER = css("article.go-teaser, ol.list-articles > li")
_CURRENT_LINK = css("a.go-teaser__link")
_CURRENT_KICKER = css(".go-teaser__kicker")
_CURRENT_TITLE = css(".go-teaser__title")
_CURRENT_TEXT = css(".go-teaser__text")
_CLASSIC_LINK = css("header a[href]")
_CLASSIC_KICKER = css("hgroup .head1")
_CLASSIC_TITLE = css("hgroup .head2, hgroup .head4")
_CLASSIC_SUMMARY = css("li > p")
_LINKS = css("a[href]")
_NEXT_PAGE = css("li.go-pagination__item--next a[href], a#atoc_next, a.next[href]")


@dataclass
class RawTeaser:
    block: str | None
    url: str
    kicker: str | None
    title: str | None
    summary: str | None
    image: dict[str, Any] | None


_BLOCK_HEADING = css("[class*='go-teaser-block__heading']")


def _child_heading(node: Node) -> Node | None:
    """A classic block's heading: its first child with class "header", or h2 or h3."""
    for child in node.iter():
        if child.tag in ("h2", "h3") or (
            child.is_element_node and "header" in (attr(child, "class") or "").split()
        ):
            return child
    return None


def _block_heading(teaser: Node) -> str | None:
    """The heading of the nearest enclosing block that has one."""
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


def _teaser(teaser: Node, link: Node | None, kicker, title, summary, base):
    url = canonical_article_url(link_url(link, base) or "") if link is not None else None
    if not url:
        return None
    return RawTeaser(
        block=_block_heading(teaser),
        url=url,
        kicker=text_of(kicker.first(teaser), exclude=SPONSORED_LABEL),
        title=text_of(title.first(teaser)),
        summary=text_of(summary.first(teaser)),
        # Teaser images carry caption and credit only in the alt text ("C (Bild: X) X").
        image=image(teaser, base),
    )


def teasers(root: Node, base: str = SITE) -> list[RawTeaser]:
    """Teasers of article links in page order (both layouts' markup)."""
    found = []
    for teaser in _ANY_TEASER(root):  # an XPath union: document order
        if teaser.tag == "article":
            link = _CURRENT_LINK.first(teaser)
            raw = _teaser(teaser, link, _CURRENT_KICKER, _CURRENT_TITLE, _CURRENT_TEXT, base)
        else:
            link = _CLASSIC_LINK.first(teaser)
            raw = _teaser(teaser, link, _CLASSIC_KICKER, _CLASSIC_TITLE, _CLASSIC_SUMMARY, base)
        if raw:
            found.append(raw)
    return found


def links(root: Node, base: str) -> list[str]:
    """Every link on a page, absolute, in page order (the spider filters and canonicalises)."""
    return [url for url in (link_url(a, base) for a in _LINKS(root)) if url]


def next_page(root: Node, base: str) -> str | None:
    link = _NEXT_PAGE.first(root)
    return link_url(link, base)


__all__ = ["RawTeaser", "article_id", "links", "next_page", "teasers"]
