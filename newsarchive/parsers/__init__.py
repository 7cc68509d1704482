"""Layout parsers: pure functions from a golem.de page to raw article fields.

Each layout era has one module (`classic`, `current`) whose parser says whether a page is
in its layout (`find_article`) and reads it (`parse`), on the skeleton in `template.py`.
The layout is found by what the page contains, not by its date, so a page saved years ago
and re-read from WARC still finds its era. An article page in markup no era knows is read
by the `generic` parser from its structured data and main text, and says so; only a page
that is no article at all gets a `NotAnArticle`, with a reason for the stats.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from newsarchive.parsers import classic, current, generic
from newsarchive.parsers.common import (
    Node,
    NotAnArticle,
    RawArticle,
    canonical_url,
    css,
    news_article_jsonld,
    text_of,
)
from newsarchive.parsers.structured import Structured
from newsarchive.parsers.template import LayoutParser, TeaserLayout

# Newest first: a page carrying both sets of markup is read as the newer era.
LAYOUTS: tuple[LayoutParser, ...] = (current.LAYOUT, classic.LAYOUT)
# Index pages: every era's teasers are read, in page order, whichever markup each one has.
TEASER_LAYOUTS: tuple[TeaserLayout, ...] = (current.TEASERS, classic.TEASERS)

# Nesting deeper than this is no golem.de page (theirs nest about 200 deep, counting
# unclosed svg paths). lexbor's HTML5 tree building costs time quadratic in depth (5,000
# levels take about 0.1 s, 100,000 over a minute), so deeper pages are refused unparsed.
MAX_DEPTH = 5_000
_TAG = re.compile(rb"<(/?)([A-Za-z][A-Za-z0-9]{0,15})")
# Elements whose end tag may be left out, and void elements: they add no lasting depth.
_FLAT = frozenset(
    b"p li dt dd option optgroup tr td th tbody thead tfoot colgroup rt rp html head body "
    b"area base br col embed hr img input link meta source track wbr param".split()
)

_H1 = css("h1")
_CONSENT = re.compile(r"^\s*Willkommen auf Golem\.de", re.IGNORECASE)
_CLOSING_TAG = re.compile(rb"</html\s*>", re.IGNORECASE)
_OPENING_TAG = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)

__all__ = [
    "LAYOUTS",
    "MAX_DEPTH",
    "NotAnArticle",
    "PageTooDeep",
    "RawArticle",
    "TEASER_LAYOUTS",
    "page_tree",
    "parse_page",
    "is_complete",
    "looks_like_html",
]


class PageTooDeep(ValueError):
    """The page nests elements deeper than `MAX_DEPTH`: refused unparsed."""


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


def nesting_depth(html: bytes) -> int:
    """How deep elements that need an end tag nest, counted from the tags alone.

    An end tag closes the innermost open element of its name and everything opened inside
    it; an end tag with no such element open closes nothing (as in an HTML5 parser), so
    stray end tags cannot hide depth.
    """
    open_names: list[bytes] = []
    counts: dict[bytes, int] = {}
    deepest = 0
    for match in _TAG.finditer(html):
        name = match.group(2).lower()
        if name in _FLAT:
            continue
        if not match.group(1):
            open_names.append(name)
            counts[name] = counts.get(name, 0) + 1
            deepest = max(deepest, len(open_names))
        elif counts.get(name):
            while True:
                closed = open_names.pop()
                counts[closed] -= 1
                if closed == name:
                    break
    return deepest


def page_tree(html: bytes | str) -> Node:
    """The root element of a page's tree. Bytes are read as UTF-8 (invalid sequences become
    U+FFFD); a page in another encoding comes as text, decoded by the caller.

    Raises PageTooDeep for a page nested deeper than MAX_DEPTH. A page with fewer tags than
    that cannot be, and golem.de's pages have about half as many: only larger ones pay for
    the count.
    """
    if html.count("<" if isinstance(html, str) else b"<") > MAX_DEPTH:
        raw = html.encode("utf-8", "replace") if isinstance(html, str) else html
        if nesting_depth(raw) > MAX_DEPTH:
            raise PageTooDeep(f"elements nested deeper than {MAX_DEPTH}")
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
    jsonld = news_article_jsonld(root)
    if canonical_url(root, url, jsonld) and Structured.of(root, jsonld).is_article():
        return generic.parse(root, url, jsonld)
    return NotAnArticle("not_article", "no article markup")
