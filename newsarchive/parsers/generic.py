"""The generic parser: an article page in a layout no era parser knows still yields a record.

The head comes from structured data (`structured.py`: JSON-LD, then meta tags), the body
from trafilatura, the main-text extractor that leads the published comparisons of such
tools on news pages and keeps headings, lists, quotes, code and tables apart in its XML
output, which maps onto our body blocks. (readability-style extractors return one HTML
blob; jusText only paragraphs.) The displayed date is the page's first `<time>` element,
where there is one, so the date pipeline can still prefer what a reader sees.

Every field that gets a value here is named in `fallbacks`: nothing in the record came from
a layout's own markup.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from newsarchive.parsers.common import Node, RawArticle, attr, css, start_article, text_of
from newsarchive.parsers.structured import Structured, paywall

NAME = "generic"

_TIME = css("article time, main time, time")
_PAYWALL = css(".go-paywall, .paywall")
# Text that surrounds golem.de articles in every layout and is never body text.
_BOILERPLATE = re.compile(
    r"^(?:Bitte aktivieren Sie Javascript|Reklame\b|Anzeige$|Stellenmarkt$|Golem Karrierewelt)",
    re.IGNORECASE,
)
# golem.de's screen-reader note after links; hidden by a class only a layout parser knows.
_SCREEN_READER = re.compile(r"\s*\(öffnet im neuen Fenster\)")
_XML_BLOCKS = {"p": "paragraph", "head": "heading", "quote": "quote", "code": "code"}


def body_blocks(html: str) -> list[dict[str, Any]]:
    """Body blocks of a page as trafilatura finds its main text; [] when it finds none."""
    import trafilatura  # loaded on the first unknown page only: most runs never need it

    xml = trafilatura.extract(
        html,
        output_format="xml",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        favor_precision=True,
        deduplicate=False,
    )
    if not xml:
        return []
    blocks: list[dict[str, Any]] = []
    main = etree.fromstring(xml.encode("utf-8")).find("main")
    for element in main if main is not None else ():
        tag = element.tag
        if tag == "list":
            items = [
                _SCREEN_READER.sub("", "".join(i.itertext())).strip() for i in element.iter("item")
            ]
            items = [item for item in items if item]
            if items:
                blocks.append({"type": "list", "text": "\n".join(items), "items": items})
        elif tag == "table":
            rows = [
                " | ".join("".join(cell.itertext()).strip() for cell in row.iter("cell"))
                for row in element.iter("row")
            ]
            blocks.append({"type": "table", "text": "\n".join(rows)})
        elif tag in _XML_BLOCKS:
            text = _SCREEN_READER.sub("", "".join(element.itertext()))
            if not _BOILERPLATE.match(text.strip()):
                blocks.append({"type": _XML_BLOCKS[tag], "text": text})
    return blocks


def _without_repeated_title(blocks: list[dict[str, Any]], raw: RawArticle) -> list[dict[str, Any]]:
    """The body without leading blocks that repeat the headline or the summary, which a
    main-text extractor takes for the start of the text."""
    head = {
        " ".join(text.split())
        for text in (raw.title, raw.summary, f"{raw.kicker}: {raw.title}" if raw.kicker else None)
        if text
    }
    while blocks and " ".join(str(blocks[0]["text"]).split()) in head:
        blocks = blocks[1:]
    return blocks


def body_text(root: Node, raw: RawArticle) -> list[dict[str, Any]]:
    """The page's main text as body blocks, without a repeat of the head."""
    return _without_repeated_title(body_blocks(root.html or ""), raw)


def parse(root: Node, page_url: str, jsonld: dict[str, Any] | None = None) -> RawArticle:
    """Raw fields of an article page read from its structured data and main text (`jsonld`:
    the page's JSON-LD article where the caller has read it already)."""
    raw, jsonld, _ = start_article(root, page_url, NAME, jsonld)
    data = Structured.of(root, jsonld)
    raw.kicker, raw.title = data.headline()
    if not raw.title:
        raw.kicker, raw.title = None, text_of(css("h1").first(root))
    raw.summary = data.summary()
    raw.authors = data.authors()
    time = _TIME.first(root)
    raw.published_display = text_of(time) if time is not None else None
    raw.published_machine = [attr(time, "datetime") if time is not None else None]
    raw.published_machine.append(data.published())
    raw.modified_machine = [data.modified()]
    raw.body = body_text(root, raw)
    raw.images = data.images()
    raw.topics = data.topics()
    raw.paywall, _ = paywall(data, _PAYWALL.first(root) is not None)
    raw.opinion = data.opinion()
    stated = {
        "kicker": raw.kicker,
        "title": raw.title,
        "summary": raw.summary,
        "authors": raw.authors,
        "published": raw.published_display or any(raw.published_machine),
        "modified": any(raw.modified_machine),
        "body": raw.body,
        "images": raw.images,
        "topics": raw.topics,
        "paywall": True,
    }
    raw.fallbacks = [name for name, value in stated.items() if value]
    return raw
