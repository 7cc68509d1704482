"""Markup mutations: real pages and fixtures changed the way golem.de's markup drifted.

Wrappers come and go, classes gain modifiers, structured data disappears or disagrees, one
field's markup goes. `tests/test_drift.py` checks the promise under each mutation and their
combinations; `python -m benchmarks.drift` prints how each page reads under each one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
from lxml import etree

import newsarchive
from tests.expected import CLASSIC, CLASSIC_2023, CURRENT
from tests.helpers import SHARED_PAGES

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def extract(body: bytes, url: str = "https://example.test/page.html") -> dict | None:
    return newsarchive.extract(body, url, fetched_at=FETCHED)


# --- mutations ---------------------------------------------------------------------------------
# A derived field changes with the field it is made of.
DERIVED = {"kicker": {"headline"}, "title": {"headline"}, "body": {"text", "word_count"}}
BLOCKS = {"p", "h1", "h2", "h3", "ul", "ol", "figure", "header", "section", "hgroup", "table"}
BLOCKS |= {"blockquote", "pre"}
CONTAINERS = {"article", "header", "section", "div", "hgroup", "main", "body"}
SPACE_AFTER = BLOCKS | {"div", "li", "aside", "tr"}


@dataclass(frozen=True)
class Mutation:
    """One change to a page: what it does, and the fields it may take from a fallback."""

    family: str
    apply: Callable[[etree._Element, int], bool]  # False: nothing on this page to change
    may_fall_back: frozenset[str] = frozenset()
    may_lose: frozenset[str] = frozenset()


def _article(doc):
    found = doc.xpath("//article")
    return found[0] if found else doc


def _pick(elements, index):
    return elements[index % len(elements)] if elements else None


def wrap(doc, index):
    candidates = [
        el
        for el in _article(doc).iter()
        if isinstance(el.tag, str)
        and el.tag in BLOCKS
        and el.getparent() is not None
        and el.getparent().tag in CONTAINERS
        and not el.xpath("ancestor::pre")
    ]
    element = _pick(candidates, index)
    if element is None:
        return False
    wrapper = etree.Element("div", {"class": "mutant-wrap"})
    element.addprevious(wrapper)
    wrapper.append(element)  # moves the element (and its tail) into the wrapper
    return True


def unwrap(doc, index):
    candidates = [
        el
        for el in _article(doc).iter("hgroup", "section", "div")
        if el.tag != "div" or (not el.get("id") and el.get("class") in (None, "", "go-richtext"))
    ]
    element = _pick(candidates, index)
    if element is None:
        return False
    element.drop_tag()
    return True


def add_modifier(doc, index):
    candidates = [el for el in _article(doc).iter() if (el.get("class") or "").split()]
    element = _pick(candidates, index)
    if element is None:
        return False
    first = element.get("class").split()[0]
    element.set("class", f"{element.get('class')} {first}--mutant")
    return True


def more_whitespace(doc, index):
    for n, element in enumerate(_article(doc).iter()):
        if isinstance(element.tag, str) and element.tag in SPACE_AFTER and (n + index) % 3:
            if not element.xpath("ancestor-or-self::pre"):
                element.tail = "\n   " + (element.tail or "")
    return True


def _jsonld_scripts(doc):
    return doc.xpath('//script[@type="application/ld+json"]')


def remove_jsonld(doc, index):
    """JSON-LD gone, where the page still shows its date (a page that states no date at
    all cannot make a valid record: tests/test_fixtures.py checks it is dropped, counted)."""
    if not doc.xpath("//time"):
        return False
    scripts = _jsonld_scripts(doc)
    for script in scripts:
        script.drop_tree()
    return bool(scripts)


def contradict_jsonld(doc, index):
    """JSON-LD that disagrees with the markup on everything the markup states."""
    changed = False
    for script in _jsonld_scripts(doc):
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        data.update(
            headline="Ganz anders: Eine falsche Überschrift - Golem.de",
            description="Eine Beschreibung, die nicht auf der Seite steht.",
            author=[{"@type": "Person", "name": "Niemand Bekanntes"}],
            datePublished="2001-01-01T03:00:00Z",
            isAccessibleForFree=False,
        )
        script.text = json.dumps(data, ensure_ascii=False)
        changed = True
    return changed


def remover(xpath: str):
    def remove(doc, index):
        found = _article(doc).xpath(xpath)
        for element in found:
            element.drop_tree()
        return bool(found)

    return remove


def with_class(name):
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


MUTATIONS = [
    Mutation("wrapper added", wrap),
    Mutation("wrapper removed", unwrap),
    Mutation("class modifier added", add_modifier),
    Mutation("whitespace", more_whitespace),
    # dateModified is JSON-LD only in both layouts: without JSON-LD it is not stated.
    Mutation("JSON-LD removed", remove_jsonld, may_lose=frozenset({"modified"})),
    Mutation("JSON-LD contradicts the markup", contradict_jsonld),
    # The sponsored label stands inside the kicker: it goes with the headline.
    Mutation(
        "headline markup removed",
        remover(".//h1"),
        may_fall_back=frozenset({"kicker", "title"}),
        may_lose=frozenset({"sponsored"}),
    ),
    Mutation(
        "summary markup removed",
        remover(
            f".//header[{with_class('cluster-header')}]//p | .//*[{with_class('go-article-header__intro')}]"
        ),
        may_fall_back=frozenset({"summary"}),
    ),
    Mutation(
        "byline markup removed",
        remover(
            f".//*[{with_class('authors__name')}] | .//*[{with_class('go-article-header__authors')}]"
        ),
        may_fall_back=frozenset({"authors"}),
    ),
    Mutation(
        "date markup removed",
        lambda doc, index: _states_a_date(doc) and remover(".//time")(doc, index),
        may_fall_back=frozenset({"published"}),
    ),
    Mutation(
        "tag list removed",
        remover(f"//*[{with_class('tags__list')}] | //*[{with_class('go-tag-list__tags')}]"),
        may_fall_back=frozenset({"topics"}),
    ),
    Mutation(
        "body container renamed",
        lambda doc, index: _rename_body(doc),
        may_fall_back=frozenset({"body"}),
    ),
]


def _states_a_date(doc) -> bool:
    """Whether the page states its date outside the markup: without it, a page whose date
    markup is gone has no date, and a record without one breaks the contract."""
    meta = doc.xpath('//meta[@property="article:published_time"]')
    return bool(meta) or any("datePublished" in (s.text or "") for s in _jsonld_scripts(doc))


def _rename_body(doc):
    found = _article(doc).xpath(f".//div[{with_class('formatted')} or {with_class('go-richtext')}]")
    for element in found:
        element.set("class", "story-text")
    return bool(found)


def quote_differently(html: bytes, index: int) -> bytes:
    """Attributes single-quoted or unquoted, as other serialisers write them."""

    def requote(match: re.Match) -> bytes:
        name, value = match.group(1), match.group(2)
        if re.fullmatch(rb"[A-Za-z0-9_.:/-]+", value) and (index + len(value)) % 2:
            return name + b"=" + value + (b" " if value.endswith(b"/") else b"")
        if b"'" not in value:
            return name + b"='" + value + b"'"
        return match.group(0)

    def in_tag(match: re.Match) -> bytes:
        return re.sub(rb'(\s[a-zA-Z:-]+)="([^"<>]*)"', requote, match.group(0))

    return re.sub(rb"<[a-zA-Z][^<>]*>", in_tag, html)


def load(html: bytes):
    return lxml.html.document_fromstring(html, parser=lxml.html.HTMLParser(encoding="utf-8"))


def dump(doc) -> bytes:
    return lxml.html.tostring(doc, encoding="utf-8", doctype="<!DOCTYPE html>")


def _pages() -> list[tuple[str, bytes, dict, str]]:
    pages = [
        (
            "classic-2023",
            fixture("classic-2023-2303-300404.html"),
            CLASSIC_2023,
            "https://x.test/a.html",
        ),
    ]
    # The older fixtures' hand-written expectations (tests/test_fixtures.py).
    analyse = fixture("classic-analyse-2501-300101.html")
    pages.append(("classic-analyse", analyse, CLASSIC, "https://x.test/a.html"))
    current = fixture("current-paywall-2603-300202.html")
    pages.append(("current-paywall", current, CURRENT, "https://x.test/a.html"))
    if SHARED_PAGES.is_dir():
        for page in sorted(SHARED_PAGES.glob("*.html")):
            expected = json.loads(page.with_suffix("").with_suffix(".expected.json").read_text())
            pages.append((page.stem, page.read_bytes(), expected, "https://x.test/a.html"))
    return pages


PAGES = _pages()


def comparable(record: dict, name: str):
    value = record.get(name)
    if name == "images" and isinstance(value, list):
        return [
            {k: v for k, v in image.items() if k in ("url", "caption", "credit")} for image in value
        ]
    return value
