"""Markup drift: tolerant layout parsers, structured-data and generic fallbacks, the alarm.

The fixtures' expected values were worked out by hand from their markup. The mutation tests
change real pages and fixtures the way golem.de's markup drifted over the years (wrappers
come and go, classes gain modifiers, structured data disappears or disagrees, one field's
markup goes) and check the promise: every variant yields a record, fields whose markup
survived stay exact, the others fall back and say so in `fallbacks`.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from newsarchive import schema
from newsarchive.parsers import MAX_DEPTH, nesting_depth, page_tree
from tests.helpers import SHARED_PAGES, assert_same_fields, run_crawl
from tests.mutations import (
    CLASSIC_2023,
    DERIVED,
    MUTATIONS,
    PAGES,
    Mutation,
    comparable,
    dump,
    extract,
    fixture,
    load,
    quote_differently,
    remover,
    with_class,
)

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)

UNKNOWN_URL = (
    "https://www.golem.de/news/raumfahrt-kleiner-satellit-vermisst-grosse-wolken-2611-300505.html"
)
UNKNOWN = {
    "id": "300505",
    "url": UNKNOWN_URL,
    "kicker": "Raumfahrt",
    "title": "Kleiner Satellit vermisst große Wolken",
    "headline": "Raumfahrt: Kleiner Satellit vermisst große Wolken",
    "summary": "Ein Würfelsatellit aus Bremen misst die Höhe von Gewitterwolken genauer als große Wettersatelliten.",
    "authors": [
        {"name": "Mara Vorbild", "url": "https://www.golem.de/specials/autor-mara-vorbild/"},
        {"name": "Theo Platzhalter", "url": None},
    ],
    # Shown "20. November 2026 um 08:15 Uhr"; the machine values are true UTC.
    "published": "2026-11-20T08:15:00+01:00",
    "modified": "2026-11-20T10:30:00+01:00",
    "body": [
        {
            "type": "paragraph",
            "text": "Ein Würfelsatellit von der Größe eines Milchkartons hat im Oktober die ersten Messungen zur Erde gefunkt. Sein Radar bestimmt die Höhe von Gewitterwolken auf wenige Meter genau.",
        },
        {
            "type": "paragraph",
            "text": "Die Forschungsgruppe in Bremen hat das Gerät in drei Jahren gebaut. Die Teile stammen großteils aus der Industrie, nur die Antenne ist eine eigene Entwicklung.",
        },
        {"type": "heading", "text": "Warum die Höhe zählt"},
        {
            "type": "paragraph",
            "text": "Je höher eine Gewitterwolke reicht, desto heftiger fällt oft der Hagel aus. Wetterdienste wollen die Daten deshalb in ihre Kurzfristvorhersagen aufnehmen.",
        },
        {
            "type": "paragraph",
            "text": "Bis Ende des kommenden Jahres sollen zwei weitere Satelliten folgen, damit eine Region mehrmals am Tag überflogen wird.",
        },
    ],
    "images": [
        {
            "url": "https://www.golem.de/2611/300505-90001-90000.jpg",
            "caption": "Der Satellit vor dem Start",
            "credit": None,
        }
    ],
    "topics": ["Raumfahrt", "Wetter", "Satellit"],
    "paywall": False,
    "comment_count": None,
    "related": [],
    "layout": "generic",
    "fallbacks": [
        "kicker",
        "title",
        "summary",
        "authors",
        "published",
        "modified",
        "body",
        "images",
        "topics",
        "paywall",
    ],
}


def test_a_2023_classic_page_yields_its_exact_record_and_is_free():
    record = extract(fixture("classic-2023-2303-300404.html"))
    assert_same_fields(record, CLASSIC_2023)
    assert schema.problems(record) == []


def test_a_page_in_no_known_layout_yields_a_generic_record_that_says_so():
    record = extract(fixture("unknown-layout-2611-300505.html"), UNKNOWN_URL)
    assert_same_fields(record, UNKNOWN)
    assert schema.problems(record) == []
    assert record["text"] == "\n\n".join(block["text"] for block in record["body"])


def test_a_page_that_is_no_article_still_yields_nothing():
    for name in ("topic-page.html", "consent-wall.html"):
        assert extract(fixture(name), f"https://www.golem.de/{name}") is None
    # Article markup of no layout and no structured data: nothing states it is an article.
    plain = b"<html><body><main><h1>Hallo</h1><p>Text</p></main></body></html>"
    assert extract(plain, "https://www.golem.de/news/hallo-2601-1234.html") is None


# --- the paywall rule, over every combination of its signals ---------------------------------
TIERS = {"free": False, "locked": True, None: None}
FREE_FLAGS = {'"False"': False, '"True"': True, "false": False, "true": True, None: None}


@pytest.mark.parametrize(
    ("marker", "tier", "flag"), list(itertools.product([False, True], TIERS, FREE_FLAGS))
)
def test_paywall_rule(marker, tier, flag):
    page = fixture("classic-2023-2303-300404.html").decode()
    page = page.replace('<meta property="article:content_tier" content="free">', "")
    if tier is not None:
        page = page.replace(
            "<head>", f'<head><meta property="article:content_tier" content="{tier}">'
        )
    flag_json = f'"isAccessibleForFree": {flag},' if flag is not None else ""
    page = page.replace('"isAccessibleForFree": "False",', flag_json)
    if marker:
        page = page.replace(
            '<div class="formatted">', '<div class="go-paywall"></div><div class="formatted">'
        )
    record = extract(page.encode())
    # The rule (docs/records.md): markup marker, else the content tier, else JSON-LD.
    if marker:
        expected, fell_back = True, False
    elif TIERS[tier] is not None:
        expected, fell_back = TIERS[tier], False
    elif FREE_FLAGS[flag] is not None:
        expected, fell_back = not FREE_FLAGS[flag], True
    else:
        expected, fell_back = False, False
    assert record["paywall"] is expected
    assert ("paywall" in record["fallbacks"]) is fell_back


def check_variant(record: dict | None, expected: dict, mutations: list[Mutation], what: str):
    """The promise for one variant: a record; untouched fields exact; the others exact, or
    named in `fallbacks`, or (where a mutation took their only source) lost."""
    assert record is not None, f"{what}: no record"
    assert schema.problems(record) == [], what
    may_fall_back = set().union(*(m.may_fall_back for m in mutations))
    may_lose = set().union(*(m.may_lose for m in mutations))
    touched = may_fall_back | may_lose
    for name in list(touched):
        touched |= DERIVED.get(name, set())
    assert set(record["fallbacks"]) <= may_fall_back, (what, record["fallbacks"])
    assert record["layout"] == expected.get("layout", record["layout"]), what
    for name, value in expected.items():
        if name in ("fallbacks", "crawled_at", "captured_at", "source_url"):
            continue
        got, value = comparable(record, name), comparable(expected, name)
        if got == value or name not in touched:
            assert got == value, (what, name, got, value)
            continue
        base = next((b for b, derived in DERIVED.items() if name in derived), name)
        fell_back = base in record["fallbacks"] or name in record["fallbacks"]
        # Where the page has no other source for a field, it is empty: never silently wrong.
        empty = comparable(record, base) in (None, [], False)
        lost = empty and (base in may_lose or base in may_fall_back)
        assert fell_back or lost, (what, name, got, value)


def test_reserialised_pages_give_the_same_records():
    """The mutation harness itself changes nothing: a page through lxml and back is the same."""
    for name, body, expected, url in PAGES:
        check_variant(extract(dump(load(body)), url), expected, [], name)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.family for m in MUTATIONS])
@pytest.mark.parametrize("page", PAGES, ids=[p[0] for p in PAGES])
def test_each_mutation_family(page, mutation):
    name, body, expected, url = page
    for index in range(3):
        doc = load(body)
        if not mutation.apply(doc, index):
            pytest.skip(f"{name} has nothing for '{mutation.family}'")
        check_variant(extract(dump(doc), url), expected, [mutation], f"{name}/{mutation.family}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    page_index=st.integers(0, len(PAGES) - 1),
    steps=st.lists(
        st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 10_000)), min_size=1, max_size=4
    ),
    requote=st.booleans(),
)
def test_combined_mutations_keep_the_promise(page_index, steps, requote):
    name, body, expected, url = PAGES[page_index]
    doc = load(body)
    applied = [mutation for mutation, index in steps if mutation.apply(doc, index)]
    html = dump(doc)
    if requote:
        html = quote_differently(html, len(steps))
    what = f"{name}: {[m.family for m in applied]}, requoted={requote}"
    check_variant(extract(html, url), expected, applied, what)


@pytest.mark.parametrize("name", ["2024-04-28-classic-184627", "2025-09-09-current-199920"])
def test_a_redesign_that_renames_every_class_is_read_generically(name):
    """A redesign: every class renamed, header and section wrappers gone. No layout parser
    knows the page; structured data and the main text still give the article."""
    if not SHARED_PAGES.is_dir():
        pytest.skip(f"real pages not available: {SHARED_PAGES} is absent")
    page = SHARED_PAGES / f"{name}.html"
    expected = json.loads(page.with_suffix("").with_suffix(".expected.json").read_text())
    doc = load(page.read_bytes())
    for element in doc.iter():
        if isinstance(element.tag, str):
            classes = (element.get("class") or "").split()
            if classes:
                element.set("class", " ".join(f"nx-{c}" for c in classes))
            if element.tag in ("header", "hgroup", "section"):
                element.tag = "div"
    record = extract(dump(doc), expected["url"])
    assert record["layout"] == "generic"
    # What only a layout's markup states (comment count, figures with captions, videos)
    # is not in structured data; everything else is exact.
    unknowable = {"comment_count", "images", "videos", "related", "comments_url", "genre"}
    assert_same_fields(record, {k: v for k, v in expected.items() if k not in unknowable})
    assert {"title", "body", "published"} <= set(record["fallbacks"])


# --- deep nesting ------------------------------------------------------------------------------
def _nested(depth: int, inner: str = "<p>Tief drinnen steht der Text.</p>") -> bytes:
    head = fixture("current-paywall-2603-300202.html").decode()
    start = head.index('<div class="go-richtext">') + len('<div class="go-richtext">')
    return (head[:start] + "<div>" * depth + inner + "</div>" * depth + head[start:]).encode()


def test_a_deeply_nested_page_is_read_without_recursion():
    """2,000 nested divs (about 12 KB) once raised RecursionError and lost the page."""
    record = extract(_nested(2_000))
    assert "Tief drinnen steht der Text." in record["text"]


def test_nesting_beyond_the_limit_is_refused_unparsed_and_counted():
    body = _nested(100_000)
    with pytest.raises(ValueError, match="nested deeper"):
        page_tree(body)
    assert extract(body) is None
    # Stray end tags do not hide depth.
    assert nesting_depth(b"<div>" * (MAX_DEPTH + 1) + b"</span>" * 50) > MAX_DEPTH


TAGS = ["div", "span", "section", "p", "li", "ul", "b", "table", "td", "a"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.sampled_from(TAGS)), max_size=200))
def test_the_depth_count_bounds_the_real_tree(tags):
    """However the tags are mixed, the tree lexbor builds is no deeper than the count lets
    through: what passes the check cannot cost the quadratic parse."""
    html = "".join(f"</{name}>" if close else f"<{name}>" for close, name in tags).encode()
    root = LexborHTMLParser(b"<html><body>" + html + b"</body></html>").root
    deepest, stack = 0, [(root, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack += [(child, depth + 1) for child in node.iter()]
    # html, body and implied table parts (tbody, tr) add a few levels per counted one.
    assert deepest <= 3 * nesting_depth(html) + 3


# --- the drift alarm in a crawl ----------------------------------------------------------------
def test_a_run_full_of_unknown_markup_is_archived_but_unhealthy(tmp_path):
    unknown = FIXTURES / "unknown-layout-2611-300505.html"
    summaryless = tmp_path / "classic-2303-300404.html"
    doc = load(fixture("classic-2023-2303-300404.html"))
    remover(f".//header[{with_class('cluster-header')}]//p")(doc, 0)
    summaryless.write_bytes(dump(doc))
    result = run_crawl(tmp_path / "run", "-a", f"urls={unknown.as_uri()},{summaryless.as_uri()}")
    by_id = {r["id"]: r for r in result.articles}
    assert sorted(by_id) == ["300404", "300505"]  # nothing lost
    assert by_id["300505"]["layout"] == "generic"
    assert by_id["300404"]["fallbacks"] == ["summary"]
    assert result.stats["newsarchive/layout/generic"] == 1
    assert result.stats["newsarchive/fallback/summary"] == 1
    assert result.returncode == 1
    assert (
        "UNHEALTHY: 2 of 2 articles read through fallbacks (limit 5%): 1 in no known layout; "
        "fields from fallbacks: summary 1"
    ) in result.log


def test_known_markup_keeps_the_alarm_quiet(tmp_path):
    pages = [
        FIXTURES / "classic-2023-2303-300404.html",
        FIXTURES / "classic-analyse-2501-300101.html",
    ]
    result = run_crawl(tmp_path, "-a", "urls=" + ",".join(p.as_uri() for p in pages))
    assert result.returncode == 0, result.log[-2000:]
    assert len(result.articles) == 2 and all(r["fallbacks"] == [] for r in result.articles)
    assert "UNHEALTHY" not in result.log
