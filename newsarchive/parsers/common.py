"""What both golem.de layouts share: URLs, raw fields, text of elements, JSON-LD, meta.

Everything here is pure: page trees in, plain values out. No Scrapy import, so parsers can
be tested on saved pages and reused offline (extract, WARC reparse).

A page tree is lexbor's (through selectolax): an HTML5 parser and a CSS selector engine in
C. Building the tree of a golem.de page takes under half the time lxml takes, and a CSS
query from the root about 20 µs, where lxml's XPath took 100–300 µs; the parsers ask
dozens. The text of an element is lexbor's where nothing hidden lies below it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborNode

Node = LexborNode  # an element of a page tree

SITE = "https://www.golem.de"
# …/news/<slug>-<YYMM>-<id>[-<page>].html; ids have grown past four digits long ago, page
# numbers stay small, which keeps "-2404-184627-2" from reading as another split.
ARTICLE_PATH = re.compile(
    r"^/news/(?P<slug>[a-z0-9][a-z0-9-]*?)-(?P<yymm>\d{4})-(?P<id>\d{4,})(?:-(?P<page>\d{1,3}))?\.html$"
)
_HIDDEN_CLASSES = frozenset({"go-vh", "implied"})
_DURATION = re.compile(r"\((?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{2})\)")
_DIGITS = re.compile(r"\d+")
_FORM_WORD = re.compile(r"^(?:ein|eine|einen|einer)\s+(?P<word>.+?)(?:\s+von)?$", re.IGNORECASE)
# A byline form word that says nothing about the genre.
_NO_GENRE = frozenset({"artikel", "von", ""})


@dataclass
class RawArticle:
    """One article page's fields as the markup states them, before normalisation."""

    layout: str
    url: str | None = None
    id: str | None = None
    page: int = 1
    kicker: str | None = None
    title: str | None = None
    summary: str | None = None
    authors: list[dict[str, str | None]] = field(default_factory=list)
    genre: str | None = None
    published_display: str | None = None
    published_machine: list[str | None] = field(default_factory=list)
    modified_machine: list[str | None] = field(default_factory=list)
    body: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, str | None]] = field(default_factory=list)
    videos: list[dict[str, str | None]] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    paywall: bool = False
    opinion: bool = False
    sponsored: bool = False
    comment_count: int | None = None
    comments_url: str | None = None
    related: list[dict[str, str | None]] = field(default_factory=list)
    next_page_url: str | None = None
    page_urls: list[str] = field(default_factory=list)
    # Record fields read from a fallback (JSON-LD, meta tags, the generic extractor).
    fallbacks: list[str] = field(default_factory=list)
    # The layout era writes JSON-LD times as Berlin wall-clock with a false "Z": how to read
    # them when the page displays no date to learn it from.
    jsonld_wall_clock: bool = False


@dataclass(frozen=True)
class NotAnArticle:
    """Why a page yields no article record (counted in the crawl stats by `reason`)."""

    reason: str
    detail: str = ""


class Selector:
    """A CSS selector: `selector(node)` lists its matches in `node`'s subtree (the node
    itself included), in document order."""

    __slots__ = ("css",)

    def __init__(self, css: str) -> None:
        self.css = css

    def __repr__(self) -> str:
        return f"Selector({self.css!r})"

    def __call__(self, node: Node) -> list[Node]:
        return node.css(self.css)

    def first(self, node: Node) -> Node | None:
        return node.css_first(self.css)


def css(selector: str) -> Selector:
    return Selector(selector)


def attr(node: Node, name: str) -> str | None:
    """An attribute's value as the page gives it (entities decoded); None when absent."""
    return node.attrs.get(name)


SPONSORED_LABEL = css(".go-label--sponsored")
_HIDDEN_TAGS = frozenset({"script", "style", "svg", "noscript", "template", "button"})
_HIDDEN = ", ".join([*sorted(_HIDDEN_TAGS), *(f".{name}" for name in sorted(_HIDDEN_CLASSES))])


def _hidden(tag: str, classes: str | None) -> bool:
    """Screen-reader-only and non-text elements, whose text is never part of a field."""
    return tag in _HIDDEN_TAGS or (
        bool(classes) and not _HIDDEN_CLASSES.isdisjoint(classes.split())
    )


def text_of(
    node: Node | None,
    *,
    keep_breaks: bool = False,
    exclude: Callable[[Node], list[Node]] | None = None,
) -> str | None:
    """Visible text of an element, without hidden descendants; None for no element.

    `exclude` names descendants whose text is not part of this field (a sponsored label
    inside a kicker). The element asked for is read even when hidden (the classic byline's
    form word sits in a screen-reader-only span); hidden descendants are not.
    """
    if node is None:
        return None
    if not keep_breaks and exclude is None:
        child = node.child
        if child is None:
            return ""
        if child.next is None and child.tag == "-text":  # one text node, the commonest case
            return child.text_content or ""
        if node.css_first(_HIDDEN) is None:
            # Nothing hidden at or below: lexbor joins the text nodes (comments have none).
            return node.text(deep=True, separator="", strip=False)
    excluded = set(exclude(node)) if exclude is not None else None
    if excluded and node in excluded:
        return ""
    return "".join(_visible_text(node, excluded, keep_breaks))


def _visible_text(node: Node, excluded: set[Node] | None, keep_breaks: bool) -> list[str]:
    """The text of `node`'s visible descendants, in document order.

    Iterative, with an explicit stack of sibling iterators: a page nested thousands of
    elements deep (hostile or broken) must not exhaust Python's recursion limit.
    """
    parts: list[str] = []
    stack = [node.iter(include_text=True)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if tag == "-text":
            text = child.text_content
            if text:
                parts.append(text)
        elif tag.startswith("-") or (excluded and child in excluded):
            continue
        elif keep_breaks and tag == "br":
            parts.append("\n")
        elif not _hidden(tag, attr(child, "class")):
            stack.append(child.iter(include_text=True))
    return parts


# An absolute http(s) URL that urljoin gives back unchanged (its urlsplit/urlunsplit round
# trip is exact: plain host, no params, no empty query or fragment, no tab or newline);
# most links on a page are such, and the test is several times cheaper than the join.
_PLAIN_ABSOLUTE = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[^\s;?#]*)?(?:\?[^\s#]+)?(?:#\S+)?"
)


# A path from the root ("/news/…", the most common relative link) that urljoin resolves by
# putting the base's scheme and host before it, when no segment is empty or starts with a
# dot (urljoin drops empty, "." and ".." segments) and there are no params.
_PLAIN_ROOT_PATH = re.compile(r"(/[^\s;?#]*)(?:\?[^\s#]+)?(?:#\S+)?")


@lru_cache(maxsize=64)
def _origin(base: str) -> str | None:
    """ "https://www.golem.de" of a plain absolute base URL, else None."""
    if not _PLAIN_ABSOLUTE.fullmatch(base):
        return None
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


def absolute(url: str | None, base: str) -> str | None:
    """urljoin(base, url) for a link as a page writes it; None for no link.

    The two commonest forms are answered without urljoin, and give what it gives
    (tests/test_fast_paths.py compares them on many generated URLs and bases).
    """
    if not url:
        return None
    url = url.strip()
    if _PLAIN_ABSOLUTE.fullmatch(url):
        return url
    root_path = _PLAIN_ROOT_PATH.fullmatch(url)
    if root_path is not None:
        path = root_path.group(1)
        origin = _origin(base) if "//" not in path and "/." not in path else None
        if origin is not None:
            return origin + url
    return urljoin(base, url)


def link_url(node: Node | None, base: str) -> str | None:
    """The absolute URL a link element points to; None for no element or no href."""
    return absolute(attr(node, "href"), base) if node is not None else None


_IMG = css("img")


def image(
    container: Node,
    base: str,
    caption: Selector | None = None,
    credit: Selector | None = None,
) -> dict[str, str | None] | None:
    """The first image in `container` that has a source, with the caption and credit the
    given selectors find in the container and the image's alt text, as the page gives
    them; None when there is no such image."""
    img = _IMG.first(container)
    src = attr(img, "src") if img is not None else None
    if not src:
        return None
    return {
        "url": absolute(src, base),
        "caption": text_of(caption.first(container)) if caption is not None else None,
        "credit": text_of(credit.first(container)) if credit is not None else None,
        "alt": attr(img, "alt"),
    }


def article_path_match(url: str) -> re.Match[str] | None:
    parts = urlsplit(url)
    return ARTICLE_PATH.match(parts.path)


def canonical_article_url(url: str, site: str = SITE) -> str | None:
    """Canonical page-1 URL of an article link, on the site's own host; None if no article."""
    match = article_path_match(url)
    if not match:
        return None
    return f"{site}/news/{match['slug']}-{match['yymm']}-{match['id']}.html"


def article_id(url: str | None) -> str | None:
    match = article_path_match(url) if url else None
    return match["id"] if match else None


def page_number(url: str) -> int:
    match = article_path_match(url)
    return int(match["page"]) if match and match["page"] else 1


def duration_iso(text: str | None) -> str | None:
    """ "(1:24:10)" → "PT1H24M10S"; "(3:05)" → "PT3M5S"."""
    match = _DURATION.search(text or "")
    if not match:
        return None
    hours, minutes, seconds = int(match["h"] or 0), int(match["m"]), int(match["s"])
    out = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    out += f"{seconds}S" if seconds or out == "PT" else ""
    return out


def parse_count(text: str | None) -> int | None:
    match = _DIGITS.search(text or "")
    return int(match.group()) if match else None


def genre_from_byline(text: str | None) -> str | None:
    """ "Eine Analyse von" → "Analyse"; "Test" → "Test"; "Artikel" (the default) → None."""
    words = " ".join((text or "").split())
    match = _FORM_WORD.match(words)
    word = match["word"] if match else re.sub(r"\s+von$", "", words, flags=re.IGNORECASE)
    return None if word.lower() in _NO_GENRE else word


_JSONLD = css('script[type="application/ld+json"]')
# schema.org types a news page's main entity may have.
_ARTICLE_TYPES = frozenset(
    {
        "NewsArticle",
        "Article",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "ReviewNewsArticle",
        "BackgroundNewsArticle",
        "TechArticle",
    }
)
_META_CANONICAL = css('meta[name="twitter:url"], meta[property="og:url"]')
_LINK_CANONICAL = css('link[rel="canonical"]')


def news_article_jsonld(root: Node) -> dict[str, Any]:
    """The page's JSON-LD NewsArticle, or {} when it has none or it does not parse."""
    for script in _JSONLD(root):
        try:
            data = json.loads(script.text(deep=True, separator="", strip=False) or "")
        except ValueError:
            continue
        candidates = data if isinstance(data, list) else [data]
        if isinstance(data, dict) and isinstance(data.get("@graph"), list):
            candidates = data["@graph"]
        for candidate in candidates:
            if not isinstance(candidate, dict):
                continue
            kinds = candidate.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if not _ARTICLE_TYPES.isdisjoint(k for k in kinds if isinstance(k, str)):
                return candidate
    return {}


def canonical_url(root: Node, page_url: str, jsonld: dict[str, Any]) -> str | None:
    """The page's own statement of its canonical URL, folded to page 1 on www.golem.de."""
    meta = _META_CANONICAL.first(root)
    stated = [attr(meta, "content") if meta is not None else None, jsonld.get("mainEntityOfPage")]
    link = _LINK_CANONICAL.first(root)
    if link is not None:
        stated.append(attr(link, "href"))
    for candidate in stated:
        if isinstance(candidate, dict):
            candidate = candidate.get("@id")
        if isinstance(candidate, str) and candidate.strip():
            found = canonical_article_url(absolute(candidate, SITE) or "")
            if found:
                return found
    return canonical_article_url(page_url)


def start_article(
    root: Node, page_url: str, layout: str, jsonld: dict[str, Any] | None = None
) -> tuple[RawArticle, dict[str, Any], str]:
    """What every layout parser starts from: the raw article with its canonical URL, id and
    page number, the page's JSON-LD, and the base links resolve against.

    That base is the canonical URL, not wherever the page was served from (a replica, a
    file), so records name golem.de's own URLs.
    """
    jsonld = news_article_jsonld(root) if jsonld is None else jsonld
    url = canonical_url(root, page_url, jsonld)
    raw = RawArticle(layout=layout, url=url, id=article_id(url), page=page_number(page_url))
    return raw, jsonld, url or SITE


def set_dates(raw: RawArticle, time: Node | None, jsonld: dict[str, Any]) -> None:
    """Publication date as displayed, and every machine value for it and for the update:
    the `<time>` element's datetime first, then the JSON-LD's."""
    raw.published_display = text_of(time)
    raw.published_machine = [
        attr(time, "datetime") if time is not None else None,
        jsonld.get("datePublished"),
    ]
    raw.modified_machine = [jsonld.get("dateModified")]


_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_ROWS = css("tr")
_CELLS = css("th, td")


def _list_block(element: Node) -> dict[str, Any]:
    items = [text_of(li) or "" for li in element.iter() if li.tag == "li"]
    return {"type": "list", "text": "\n".join(items), "items": items}


def _table_block(element: Node) -> dict[str, Any]:
    rows = [" | ".join(text_of(cell) or "" for cell in _CELLS(row)) for row in _ROWS(element)]
    return {"type": "table", "text": "\n".join(rows)}


def block_of(element: Node, tag: str) -> dict[str, Any] | None:
    """The body block an element (with this tag) is, or None when it is a container."""
    if tag == "p":
        return {"type": "paragraph", "text": text_of(element)}
    if tag in _HEADINGS:
        return {"type": "heading", "text": text_of(element)}
    if tag in ("ul", "ol"):
        return _list_block(element)
    if tag == "blockquote":
        return {"type": "quote", "text": text_of(element)}
    if tag == "pre":
        # All of the code's text, hidden parts too (as lxml's text_content() gave it).
        return {"type": "code", "text": element.text(deep=True, separator="", strip=False)}
    if tag == "table":
        return _table_block(element)
    return None


Boilerplate = Callable[[Node, str, list[str]], bool]


def walk_body(
    container: Node,
    *,
    is_boilerplate: Boilerplate,
    on_figure: Callable[[Node], None],
) -> list[dict[str, Any]]:
    """Body blocks of `container` in reading order.

    Boilerplate subtrees (ads, job boxes, teasers) are skipped whole; `is_boilerplate` gets
    each element with its tag and class tokens, read once. Figures go to `on_figure`
    (images, videos) and never become text; any other element that is not a block is a
    wrapper (section, div) whose children are read in turn, at any depth. Iterative, like
    `text_of`, so depth costs no recursion.
    """
    blocks: list[dict[str, Any]] = []
    stack = [container.iter()]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if tag in _HIDDEN_TAGS or tag[0] == "-":  # hidden, or a comment
            continue
        classes = attr(child, "class")
        tokens = classes.split() if classes else []
        if (tokens and not _HIDDEN_CLASSES.isdisjoint(tokens)) or is_boilerplate(
            child, tag, tokens
        ):
            continue
        if tag == "figure":
            on_figure(child)
            continue
        block = block_of(child, tag)
        if block is not None:
            blocks.append(block)
        else:
            stack.append(child.iter())
    return blocks


def has_class(element: Node, *names: str) -> bool:
    classes = attr(element, "class")
    if not classes:
        return False
    tokens = classes.split()
    return any(name in tokens for name in names)
