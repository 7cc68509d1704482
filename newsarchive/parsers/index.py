"""Index pages (home page, ticker, archive, topic pages): teasers and article links.

Teasers are read where an era's markup is known (`TeaserLayout` subclasses in the era
modules, listed in `parsers.TEASER_LAYOUTS`); article links are found by URL pattern on any
page, so a teaser in an unknown markup still leads to its article.
"""

from __future__ import annotations

from newsarchive.parsers import TEASER_LAYOUTS
from newsarchive.parsers.common import SITE, Node, article_id, css, link_url
from newsarchive.parsers.template import RawTeaser

_LINKS = css("a[href]")
# One query over every era's selector keeps page order (lexbor returns a selector list's
# matches in document order).
_ANY_TEASER = css(", ".join(layout.teaser.css for layout in TEASER_LAYOUTS))
_NEXT_PAGE = css(", ".join(layout.next_page.css for layout in TEASER_LAYOUTS))


def teasers(root: Node, base: str = SITE) -> list[RawTeaser]:
    """Teasers of article links in page order, each read by the era whose markup it has."""
    era_of = {
        node.mem_id: layout for layout in reversed(TEASER_LAYOUTS) for node in layout.teaser(root)
    }
    found = []
    for node in _ANY_TEASER(root):
        raw = era_of[node.mem_id].read(node, base)
        if raw is not None:
            found.append(raw)
    return found


def links(root: Node, base: str) -> list[str]:
    """Every link on a page, absolute, in page order (the spider filters and canonicalises)."""
    return [url for url in (link_url(a, base) for a in _LINKS(root)) if url]


def next_page(root: Node, base: str) -> str | None:
    return link_url(_NEXT_PAGE.first(root), base)


__all__ = ["RawTeaser", "article_id", "links", "next_page", "teasers"]
