"""Edge cases on hand-written pages in each layout, compared field by field.

The pages in tests/fixtures/ were written for these tests with their own German text; the
expected values below were worked out from the markup by hand, not from the parser.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import newsarchive
from newsarchive import schema
from tests.expected import CLASSIC, CURRENT
from tests.helpers import assert_same_fields, run_crawl

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED = datetime(2026, 4, 2, 8, 30, tzinfo=UTC)


def page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "expected"),
    [("classic-analyse-2501-300101.html", CLASSIC), ("current-paywall-2603-300202.html", CURRENT)],
)
def test_fixture_records(name, expected):
    record = newsarchive.extract(page(name), f"https://example.test/{name}", fetched_at=FETCHED)
    assert_same_fields(record, expected)
    assert schema.problems(record) == []
    assert record["text"] == "\n\n".join(block["text"] for block in record["body"])
    assert record["word_count"] == len(record["text"].split())


@pytest.mark.parametrize("encoding", ["windows-1252", "iso-8859-15"])
def test_a_page_in_a_legacy_encoding_gives_the_same_record(encoding):
    """Old golem.de pages were not UTF-8: the page is read from the text Scrapy decodes."""
    name = "classic-analyse-2501-300101.html"
    text = (
        page(name).decode("utf-8").replace('<meta charset="UTF-8">', f'<meta charset="{encoding}">')
    )
    url = f"https://example.test/{name}"
    legacy = newsarchive.extract(text.encode(encoding), url, fetched_at=FETCHED)
    assert_same_fields(legacy, CLASSIC)


@pytest.mark.parametrize("name", ["consent-wall.html", "topic-page.html"])
def test_pages_that_are_no_article(name):
    assert newsarchive.extract(page(name), f"https://www.golem.de/{name}") is None


def test_truncated_page_yields_no_record():
    body = page("classic-analyse-2501-300101.html")
    assert newsarchive.extract(body[: len(body) // 2], "https://example.test/cut.html") is None


def test_crawl_counts_every_outcome(tmp_path):
    cut = tmp_path / "cut-2501-300101.html"
    cut.write_bytes(page("classic-analyse-2501-300101.html")[:1500])
    names = ["classic-analyse-2501-300101.html", "current-paywall-2603-300202.html"]
    names += ["consent-wall.html", "topic-page.html"]
    urls = [(FIXTURES / n).as_uri() for n in names] + [cut.as_uri()]
    result = run_crawl(tmp_path, "-a", "urls=" + ",".join(urls))
    assert sorted(r["id"] for r in result.articles) == ["300101", "300202"]
    stats = result.stats
    assert stats["newsarchive/not_article/truncated"] == 1
    assert stats["newsarchive/not_article/not_article"] == 1
    # The interstitial is retried once with the consent cookie, then reported.
    assert stats["newsarchive/consent_wall/retried"] == 1
    assert stats["newsarchive/consent_wall"] == 1
    assert result.returncode == 1
    assert "UNHEALTHY: consent wall hit 1 times" in result.log


def test_a_record_that_breaks_the_contract_is_dropped_and_counted(tmp_path):
    undated = FIXTURES / "classic-undated-2502-300303.html"
    with pytest.raises(newsarchive.ExtractionError, match="published"):
        newsarchive.extract(undated.read_bytes(), undated.as_uri())
    dated = FIXTURES / "classic-analyse-2501-300101.html"
    result = run_crawl(tmp_path, "-a", f"urls={undated.as_uri()},{dated.as_uri()}")
    assert [r["id"] for r in result.articles] == ["300101"]
    assert result.stats["newsarchive/dropped/invalid_published"] == 1
    assert "Dropped" in result.log and "published" in result.log
    # One of two records dropped is over the 5 % the run tolerates.
    assert result.returncode == 1
    assert "UNHEALTHY: 1 of 2 records failed validation" in result.log


def test_gzip_feeds_and_command_line_feeds(tmp_path):
    page_uri = (FIXTURES / "classic-analyse-2501-300101.html").as_uri()
    zipped = run_crawl(
        tmp_path / "gz", "-a", f"urls={page_uri}", settings={"NEWSARCHIVE_GZIP": True}
    )
    files = list((tmp_path / "gz" / "output").glob("*-articles.jsonl.gz"))
    assert zipped.returncode == 0 and len(files) == 1
    with gzip.open(files[0], "rt", encoding="utf-8") as feed:
        assert [json.loads(line)["id"] for line in feed] == ["300101"]
    target = tmp_path / "mine.jsonl"
    own = run_crawl(tmp_path / "o", "-a", f"urls={page_uri}", "-O", str(target))
    assert own.returncode == 0
    records = [json.loads(line) for line in target.read_text("utf-8").splitlines()]
    assert [r["id"] for r in records] == ["300101"] and "raw" not in records[0]
    # As in any Scrapy project, -o/-O add a feed; the run's own files are written as well.
    assert [r["id"] for r in own.articles] == ["300101"]
