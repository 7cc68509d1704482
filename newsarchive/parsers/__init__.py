"""Layout parsers: pure functions from a golem.de page to raw article fields.

Each layout era has one module (`classic`, `current`) that can say whether a page is in its
layout (`find_article`) and read it (`parse`). The layout is found by what the page
contains, not by its date, so a page saved years ago and re-read from WARC still finds
its era. A page that is no article gets a `NotAnArticle` with a reason for the stats.
"""

from __future__ import annotations

import re
from types import ModuleType

from selectolax.lexbor import LexborHTMLParser

from newsarchive.parsers import classic, current
from newsarchive.parsers.common import (
    Node,
    NotAnArticle,
    RawArticle,
    article_path_match,
    css,
    meta,
    text_of,
)

# Newest first: a page carrying both sets of markup is read as the newer era.
LAYOUTS: tuple[ModuleType, ...] = (current, classic)

_H1 = css("h1")
_CONSENT = re.compile(r"^\s*Willkommen auf Golem\.de", re.IGNORECASE)
_CLOSING_TAG = re.compile(rb"</html\s*>", re.IGNORECASE)
_OPENING_TAG = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)

__all__ = [
    "LAYOUTS",
    "NotAnArticle",
    "RawArticle",
    "page_tree",
    "parse_page",
    "is_complete",
    "looks_like_html",
]


def is_complete(body: bytes | str) -> bool:
    """Whether a document arrived whole: a cut download lacks its closing `</html>`.

    An HTML parser repairs a cut page silently, which would turn it into a shorter article; the
    closing tag in the last bytes is the cheap, reliable sign that nothing was lost.
    """
    tail = body[-4096:]
    if isinstance(tail, str):
        tail = tail.encode("utf-8", "replace")
    return bool(_CLOSING_TAG.search(tail))


def looks_like_html(body: bytes | str) -> bool:
    """Whether a response is an HTML document at all (and not a feed, an image, text)."""
    head = body[:4096]
    if isinstance(head, str):
        head = head.encode("utf-8", "replace")
    return bool(_OPENING_TAG.search(head))


def page_tree(html: bytes | str) -> Node:
    """The root element of a page's tree. Bytes are read as UTF-8 (invalid sequences become
    U+FFFD); a page in another encoding comes as text, decoded by the caller."""
    return LexborHTMLParser(html).root


def is_consent_wall(root: Node) -> bool:
    """The consent interstitial golem.de shows instead of a page to visitors without consent."""
    return any(_CONSENT.match(text_of(h1) or "") for h1 in _H1(root))


def parse_page(root: Node, url: str) -> RawArticle | NotAnArticle:
    """Raw article fields of one page, or why it is not an article."""
    for layout in LAYOUTS:
        article = layout.find_article(root)
        if article is not None:
            return layout.parse(root, article, url)
    if is_consent_wall(root):
        return NotAnArticle("consent_wall", "consent interstitial instead of the page")
    looks_like_article = (meta(root, "og_type") or "") == "article"
    if article_path_match(url) and looks_like_article:
        return NotAnArticle("unknown_layout", "article URL, but neither known layout")
    return NotAnArticle("not_article", "no article markup")
