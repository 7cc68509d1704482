"""`scrapy crawl golem -a source=wayback|commoncrawl` against loopback web archives.

The archives (tests/archives.py) hold captures of replica articles (rendered from specs, so
each capture's expected record is known) and of the two real golem.de pages: several
captures per article, repeated digests, a revised article, an article the site no longer
has, a multi-page article whose later pages were captured seconds apart (the archive
redirects to them), captures that are no 200 page, one outside the period.
"""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newsarchive.settings import RETRY_TIMES
from tests.archives import (
    PERIOD,
    Archive,
    ArchivedPage,
    CommonCrawlServer,
    Crawl,
    WaybackServer,
    build_archive,
    stamp,
    surt,
)
from tests.helpers import FAST, NOW, assert_same_fields, run_crawl, run_reparse
from tests.replica.site import build_site
from tests.replica.specs import CANONICAL_BASE


@pytest.fixture(scope="module")
def archive() -> tuple[Archive, dict[str, str]]:
    return build_archive()


def by_capture(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for record in records:
        instant = datetime.fromisoformat(record["captured_at"].replace("Z", "+00:00"))
        out[(record["id"], stamp(instant))] = record
    return out


def expected_versions(archive: Archive) -> dict[tuple[str, str], dict[str, Any]]:
    """The records an empty state must write: per article in capture order, a capture
    whose content equals the last written one is not written; the others count up."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    last: dict[str, tuple[str, int]] = {}
    for (article, when), record in sorted(archive.expected.items(), key=lambda i: i[0][1]):
        content = json.dumps([record["headline"], record["summary"], record["text"]])
        previous = last.get(article)
        if previous and previous[0] == content:
            continue
        version = previous[1] + 1 if previous else 1
        last[article] = (content, version)
        out[(article, when)] = {**record, "version": version}
    return out


def run_archive(tmp_path: Path, source: str, *args: str, **settings: Any):
    return run_crawl(tmp_path, "-a", f"source={source}", *PERIOD, *args,
                     settings={**FAST, **settings})  # fmt: skip


def assert_records(records: list[dict[str, Any]], expected: dict, source: str) -> None:
    got = by_capture(records)
    assert sorted(got) == sorted(expected), (sorted(got), sorted(expected))
    for key, record in got.items():
        assert_same_fields(record, {**expected[key], "source": source})
        assert record["crawled_at"] >= "2026", "crawled_at is the instant of the fetch"


# --- the Wayback Machine -------------------------------------------------------------------------
def test_wayback_run_writes_every_capture_as_a_version_in_capture_order(tmp_path, archive):
    pages, roles = archive
    with WaybackServer(pages.pages) as wayback:
        result = run_archive(tmp_path, "wayback", WAYBACK_BASE_URL=wayback.base_url,
                             WAYBACK_CDX_PAGE_SIZE=4)  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    expected = expected_versions(pages)
    assert_records(result.articles, expected, "wayback")
    revised = sorted(
        (r for r in result.articles if r["id"] == roles["revised"]), key=lambda r: r["version"]
    )
    assert [r["version"] for r in revised] == [1, 2, 3]
    assert [r["captured_at"] for r in revised] == sorted(r["captured_at"] for r in revised)
    cdx = wayback.requests("/cdx/")
    assert len(cdx) > 2 and all("resumeKey=" in q for q in cdx[1:]), cdx
    fetched = wayback.requests("/web/")
    # Duplicate digests are not fetched; a capture listed twice (http and https) is one.
    assert len([p for p in fetched if roles["revised"] in p]) == 3
    assert result.stats["newsarchive/captures/duplicate_digest"] == 2


def test_wayback_rerun_fetches_no_capture_again(tmp_path, archive):
    pages, _ = archive
    with WaybackServer(pages.pages) as wayback:
        settings = {"WAYBACK_BASE_URL": wayback.base_url}
        first = run_archive(tmp_path, "wayback", NEWSARCHIVE_OUTPUT_DIR=tmp_path / "1", **settings)
        fetched = len(wayback.requests("/web/"))
        second = run_archive(tmp_path, "wayback", NEWSARCHIVE_OUTPUT_DIR=tmp_path / "2", **settings)
        again = wayback.requests("/web/")[fetched:]
    assert first.returncode == 0 and second.returncode == 0, second.log[-3000:]
    assert first.articles and second.articles == []
    assert again == []


# --- Common Crawl --------------------------------------------------------------------------------
def crawls_of(pages: list[ArchivedPage]) -> list[Crawl]:
    """The captures spread over crawls by month, named by the ISO week of their start; the
    oldest crawl's span is left to its name (as in early collinfo.json entries)."""
    months: dict[str, list[ArchivedPage]] = {}
    for page in pages:
        months.setdefault(page.timestamp[:6], []).append(page)
    crawls = []
    for _month, captures in sorted(months.items()):
        start = min(c.instant for c in captures) - timedelta(days=1)
        end = max(c.instant for c in captures) + timedelta(days=1)
        year, week, _ = start.isocalendar()
        crawls.append(Crawl(f"CC-MAIN-{year}-{week:02d}", start, end, captures))
    crawls[0].state_span = False
    return crawls


def commoncrawl_settings(server: CommonCrawlServer) -> dict[str, str]:
    return {"COMMONCRAWL_INDEX_URL": server.base_url, "COMMONCRAWL_DATA_URL": server.base_url}


def test_commoncrawl_run_writes_every_capture_from_its_warc_records(tmp_path, archive):
    pages, roles = archive
    crawls = crawls_of(pages.pages)
    with CommonCrawlServer(crawls, page_size=2) as commoncrawl:
        result = run_archive(tmp_path, "commoncrawl", **commoncrawl_settings(commoncrawl))
        ranged = commoncrawl.requests("/crawl-data/")
        pages_asked = commoncrawl.requests("/CC-MAIN-")
    assert result.returncode == 0, result.log[-3000:]
    expected = expected_versions(pages)
    assert_records(result.articles, expected, "commoncrawl")
    assert any("page=1" in p for p in pages_asked), "an index of more than one page"
    later_pages = [p for p in pages_asked if "closest=" in p]
    assert len(later_pages) == 2 and all(roles["multipage"] in p for p in later_pages)
    assert len(ranged) == len(expected) + 2  # and the multi-page article's pages 2 and 3
    assert result.stats["newsarchive/captures/duplicate_digest"] == 2


# --- the run's WARC, and reparse from it -----------------------------------------------------------
@pytest.mark.parametrize("source", ["wayback", "commoncrawl"])
def test_reparse_rebuilds_the_capture_records_offline(tmp_path, archive, source):
    pages, _ = archive
    warc = {"NEWSARCHIVE_WARC_ENABLED": True}
    if source == "wayback":
        server: Any = WaybackServer(pages.pages)
    else:
        server = CommonCrawlServer(crawls_of(pages.pages), page_size=2)
    with server:
        if source == "wayback":
            hosts = {"WAYBACK_BASE_URL": server.base_url, "WAYBACK_CDX_PAGE_SIZE": 4}
        else:
            hosts = commoncrawl_settings(server)
        crawl = run_archive(tmp_path / "crawl", source, **hosts, **warc)
    assert crawl.returncode == 0, crawl.log[-3000:]
    warcs = sorted((tmp_path / "crawl" / "output").glob("*.warc.gz"))
    assert warcs
    if source == "commoncrawl":
        # The crawl's own records are in the run's WARC byte for byte, headers and all.
        blob = warcs[0].read_bytes()
        for crawl_files in server.crawls.values():
            for row in crawl_files.rows:
                member = crawl_files.warc[int(row["offset"]) :][: int(row["length"])]
                if (row["urlkey"], row["timestamp"]) in fetched_rows(crawl.articles):
                    assert member in blob, row
    rebuilt = run_reparse(tmp_path / "reparse", *map(str, warcs))
    assert rebuilt.returncode == 0, rebuilt.log[-3000:]
    assert rebuilt.stats.get("newsarchive/reparse/missing", 0) == 0
    # The same records; versions come from the state store, which a reparse does not use.
    strip = {"version": None}
    assert sorted(({**r, **strip} for r in rebuilt.articles), key=json.dumps) == sorted(
        ({**r, **strip} for r in crawl.articles), key=json.dumps
    )


def fetched_rows(records: list[dict[str, Any]]) -> set[tuple[str, str]]:
    out = set()
    for record in records:
        instant = datetime.fromisoformat(record["captured_at"].replace("Z", "+00:00"))
        out.add((surt(record["url"]), stamp(instant)))
    return out


# --- politeness, resuming --------------------------------------------------------------------------
def test_rate_limited_archive_loses_no_capture(tmp_path, archive):
    """Every fourth request answered 429 with Retry-After: 1: the run waits that long,
    asks again and loses nothing."""
    pages, _ = archive
    with WaybackServer(pages.pages, limit_every=4, retry_after=1) as wayback:
        result = run_archive(tmp_path, "wayback", WAYBACK_BASE_URL=wayback.base_url,
                             WAYBACK_CDX_PAGE_SIZE=4)  # fmt: skip
        log = list(wayback.log)
    assert result.returncode == 0, result.log[-3000:]
    assert_records(result.articles, expected_versions(pages), "wayback")
    limited = [(at, path) for at, path, status in log if status == 429]
    assert limited and result.stats["retry/count"] >= len(limited)
    # How long the run waited before asking again (Retry-After is 1 s).
    waits = []
    for at, path in limited:
        again = next(t for t, p, s in log if p == path and t > at and s != 429)
        waits.append(round(again - at, 2))
    print(f"429 answers: {len(limited)}; waited before the retry: {waits} s")
    assert min(waits) >= 1.0, "Retry-After: 1 honoured before asking again"


def test_capture_refused_beyond_the_retries_is_fetched_by_the_next_run(tmp_path, archive):
    """The archive answers 429 to one capture (the revised article's version 2) on every
    attempt of a run, then recovers. The first run says it could not fetch it and keeps it
    owed; the next run over the period fetches it: every capture archived once, versions
    in capture order."""
    pages, roles = archive
    days = sorted(t for (a, t) in pages.expected if a == roles["revised"])
    refused = f"/web/{days[2]}id_/"
    attempts = RETRY_TIMES + 1
    with WaybackServer(pages.pages, refuse={refused: attempts}, retry_after=0) as wayback:
        hosts = {"WAYBACK_BASE_URL": wayback.base_url, "WAYBACK_CDX_PAGE_SIZE": 4}
        first = run_archive(tmp_path, "wayback", NEWSARCHIVE_OUTPUT_DIR=tmp_path / "1", **hosts)
        second = run_archive(tmp_path, "wayback", NEWSARCHIVE_OUTPUT_DIR=tmp_path / "2", **hosts)
        asked = [path for _, path, _ in wayback.log if path.startswith(refused)]
    assert len(asked) == attempts + 1, asked
    assert first.returncode != 0, "a run that lost a capture is not healthy"
    assert first.stats["newsarchive/captures/failed"] == 1
    assert "1 capture could not be fetched (HTTP 429 1)" in first.log, first.log[-3000:]
    assert second.returncode == 0, second.log[-3000:]
    records = first.articles + second.articles
    assert len(records) == len(by_capture(records)), "no capture archived twice"
    assert_records(records, expected_versions(pages), "wayback")


def test_owed_capture_is_fetched_though_the_next_index_answer_misses_it(tmp_path, archive):
    """The state store remembers what it owes: the next run fetches the refused capture
    and the capture held back behind it even where the archive's index no longer lists
    them."""
    pages, roles = archive
    days = sorted(t for (a, t) in pages.expected if a == roles["revised"])
    refused = f"/web/{days[2]}id_/"
    hosts = {"WAYBACK_CDX_PAGE_SIZE": 4}
    with WaybackServer(pages.pages, refuse={refused: RETRY_TIMES + 1}, retry_after=0) as first:
        one = run_archive(tmp_path, "wayback", NEWSARCHIVE_OUTPUT_DIR=tmp_path / "1",
                          WAYBACK_BASE_URL=first.base_url, **hosts)  # fmt: skip
    with WaybackServer(pages.pages, unlisted=frozenset(days[2:])) as second:
        two = run_archive(tmp_path, "wayback", NEWSARCHIVE_OUTPUT_DIR=tmp_path / "2",
                          WAYBACK_BASE_URL=second.base_url, **hosts)  # fmt: skip
        fetched = second.requests("/web/")
    assert one.returncode != 0 and two.returncode == 0, two.log[-3000:]
    assert sorted(p.split("id_")[0] for p in fetched) == [f"/web/{days[2]}", f"/web/{days[4]}"]
    assert two.stats["newsarchive/captures/owed_earlier"] == 2
    assert_records(one.articles + two.articles, expected_versions(pages), "wayback")


def test_capture_failing_in_more_runs_than_the_hold_stops_holding_back(tmp_path, archive):
    """With NEWSARCHIVE_CAPTURE_HOLD_RUNS=1 a refused capture holds nothing back: the next
    capture of the same bytes (left out as a duplicate) stands in for it, the article's
    later capture follows, and the refused one, fetched by the next run, is no new version
    (the version it would give is there, captured a day later): the next run neither
    fetches nor owes it."""
    pages, roles = archive
    days = sorted(t for t in {p.timestamp for p in pages.pages if roles["revised"] in p.url})
    refused = f"/web/{days[2]}id_/"
    with WaybackServer(pages.pages, refuse={refused: RETRY_TIMES + 1}, retry_after=0) as wayback:
        hosts = {"WAYBACK_BASE_URL": wayback.base_url, "NEWSARCHIVE_CAPTURE_HOLD_RUNS": 1}
        first = run_archive(tmp_path, "wayback", NEWSARCHIVE_OUTPUT_DIR=tmp_path / "1", **hosts)
        fetched = len(wayback.requests("/web/"))
        second = run_archive(tmp_path, "wayback", NEWSARCHIVE_OUTPUT_DIR=tmp_path / "2", **hosts)
        again = wayback.requests("/web/")[fetched:]
    assert first.returncode != 0 and second.returncode == 0, second.log[-3000:]
    assert "held back" not in str(first.stats.get("newsarchive/health/failures"))
    assert first.stats["newsarchive/captures/stand_in"] == 1
    assert second.articles == [] and again == []
    assert second.stats.get("newsarchive/captures/owed_earlier", 0) == 0
    revised = [r for r in first.articles if r["id"] == roles["revised"]]
    assert [(stamp_of(r), r["version"]) for r in revised] == [
        (days[0], 1),
        (days[3], 2),
        (days[4], 3),
    ]
    # Day 4 holds the bytes of day 3: its record is day 3's but for the capture instant.
    expected = {**pages.expected[(roles["revised"], days[2])], "source": "wayback"}
    captured_at = revised[1]["captured_at"]
    assert_same_fields(revised[1], {**expected, "captured_at": captured_at, "version": 2})


def test_index_answer_refused_beyond_the_retries_makes_the_run_say_so(tmp_path, archive):
    """A CDX answer (the second page of the index) that fails after its retries: the run
    archived what the index listed before it and says the index was not read to its end."""
    pages, _ = archive
    with WaybackServer(pages.pages, refuse={"resumeKey=": RETRY_TIMES + 1}, retry_after=0) as w:
        result = run_archive(tmp_path, "wayback", WAYBACK_BASE_URL=w.base_url,
                             WAYBACK_CDX_PAGE_SIZE=4)  # fmt: skip
    assert result.returncode != 0
    assert result.stats["newsarchive/wayback/index_failed"] == 1
    assert "the archive's index was not read to its end (1 answers failed)" in result.log


def test_history_imported_after_a_live_run_adds_the_older_versions(tmp_path):
    """Live first, archive after: captures older than the live version whose content is
    new become the next versions with their own capture times; a capture of the content
    the live run found is no new version."""
    from tests.replica.server import ReplicaServer

    site = build_site(now=NOW, n_articles=30)
    spec = next(s for s in site.articles.values() if s.layout == "classic" and s.page_count == 1)
    base = spec.published.astimezone(UTC).replace(microsecond=0)
    captures, expected = [], {}
    notes = ((1, None), (3, "Nachtrag: Der Hersteller hat bestätigt."), (5, "Nachtrag 2."))
    for day, note in notes:
        if note:
            site.revise(spec.id, note)
        at = base + timedelta(days=day)
        html = site._article_html(spec.id, 1, CANONICAL_BASE).encode()
        captures.append(ArchivedPage(spec.url(), stamp(at), html))
        revised = site.articles[spec.id]  # a revision replaces the spec
        expected[stamp(at)] = copy.deepcopy(revised.expected_record(CANONICAL_BASE, site.articles))
    with ReplicaServer(site) as live:
        settings = {**FAST, "GOLEM_BASE_URL": live.base_url}
        settings["NEWSARCHIVE_OUTPUT_DIR"] = tmp_path / "live"
        first = run_crawl(tmp_path, "-a", f"urls={spec.url()}", settings=settings)
    with WaybackServer(captures) as wayback:
        second = run_archive(tmp_path, "wayback", NEWSARCHIVE_OUTPUT_DIR=tmp_path / "archive",
                             WAYBACK_BASE_URL=wayback.base_url)  # fmt: skip
    assert first.returncode == 0 and second.returncode == 0, second.log[-3000:]
    assert [(r["source"], r["version"]) for r in first.articles] == [("live", 1)]
    assert first.articles[0]["content_hash"] == content_hash_of(expected[captures[2].timestamp])
    got = {stamp_of(r): r for r in second.articles}
    assert sorted(got) == [captures[0].timestamp, captures[1].timestamp]
    for number, capture in enumerate(captures[:2], start=2):
        assert_same_fields(got[capture.timestamp], {**expected[capture.timestamp],
                           "source": "wayback", "version": number})  # fmt: skip
    assert second.stats["newsarchive/captures/out_of_order"] == 2
    assert second.stats["newsarchive/captures/earlier_copy"] == 1
    # Live again: the page is what the live run found, version 1, however many versions
    # the archive added before it.
    with ReplicaServer(site) as live:
        settings = {**FAST, "GOLEM_BASE_URL": live.base_url}
        settings["NEWSARCHIVE_OUTPUT_DIR"] = tmp_path / "again"
        third = run_crawl(tmp_path, "-a", f"urls={spec.url()}", settings=settings)
    assert third.returncode == 0, third.log[-3000:]
    assert [r["version"] for r in third.articles] == [1]
    assert third.stats["newsarchive/articles/unchanged"] == 1


def content_hash_of(record: dict[str, Any]) -> str:
    from newsarchive.pipelines import content_hash

    return content_hash(record["headline"], record["summary"], record["text"])


def test_paused_run_resumes_from_jobdir_mid_index(tmp_path, archive):
    """Ctrl-C while the index is being read; the same command again completes the run."""
    import signal
    import time

    from tests.helpers import collect, start_crawl

    pages, _ = archive
    with WaybackServer(pages.pages, delay=0.3) as wayback:
        settings = {**FAST, "WAYBACK_BASE_URL": wayback.base_url, "WAYBACK_CDX_PAGE_SIZE": 1,
                    "JOBDIR": tmp_path / "job"}  # fmt: skip
        args = ("-a", "source=wayback", *PERIOD)
        first = start_crawl(
            tmp_path, *args, settings={**settings, "NEWSARCHIVE_OUTPUT_DIR": tmp_path / "1"}
        )
        deadline = time.monotonic() + 60
        while len(wayback.requests("/cdx/")) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
        paused = collect(tmp_path, folder=tmp_path / "1")
        asked = len(wayback.requests("/cdx/"))
        resumed = run_crawl(
            tmp_path, *args, settings={**settings, "NEWSARCHIVE_OUTPUT_DIR": tmp_path / "2"}
        )
        cdx = wayback.requests("/cdx/")
    assert resumed.returncode == 0, resumed.log[-3000:]
    assert paused.stats["finish_reason"] == "shutdown"
    assert asked < len(cdx), "paused before the index was read to its end"
    assert len(cdx) == len(set(cdx)), "no index page asked for twice"
    assert_records(paused.articles + resumed.articles, expected_versions(pages), "wayback")


@pytest.mark.parametrize("paused_in", [None, "index", "captures"])
def test_archive_run_killed_mid_run_loses_no_capture(tmp_path, archive, paused_in):
    """A JOBDIR run SIGKILLed while it fetches captures (straight away, or after a Ctrl-C
    pause while it read the index or fetched captures, and a resume), then the same command
    again: every capture archived once, versions in capture order."""
    import signal

    from tests.helpers import read_jsonl, start_crawl, wait_for_records

    def written_records(folder: Path) -> list[dict[str, Any]]:
        files = [*folder.glob("*-articles.jsonl"), *folder.glob("unfinished/*-articles.jsonl")]
        return [record for path in sorted(files) for record in read_jsonl(path)]

    pages, _ = archive
    records: list[dict[str, Any]] = []
    with WaybackServer(pages.pages, delay=0.15) as wayback:
        settings = {**FAST, "WAYBACK_BASE_URL": wayback.base_url, "WAYBACK_CDX_PAGE_SIZE": 2,
                    "JOBDIR": tmp_path / "job", "CONCURRENT_REQUESTS_PER_DOMAIN": 2}  # fmt: skip
        args = ("-a", "source=wayback", *PERIOD)
        if paused_in:
            folder = tmp_path / "paused"
            crawl = start_crawl(tmp_path, *args, settings={**settings,
                                "NEWSARCHIVE_OUTPUT_DIR": folder})  # fmt: skip
            if paused_in == "captures":  # early: the resumed run has most captures left
                wait_for_records(folder, 1)
            deadline = time.monotonic() + 60
            while len(wayback.requests("/cdx/")) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            crawl.send_signal(signal.SIGINT)
            crawl.communicate(timeout=60)
            records += written_records(folder)
        folder = tmp_path / "killed"
        crawl = start_crawl(tmp_path, *args, settings={**settings,
                            "NEWSARCHIVE_OUTPUT_DIR": folder})  # fmt: skip
        wait_for_records(folder, 1)
        crawl.send_signal(signal.SIGKILL)
        crawl.communicate(timeout=60)
        assert crawl.returncode == -signal.SIGKILL
        records += written_records(folder)
        rerun = run_crawl(tmp_path, *args, settings={**settings,
                          "NEWSARCHIVE_OUTPUT_DIR": tmp_path / "rerun"})  # fmt: skip
    assert rerun.returncode == 0, rerun.log[-3000:]
    records += rerun.articles
    assert len(records) == len(by_capture(records)), "no capture archived twice"
    assert_records(records, expected_versions(pages), "wayback")


def test_queue_file_a_killed_job_cut_loses_no_capture(tmp_path, archive):
    """What a SIGKILL can leave in a JOBDIR: no queue state, and a queue file created but cut
    before its size header (here: of the captures' priority on the archive's slot). The next
    run with that JOBDIR starts afresh and archives every capture."""
    from scrapy.pqueues import _path_safe

    pages, _ = archive
    cut = tmp_path / "job" / "requests.queue" / _path_safe("127.0.0.1") / "-5"
    cut.parent.mkdir(parents=True)
    cut.write_bytes(b"")
    with WaybackServer(pages.pages) as wayback:
        result = run_archive(tmp_path, "wayback", WAYBACK_BASE_URL=wayback.base_url,
                             JOBDIR=tmp_path / "job")  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    assert_records(result.articles, expected_versions(pages), "wayback")


def test_every_keeps_one_capture_per_interval(tmp_path, archive):
    """-a every=3d over the revised article's captures on days 1 to 5 (day 2 repeats day 1,
    day 4 repeats day 3): day 1, then the first capture at least 3 days later (day 4); days 3
    and 5 are too close to the capture chosen before them."""
    pages, roles = archive
    with WaybackServer(pages.pages) as wayback:
        result = run_archive(tmp_path, "wayback", "-a", "every=3d",
                             WAYBACK_BASE_URL=wayback.base_url)  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    revised = sorted(
        (r for r in result.articles if r["id"] == roles["revised"]), key=lambda r: r["version"]
    )
    days = sorted(t for (a, t) in pages.expected if a == roles["revised"])
    assert [stamp_of(r) for r in revised] == [days[0], days[3]]
    assert [r["version"] for r in revised] == [1, 2]
    assert result.stats["newsarchive/captures/within_interval"] == 2
    assert result.stats["newsarchive/captures/duplicate_digest"] == 1


def stamp_of(record: dict[str, Any]) -> str:
    return stamp(datetime.fromisoformat(record["captured_at"].replace("Z", "+00:00")))


OLD_ERA_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<meta property="og:type" content="article">
<title>Handy-Patent: Hersteller muss Geräte vernichten - Golem.de</title></head>
<body><div id="screen"><div class="golem-2009-article">
<h2 class="kicker">Handy-Patent</h2><h1 class="headline">Hersteller muss Geräte vernichten</h1>
<p class="teaser">Ein Gericht hat entschieden, dass ein Hersteller Geräte vernichten muss.</p>
<div class="text"><p>Ein Landgericht hat einem Hersteller aufgegeben, seine Geräte zu vernichten.</p>
<p>Der Hersteller will in Berufung gehen, wie er am Abend mitteilte.</p></div>
</div></div></body></html>"""


def test_capture_in_markup_no_layout_parser_knows_takes_the_same_path(tmp_path):
    """A capture from an era no layout parser was written for goes through the same parse
    step as any page (the generic parser), and the article's later captures are archived
    all the same."""
    site = build_site(now=NOW, n_articles=30)
    spec = next(s for s in site.articles.values() if s.layout == "classic" and s.page_count == 1)
    first = stamp(spec.published.astimezone(UTC) + timedelta(hours=2))
    later = stamp(spec.published.astimezone(UTC) + timedelta(days=2))
    html = site._article_html(spec.id, 1, CANONICAL_BASE).encode()
    captures = [
        ArchivedPage(spec.url(), first, OLD_ERA_PAGE.encode()),
        ArchivedPage(spec.url(), later, html),
    ]
    with WaybackServer(captures) as wayback:
        result = run_archive(tmp_path, "wayback", WAYBACK_BASE_URL=wayback.base_url,
                             NEWSARCHIVE_MAX_DROP_RATE=1, NEWSARCHIVE_MAX_ERROR_RATE=1)  # fmt: skip
        fetched = wayback.requests("/web/")
    assert len(fetched) == 2, fetched
    records = {stamp_of(r): r for r in result.articles}
    expected = spec.expected_record(CANONICAL_BASE, site.articles)
    assert_same_fields(records[later], {**expected, "source": "wayback"})
    # The old-era capture is read by the generic parser, but the page states no date at
    # all: its record would break the contract, so it is dropped and counted, not written.
    assert first not in records
    assert result.stats["newsarchive/layout/generic"] == 1
    assert result.stats["newsarchive/dropped/invalid_published"] == 1
    assert records[later]["version"] == 1
