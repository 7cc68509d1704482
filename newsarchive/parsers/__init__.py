"""Layout parsers: pure functions from a golem.de page to raw article fields.

Each layout era has one module (`classic`, `current`) that can say whether a page is in its
layout (`find_article`) and read it (`parse`). The layout is found by what the page
contains, not by its date, so a page saved years ago and re-read from WARC still finds
its era. A page that is no article gets a `NotAnArticle` with a reason for the stats.
"""

from __future__ import annotations

import re
from types import ModuleType

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from newsarchive.parsers import classic, current
from newsarchive.parsers.common import (
    NotAnArticle,
    RawArticle,
    article_path_match,
    css,
    meta,
    text_of,
)
from newsarchive.parsers.select import indexed

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
    "parse_html",
    "parse_page",
    "parse_utf8_page",
    "is_complete",
    "looks_like_html",
]


def is_complete(body: bytes | str) -> bool:
    """Whether a document arrived whole: a cut download lacks its closing `</html>`.

    lxml repairs a cut page silently, which would turn it into a shorter article; the
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


def parse_html(body: bytes | str) -> HtmlElement:
    return lxml.html.fromstring(body)


# Bytes str.strip() removes but bytes.strip() keeps (the other ASCII white space is the same).
_STR_ONLY_SPACE = frozenset(b"\x1c\x1d\x1e\x1f")
# What lxml reports for bytes that are no UTF-8 (as parsel checks it).
_ENCODING_ERRORS = frozenset(
    {etree.ErrorTypes.ERR_INVALID_CHAR, etree.ErrorTypes.ERR_INVALID_ENCODING}
)


def parse_utf8_page(body: bytes, base_url: str | None = None) -> HtmlElement | None:
    """The tree Scrapy's selector builds for a UTF-8 HTML page, built from its bytes.

    The selector decodes the body, strips the text and encodes it back for lxml: two copies
    of the page, costing a third as much as parsing it. Where the body is valid UTF-8 with
    no NUL byte, and nothing at either end that str.strip() and bytes.strip() treat apart
    (a BOM, other non-ASCII or control white space), the stripped bytes are exactly what
    lxml would get, so it gets them directly, with the selector's parser options. The
    elements are plain lxml elements: HtmlElement's class lookup is a Python call for
    every element the parsers touch, and they use nothing HtmlElement adds.
    Returns None where this does not hold: parse as the selector does then.
    """
    stripped = body.strip()
    if not stripped or b"\x00" in stripped:
        return None
    first, last = stripped[0], stripped[-1]
    if first >= 0x80 or last >= 0x80 or first in _STR_ONLY_SPACE or last in _STR_ONLY_SPACE:
        return None
    # collect_ids=False: no table for XPath id(), which nothing here uses (a few % faster).
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True, collect_ids=False)
    try:
        root = etree.fromstring(stripped, parser=parser, base_url=base_url)
    except etree.XMLSyntaxError:
        return None
    if root is None or any(error.type in _ENCODING_ERRORS for error in parser.error_log):
        return None
    return root


def is_consent_wall(root: HtmlElement) -> bool:
    """The consent interstitial golem.de shows instead of a page to visitors without consent."""
    return any(_CONSENT.match(text_of(h1) or "") for h1 in _H1(root))


def parse_page(root: HtmlElement, url: str) -> RawArticle | NotAnArticle:
    """Raw article fields of one page, or why it is not an article."""
    with indexed(root):  # the parsers' dozens of CSS queries, answered from one pass
        return _parse_page(root, url)


def _parse_page(root: HtmlElement, url: str) -> RawArticle | NotAnArticle:
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
