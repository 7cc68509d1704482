"""Conformance: the two real golem.de pages yield exactly their expected records."""

from __future__ import annotations

import json

import pytest

import newsarchive
from newsarchive import schema
from tests.helpers import SHARED_PAGES, assert_same_fields, run_crawl

PAGES = sorted(SHARED_PAGES.glob("*.html")) if SHARED_PAGES.is_dir() else []
pytestmark = pytest.mark.skipif(
    not PAGES, reason=f"real pages not available: {SHARED_PAGES} is absent"
)


def expected_for(page):
    return json.loads(page.with_suffix("").with_suffix(".expected.json").read_text("utf-8"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_extract_yields_expected_record(page):
    record = newsarchive.extract(page.read_bytes(), page.as_uri())
    assert_same_fields(record, expected_for(page))
    assert schema.problems(record) == []
    assert record["source_url"] == page.as_uri()


def test_crawl_yields_expected_records(tmp_path):
    urls = ",".join(page.as_uri() for page in PAGES)
    result = run_crawl(tmp_path, "-a", f"urls={urls}")
    assert result.returncode == 0, result.log[-3000:]
    by_id = {record["id"]: record for record in result.articles}
    assert len(result.articles) == len(PAGES)
    for page in PAGES:
        expected = expected_for(page)
        record = by_id[expected["id"]]
        assert_same_fields(record, expected)
        assert record["source_url"] == page.as_uri()
        extracted = newsarchive.extract(page.read_bytes(), page.as_uri())
        # One implementation, two doors: only the fetch instant may differ.
        fetch_instants = {"crawled_at": None, "captured_at": None}
        assert {**record, **fetch_instants} == {**extracted, **fetch_instants}


def test_feed_is_utf8_not_ascii_escaped(tmp_path):
    result = run_crawl(tmp_path, "-a", f"urls={PAGES[0].as_uri()}")
    text = next((tmp_path / "output").glob("*-articles.jsonl")).read_text("utf-8")
    assert result.articles and "\\u00" not in text and "ö" in text
