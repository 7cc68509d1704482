"""Markup pieces both replica layouts share: text noise, inline links, body flow, dates, JSON-LD.

Every function here is pure: noise is chosen by a hash of the text, so a page renders the
same bytes every time, and the noise always decodes and normalises back to the spec's text.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from .specs import BERLIN, CANONICAL_BASE, ArticleSpec, Block, Image, Video

MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)

# Text for screen readers that both layouts put into links; never part of a record.
NEW_WINDOW = "(öffnet im neuen Fenster)"


def _hash(*parts: str) -> int:
    return zlib.crc32("\x1f".join(parts).encode())


def german_date(dt: datetime, joiner: str) -> str:
    """The date as the page shows it: '28. April 2024, 14:26 Uhr' (joiner ', ' or ' um ')."""
    local = dt.astimezone(BERLIN)
    return f"{local.day}. {MONTHS[local.month - 1]} {local.year}{joiner}{local:%H:%M} Uhr"


def yymm_label(yymm: str) -> str:
    """'2510' -> 'Oktober 2025'."""
    return f"{MONTHS[int(yymm[2:]) - 1]} 20{yymm[:2]}"


def slugify(text: str) -> str:
    """golem.de style URL slug: umlauts transcribed, everything else to single hyphens."""
    text = text.lower()
    for char, repl in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("&", " und ")):
        text = text.replace(char, repl)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


# -- escaping and noise ---------------------------------------------------------------------

_NAMED = {
    "ä": "&auml;",
    "ö": "&ouml;",
    "ü": "&uuml;",
    "Ä": "&Auml;",
    "Ö": "&Ouml;",
    "Ü": "&Uuml;",
    "ß": "&szlig;",
    "–": "&ndash;",
}


def attr(text: str) -> str:
    """Escape for an attribute value."""
    return html.escape(text, quote=True)


def entities(text: str, *, quote: bool = False) -> str:
    """Escape the way the classic templates did: umlauts and dashes as named entities."""
    out = html.escape(text, quote=quote)
    for char, entity in _NAMED.items():
        out = out.replace(char, entity)
    return out


_LONG_WORD = re.compile(r"[^\W\d_]{10,}")
_NUMBER_SPACE = re.compile(r"(?<=\d) (?=\w)")
_INNER_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_NON_ASCII_LETTER = re.compile(r"[äöüÄÖÜß]")


def noisy(text: str, salt: str = "") -> str:
    """HTML for `text` carrying the site's noise, chosen by a hash of salt and text.

    Noise: soft hyphens (entity or raw), non-breaking spaces, a decomposed umlaut (NFD),
    a zero-width space, a line break with indentation, named and numeric entities, &quot;.
    Decoding, NFC, dropping soft hyphens and zero-width characters and collapsing white
    space gives `text` back.
    """
    h = _hash(salt, text)
    s = text
    if h & 1 and (m := max(_LONG_WORD.finditer(s), key=lambda m: len(m[0]), default=None)):
        cut = m.start() + len(m[0]) // 2
        s = s[:cut] + "\u00ad" + s[cut:]
    if h & 2:
        s = _NUMBER_SPACE.sub("\u00a0", s, count=1)
    if h & 4 and (m := re.search(r"[äöüÄÖÜ]", s)):
        s = s[: m.start()] + unicodedata.normalize("NFD", m[0]) + s[m.end() :]
    if h & 8:
        s = _INNER_HYPHEN.sub("-\u200b", s, count=1)
    if h & 16:
        s = s.replace(". ", ".\n        ", 1)
    out = html.escape(s, quote=False)
    out = out.replace("\u00ad", "&shy;" if h & 32 else "\u00ad")
    out = out.replace("\u00a0", "&nbsp;" if h & 64 else "&#160;")
    out = out.replace("\u200b", "&#8203;")
    if h & 128 and (m := _NON_ASCII_LETTER.search(out)):
        out = out[: m.start()] + _NAMED[m[0]] + out[m.end() :]
    if h & 256 and (m := _NON_ASCII_LETTER.search(out)):
        code = ord(m[0])
        out = out[: m.start()] + (f"&#{code};" if h & 1024 else f"&#x{code:X};") + out[m.end() :]
    if h & 512:
        out = out.replace('"', "&quot;")
    return out


# -- inline markup: links and quotations inside a paragraph ----------------------------------


@dataclass(frozen=True)
class Segment:
    """A run of paragraph text: plain text, an external link, a topic link or a quotation."""

    kind: Literal["text", "link", "topic", "quote"]
    text: str
    href: str = ""


_QUOTE = re.compile(r'(?:(?<=\s)|^)"[^"]+"(?=[\s,.;:!?)]|$)')
_LINKABLE = re.compile(r"[^\W_][\w\-/äöüÄÖÜß]*[,.;:!?]?")
_TRAIL = ",.;:!?"


def segments(
    text: str,
    salt: str,
    topics: list[tuple[str, str]] | tuple = (),
    *,
    quotes: bool = True,
    external: bool = True,
) -> list[Segment]:
    """Split text into runs that the renderers wrap in inline elements.

    Quoted phrases become quotations; up to two runs of one to three words become links,
    always on word boundaries, with trailing punctuation left outside the link (as the
    real pages have it, so the 2025 layout's white space lands before the punctuation).
    """
    parts: list[Segment] = []
    pos = 0
    for m in _QUOTE.finditer(text) if quotes else ():
        if m.start() > pos:
            parts.append(Segment("text", text[pos : m.start()]))
        parts.append(Segment("quote", m[0]))
        pos = m.end()
    if pos < len(text):
        parts.append(Segment("text", text[pos:]))
    h = _hash("links", salt, text)
    links_left = h % 3
    out: list[Segment] = []
    for index, part in enumerate(parts):
        if part.kind == "text" and links_left:
            linked = _link_in(part.text, _hash(salt, str(index), part.text), topics, external)
            links_left -= len(linked) > 1
            out.extend(linked)
        else:
            out.append(part)
    return out


def _link_in(text: str, h: int, topics, external: bool) -> list[Segment]:
    words = text.split(" ")
    length = 1 + (h >> 1) % 3
    starts = [
        i
        for i in range(len(words) - length + 1)
        if all(_LINKABLE.fullmatch(w) for w in words[i : i + length])
        and not any(w[-1] in _TRAIL for w in words[i : i + length - 1])
    ]
    use_topic = bool(topics) and (not external or (h >> 6) & 1)
    if not starts or not (use_topic or external):
        return [Segment("text", text)]
    i = starts[(h >> 3) % len(starts)]
    j = i + length
    linked = " ".join(words[i:j])
    trail = linked[-1] if linked[-1] in _TRAIL else ""
    linked = linked[: len(linked) - len(trail)]
    before = " ".join(words[:i]) + (" " if i else "")
    after = trail + (" " if j < len(words) else "") + " ".join(words[j:])
    if use_topic:
        link = Segment("topic", linked, topics[(h >> 7) % len(topics)][1])
    else:
        link = Segment("link", linked, f"https://www.example.com/{slugify(linked)}")
    return [s for s in (Segment("text", before), link, Segment("text", after)) if s.text]


# -- the body flow: blocks, media and boilerplate in reading order ---------------------------


@dataclass(frozen=True)
class FlowItem:
    """One thing in a page body: a block, an image, a video or a boilerplate slot."""

    kind: Literal["block", "image", "video", "slot"]
    block: Block | None = None
    image: Image | None = None
    video: Video | None = None
    slot: str = ""
    ordinal: int = 0  # 1-based number of a block in the whole article
    last: bool = False  # the article's last block


# Boilerplate slots after the n-th block (0-based) of every page; the renderers decide the
# markup ("info" is rendered by the current layout only).
SLOTS_AFTER = {0: ("jobs",), 2: ("info",), 3: ("ad_mid", "courses")}


def body_flow(spec: ArticleSpec, page: int | None) -> list[FlowItem]:
    """Reading order of page `page`, or of all pages merged when page is None.

    Body images (after the hero) and videos go to page min(k, page_count) for the k-th of
    them, so their order across pages is their order in the spec.
    """
    pages = range(1, spec.page_count + 1) if page is None else (page,)
    total = len(spec.blocks)
    items: list[FlowItem] = []
    for number in pages:
        offset = sum(len(p) for p in spec.pages[: number - 1])
        media = [
            FlowItem("image", image=img)
            for k, img in enumerate(spec.images[1:], 1)
            if min(k, spec.page_count) == number
        ] + [
            FlowItem("video", video=v)
            for k, v in enumerate(spec.videos, 1)
            if min(k, spec.page_count) == number
        ]
        items.append(FlowItem("slot", slot="ad_top"))
        for i, block in enumerate(spec.pages[number - 1]):
            ordinal = offset + i + 1
            items.append(FlowItem("block", block=block, ordinal=ordinal, last=ordinal == total))
            if i >= 1 and media:
                items.append(media.pop(0))
            items.extend(FlowItem("slot", slot=name) for name in SLOTS_AFTER.get(i, ()))
        items.extend(media)
        items.append(FlowItem("slot", slot="end"))
    return items


def page_title(spec: ArticleSpec, page: int) -> str:
    """Title of a page in a table of contents: its first heading, else the article title."""
    headings = [b["text"] for b in spec.pages[page - 1] if b["type"] == "heading"]
    return spec.title if page == 1 or not headings else headings[0]


# -- captions and durations ------------------------------------------------------------------


def credit_phrase(image: Image) -> str:
    """'(Bild: X)' with the image's form word."""
    return f"({image.get('credit_type', 'Bild')}: {image['credit']})"


def media_alt(image: Image) -> str:
    """Alt text of an article image: caption and credit phrase."""
    return " ".join(p for p in (image["caption"], credit_phrase(image)) if p)


def teaser_alt(image: Image) -> str:
    """Alt text of a 2025 teaser image: caption, credit phrase, and the credit once more."""
    return f"{media_alt(image)} {image['credit']}"


def clock(seconds: int) -> str:
    """Video duration as shown: '1:24:10' or '3:05'."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# -- JSON-LD ---------------------------------------------------------------------------------


def json_ld(spec: ArticleSpec, *, classic: bool) -> str:
    """The NewsArticle JSON-LD script.

    classic: HTML entities inside the JSON strings, and Berlin wall-clock times with a false
    'Z' (as on the saved 2024 page); current: plain UTF-8 and true UTC with milliseconds.
    """

    def text(value: str) -> str:
        return entities(value) if classic else value

    def when(dt: datetime) -> str:
        if classic:
            return dt.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M:%SZ")
        return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    things = [
        {"@type": "Thing", "name": text(name), "url": f"{CANONICAL_BASE}/specials/{slug}/"}
        for name, slug in spec.topics
    ]
    data: dict = {
        "@context": "http://schema.org",
        "@type": "NewsArticle",
        "articleSection": "News",
        "headline": text(f"{spec.headline} - Golem.de"),
        "description": text(spec.summary or ""),
        "mainEntityOfPage": spec.url(),
        "datePublished": when(spec.published),
    }
    if spec.modified:
        data["dateModified"] = when(spec.modified)
    data["author"] = [
        {"@type": "Person", "name": name, "url": f"{CANONICAL_BASE}/specials/autor-{slug}/"}
        for name, slug in spec.authors
    ]
    data["publisher"] = {"@type": "Organization", "name": "Golem.de", "url": CANONICAL_BASE}
    data["isAccessibleForFree"] = not spec.paywall
    if spec.paywall:
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": ".go-paywall",
        }
    data["isPartOf"] = {"@type": ["CreativeWork", "Product"], "name": "Golem.de"}
    if things:
        data["about"] = things[0]
        data["mentions"] = things[1:]
    if spec.images:
        data["image"] = {"@type": "ImageObject", "url": spec.images[0]["url"]}
    body = json.dumps(
        data,
        ensure_ascii=False,
        indent=4 if classic else None,
        separators=None if classic else (",", ":"),
    ).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{body}\n</script>'


def article_meta(spec: ArticleSpec, escape: Callable[[str], str]) -> list[str]:
    """Title and meta tags both layouts put in the head; `escape` is the layout's escaping."""
    title = escape(f"{spec.headline} - Golem.de")
    keywords = escape(", ".join(name for name, _ in spec.topics))
    tier = "locked" if spec.paywall else "free"
    tags = [f"<title>{title}</title>", f'<meta name="title" content="{title}">']
    if spec.summary:
        tags.append(f'<meta name="description" content="{attr(spec.summary)}">')
    tags += [
        f'<meta name="news_keywords" content="{keywords}">',
        '<meta property="og:type" content="article">',
        f'<meta name="twitter:title" property="og:title" content="{title}">',
        f'<meta name="twitter:url" property="og:url" content="{attr(spec.url())}">',
    ]
    if spec.images:
        image = attr(spec.images[0]["url"])
        tags.append(f'<meta name="twitter:image" property="og:image" content="{image}">')
    tags += [
        f'<meta property="article:content_tier" content="{tier}">',
        f'<meta property="article:opinion" content="{"true" if spec.opinion else "false"}">',
    ]
    return tags


def truncate(document: str, at: int | None) -> str:
    """Cut a document after `at` bytes, as a broken download would."""
    if at is None:
        return document
    return document.encode()[:at].decode("utf-8", "ignore")


def check_page(spec: ArticleSpec, page: int) -> None:
    """Refuse page numbers the article does not have."""
    if not 1 <= page <= spec.page_count:
        raise ValueError(f"article {spec.id} has no page {page}")
