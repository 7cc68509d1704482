"""The archive index readers and the choice of captures, as pure functions.

Index answers come from servers we do not control: whatever bytes arrive, a reader returns
captures or raises ArchiveResponseError (one counted, logged outcome), and nothing it
returns names a request outside the archive's own file and query space.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsarchive.sources import ArchiveResponseError, CapturePlan, article_capture, parse_every
from newsarchive.sources.commoncrawl import crawls_of_period, read_index_page, read_record
from newsarchive.sources.wayback import Wayback, read_cdx

URL = "https://www.golem.de/news/lte-patent-samsung-soll-smartphones-zerstoeren-2404-184627.html"
HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def cdx_row(stamp: str, digest: str = "D1", url: str = URL) -> list[str]:
    return ["de,golem)/news/x-2404-184627.html", stamp, url, "text/html", "200", digest, "1"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.from_regex(r"\[\[.*\]\]", fullmatch=True).map(str.encode))
def test_any_cdx_answer_reads_or_is_refused(body):
    try:
        rows, key = read_cdx(body)
    except ArchiveResponseError:
        return
    assert isinstance(rows, list) and (key is None or isinstance(key, str))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_index_page_reads_or_is_refused(body):
    try:
        captures = read_index_page(body, "CC-MAIN-2024-18")
    except ArchiveResponseError:
        return
    assert all(c.located("filename").startswith("crawl-data/") for c in captures)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_range_answer_reads_or_is_refused(body):
    with pytest.raises(ArchiveResponseError):
        read_record(body)


@pytest.mark.parametrize(
    "key", ["x&url=evil.example/*", "k#frag", "a b", "key\r\nHost: evil", "../x"]
)
def test_resume_key_that_would_change_the_query_is_refused(key):
    wayback = Wayback("http://127.0.0.1:1", date(2019, 1, 1), date(2019, 12, 31), 10)
    body = json.dumps([HEADER, cdx_row("20190101000000"), [], [key]]).encode()
    response = type("R", (), {"body": body})()
    with pytest.raises(ArchiveResponseError):
        wayback.read_index(response, callback=None)


def test_resume_key_goes_back_as_it_came():
    wayback = Wayback("http://127.0.0.1:1", date(2019, 1, 1), date(2019, 12, 31), 10)
    url = wayback.query_url("de%2Cgolem%29%2Fnews%2Fx.html+20190101000000%21")
    assert url.endswith("&resumeKey=de%2Cgolem%29%2Fnews%2Fx.html+20190101000000%21")
    assert url.startswith("http://127.0.0.1:1/cdx/search/cdx?url=golem.de%2Fnews%2F&")


@pytest.mark.parametrize(
    "filename",
    [
        "crawl-data/../../etc/passwd.warc.gz",
        "/crawl-data/x.warc.gz",
        "http://evil.example/crawl-data/x.warc.gz",
        "crawl-data/x.warc.gz?x=1",
        "other/x.warc.gz",
    ],
)
def test_index_line_naming_a_file_outside_the_crawl_data_is_refused(filename):
    line = {"url": URL, "timestamp": "20240428150000", "status": "200", "mime": "text/html",
            "digest": "D", "filename": filename, "offset": "0", "length": "10"}  # fmt: skip
    with pytest.raises(ArchiveResponseError):
        read_index_page(json.dumps(line).encode(), "CC-MAIN-2024-18")


def test_captures_of_other_hosts_pages_and_non_articles_are_no_captures():
    stamp = "20240428150000"
    assert article_capture("wayback", URL, stamp, "D", "k") is not None
    assert (
        article_capture("wayback", URL.replace("www.golem.de", "evil.example"), stamp, "D", "k")
        is None
    )
    assert article_capture("wayback", URL.replace(".html", "-2.html"), stamp, "D", "k") is None
    assert (
        article_capture("wayback", "https://www.golem.de/news/gsitemap-2404.xml", stamp, "D", "k")
        is None
    )
    with pytest.raises(ArchiveResponseError):
        article_capture("wayback", URL, "2024042815", "D", "k")


def test_collinfo_ids_outside_the_crawl_pattern_never_become_urls():
    crawls = [
        {"id": "CC-MAIN-2019-04", "from": "2019-01-15T00:00:00", "to": "2019-01-24T00:00:00"},
        {
            "id": "CC-MAIN-2019-04/../../x",
            "from": "2019-01-15T00:00:00",
            "to": "2019-01-24T00:00:00",
        },
        {"id": "CC-MAIN-2019-02"},  # no span stated: the week its id names, ± two weeks
        {"id": "CC-MAIN-2018-47"},
        {"id": "CC-MAIN-2020-05"},
        {"id": "CC-NEWS-2019-01"},
    ]
    assert crawls_of_period(crawls, date(2019, 1, 1), date(2019, 1, 31)) == [
        "CC-MAIN-2019-02",
        "CC-MAIN-2019-04",
    ]


@pytest.mark.parametrize("text", ["", "0d", "30", "d", "-3d", "1y", "3 days", "1.5d"])
def test_bad_every_is_refused(text):
    with pytest.raises(ValueError):
        parse_every(text)


def test_every_units():
    assert parse_every("12h") == timedelta(hours=12)
    assert parse_every("30d") == timedelta(days=30)
    assert parse_every("2w") == timedelta(weeks=2)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 400), st.sampled_from(["A", "B", "C", None])),
        min_size=1,
        max_size=30,
    ),
    st.integers(0, 40),
)
def test_chosen_captures_are_in_order_distinct_and_spaced(items, every_days):
    """Property: per article the chosen captures are in capture order, no digest twice, no
    two closer than `every`, and every capture left out is a repeat or too close."""
    every = timedelta(days=every_days) if every_days else None
    plan = CapturePlan(every=every)
    start = date(2019, 1, 1)
    captures = []
    for day, digest in items:
        stamp = (start + timedelta(days=day)).strftime("%Y%m%d") + "120000"
        capture = article_capture("wayback", URL, stamp, digest, f"k{stamp}")
        captures.append(capture)
    plan.add(captures)
    chains, left_out = plan.chains()
    chosen = chains[0] if chains else []
    stamps = [c.timestamp for c in chosen]
    assert stamps == sorted(set(stamps))
    digests = [c.digest for c in chosen if c.digest]
    assert len(digests) == len(set(digests))
    if every:
        for earlier, later in zip(chosen, chosen[1:], strict=False):
            assert later.captured_at - earlier.captured_at >= every
    distinct = len({c.timestamp for c in captures})
    assert len(chosen) + sum(left_out.values()) == distinct
    assert chosen and chosen[0].timestamp == min(c.timestamp for c in captures)
