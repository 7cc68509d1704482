"""What later runs fetch again: corrected older articles (through the sitemap index), alias
URLs of known articles, and articles that are gone. Real crawls against the replica."""

from __future__ import annotations

import signal
import sqlite3
import time
from datetime import UTC, datetime, timedelta

from tests.helpers import NOW, article_paths, assert_same_fields, fast, run_crawl, start_crawl
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site


def sitemap_paths(server, since: int = 0) -> list[str]:
    return sorted(p for _, p, _ in server.requests[since:] if p.endswith(".xml"))


def corrected(now: datetime) -> datetime:
    """The instant of a correction made about now (the replica wants non-zero seconds)."""
    return now.replace(second=7, microsecond=0)


def recent_months(now: datetime) -> list[str]:
    """This month and last month (Berlin), the sitemaps a cron run always needs."""
    this = now.astimezone(UTC)
    last = this.replace(day=1) - timedelta(days=1)
    return [f"{this:%y%m}", f"{last:%y%m}"]


def test_a_correction_to_an_article_of_an_older_month_is_fetched(tmp_path):
    now = NOW
    site = build_site(now=now)
    old_id = site.edge_cases["classic_interview"]  # October 2024: no month a cron run reads
    assert site.articles[old_id].yymm not in recent_months(now)
    with ReplicaServer(site) as server:
        backfill = run_crawl(
            tmp_path, "-a", "since=2024-01-01", settings=fast(server, tmp_path / "backfill")
        )
        assert backfill.returncode == 0, backfill.log[-2000:]
        assert old_id in {record["id"] for record in backfill.articles}
        before = len(server.requests)
        first = run_crawl(tmp_path, settings=fast(server, tmp_path / "run1"))
        assert first.returncode == 0, first.log[-2000:]
        assert first.articles == []
        # The first run that reads the index remembers every month's lastmod; of the older
        # months it reads none (a cron run is no backfill).
        assert sitemap_paths(server, before) == sorted(
            ["/gsiteindex.xml", *(f"/news/gsitemap-{m}.xml" for m in recent_months(now))]
        )
        assert first.stats["newsarchive/sitemaps/index"] == 1
        assert first.stats["newsarchive/sitemaps/first_seen"] == len(site.months()) - 2
        before = len(server.requests)

        site.revise(
            old_id,
            "Korrektur: In einer früheren Fassung stand ein falsches Datum.",
            at=corrected(now),
        )
        second = run_crawl(tmp_path, settings=fast(server, tmp_path / "run2"))
        assert second.returncode == 0, second.log[-2000:]
        fetched = article_paths(server, before)
        read = sitemap_paths(server, before)

    assert [record["id"] for record in second.articles] == [old_id]
    record = second.articles[0]
    assert record["version"] == 2
    assert_same_fields(record, {**site.expected_articles()[old_id], "version": 2})
    assert fetched == [site.articles[old_id].path()]
    # The index, this and last month, and the one older month that changed; the other
    # older months are counted as unchanged.
    assert read == sorted(
        [
            "/gsiteindex.xml",
            *(f"/news/gsitemap-{m}.xml" for m in recent_months(now)),
            f"/news/gsitemap-{site.articles[old_id].yymm}.xml",
        ]
    )
    assert second.stats["newsarchive/sitemaps/unchanged"] == len(site.months()) - 3


def archive_then_correct(tmp_path, server, site, note: str) -> tuple[str, str]:
    """A backfill and a cron run archive the October 2024 article (a month no cron run
    reads), then the site corrects it; its id and path."""
    old_id = site.edge_cases["classic_interview"]
    for name, args in (("backfill", ("-a", "since=2024-01-01")), ("run1", ())):
        result = run_crawl(tmp_path, *args, settings=fast(server, tmp_path / name))
        assert result.returncode == 0, result.log[-2000:]
    site.revise(old_id, note, at=corrected(NOW))
    return old_id, site.articles[old_id].path()


def test_a_sitemap_is_read_again_until_every_change_in_it_is_archived(tmp_path):
    site = build_site(now=NOW)
    with ReplicaServer(site) as server:
        old_id, path = archive_then_correct(
            tmp_path, server, site, "Korrektur: Der Preis lag bei 499 Euro, nicht bei 399 Euro."
        )
        server.faults[path] = "500"
        failed = run_crawl(tmp_path, settings=fast(server, tmp_path / "run2", RETRY_TIMES=0))
        assert failed.articles == []
        assert failed.stats["newsarchive/sitemaps/to_read_again"] == 1
        del server.faults[path]
        before = len(server.requests)
        again = run_crawl(tmp_path, settings=fast(server, tmp_path / "run3"))
        fetched = article_paths(server, before)
    assert fetched == [path]
    assert [(r["id"], r["version"]) for r in again.articles] == [(old_id, 2)]


def test_without_the_sitemap_index_a_run_reads_this_and_last_month(tmp_path):
    now = NOW
    site = build_site(now=now)
    with ReplicaServer(site, faults={"/gsiteindex.xml": "404"}) as server:
        result = run_crawl(tmp_path, settings=fast(server, tmp_path / "run"))
        read = sitemap_paths(server)
    assert result.returncode == 0, result.log[-2000:]
    assert read == sorted(
        ["/gsiteindex.xml", *(f"/news/gsitemap-{m}.xml" for m in recent_months(now))]
    )
    assert result.stats["newsarchive/sitemaps/index_missing"] == 1


def test_an_alias_url_in_a_sitemap_is_the_article_it_serves_in_this_run_and_later(tmp_path):
    now = NOW
    site = build_site(now=now)
    fresh = site.new_spec(now - timedelta(minutes=5))
    home = set(site.linked_ids("/"))
    target = next(
        spec.id
        for spec in site.newest()
        if spec.id in home and spec.yymm == fresh.yymm and spec.page_count == 1
    )
    alias = site.add_alias(target)
    with ReplicaServer(site) as server:
        first = run_crawl(tmp_path, settings=fast(server, tmp_path / "run1"))
        assert first.returncode == 0, first.log[-2000:]
        first_fetched = article_paths(server)
        # The next run reads the month's sitemap again, alias entry included.
        site.publish(fresh)
        before = len(server.requests)
        second = run_crawl(tmp_path, settings=fast(server, tmp_path / "run2"))
        assert second.returncode == 0, second.log[-2000:]
        second_fetched = article_paths(server, before)
        read = sitemap_paths(server, before)

    ids = [record["id"] for record in first.articles]
    seen = {"first run": first.stats, "second run": second.stats, "target": target}
    assert ids.count(target) == 1 and alias not in ids, seen
    assert len(first_fetched) == len(set(first_fetched)), (first_fetched, seen)
    assert f"/news/gsitemap-{fresh.yymm}.xml" in read
    assert second_fetched == [fresh.path()], (second_fetched, seen)
    assert [record["id"] for record in second.articles] == [fresh.id], seen
    assert first.stats["newsarchive/articles/aliases"] == 1, seen


def test_gone_articles_are_remembered_and_checked_again_rarely(tmp_path):
    now = NOW
    site = build_site(now=now)
    home = sorted(set(site.linked_ids("/")))
    gone = {site.articles[home[0]].path(): "404", site.articles[home[1]].path(): "410"}
    with ReplicaServer(site, faults=dict(gone)) as server:
        first = run_crawl(tmp_path, settings=fast(server, tmp_path / "run1"))
        assert first.returncode == 0, first.log[-2000:]
        assert first.stats["newsarchive/gone/recorded"] == 2
        before = len(server.requests)
        quiet = run_crawl(tmp_path, settings=fast(server, tmp_path / "run2"))
        assert article_paths(server, before) == []
        assert quiet.stats["newsarchive/gone/skipped"] == 2
        # The check comes again once NEWSARCHIVE_GONE_RECHECK_DAYS have passed (here: 0);
        # one of the two is back meanwhile.
        del server.faults[site.articles[home[0]].path()]
        before = len(server.requests)
        recheck = run_crawl(
            tmp_path, settings=fast(server, tmp_path / "run3", NEWSARCHIVE_GONE_RECHECK_DAYS=0)
        )
        rechecked = article_paths(server, before)
        before = len(server.requests)
        last = run_crawl(tmp_path, settings=fast(server, tmp_path / "run4"))
        assert article_paths(server, before) == []

    assert sorted(rechecked) == sorted(gone)
    assert recheck.stats["newsarchive/refetch/gone"] == 2
    assert [record["id"] for record in recheck.articles] == [home[0]]
    assert recheck.stats["newsarchive/gone/recorded"] == 1  # the 410 once more
    assert last.stats["newsarchive/gone/skipped"] == 1


def test_a_reparse_rebuilds_the_correction_a_run_read_from_an_older_sitemap(tmp_path):
    from tests.helpers import run_reparse

    site = build_site(now=NOW)
    with ReplicaServer(site) as server:
        old_id, _ = archive_then_correct(
            tmp_path, server, site, "Korrektur: Die Studie erschien 2023, nicht 2022."
        )
        crawl = run_crawl(
            tmp_path, settings=fast(server, tmp_path / "run2", NEWSARCHIVE_WARC_ENABLED=True)
        )
    assert [record["id"] for record in crawl.articles] == [old_id]
    warcs = sorted((tmp_path / "run2").glob("*.warc.gz"))
    rebuilt = run_reparse(tmp_path / "reparse", *map(str, warcs))
    assert rebuilt.returncode == 0, rebuilt.log[-2000:]
    assert [{**r, "version": 2} for r in rebuilt.articles] == crawl.articles
    # Every response the crawl kept was asked for again. (Articles the crawl skipped as
    # known are asked for too and are not in the WARC: a reparse has no state.)
    assert rebuilt.stats["newsarchive/reparse/unused"] == 0


def test_a_run_killed_while_a_correction_is_fetched_leaves_it_to_the_next_run(tmp_path):
    site = build_site(now=NOW)
    with ReplicaServer(site) as server:
        old_id, path = archive_then_correct(
            tmp_path, server, site, "Korrektur: Der Dienst startet im Mai, nicht im April."
        )
        server.faults[path] = ("slow", 30)  # the correction is being fetched when the kill comes
        before = len(server.requests)
        crawl = start_crawl(tmp_path, settings=fast(server, tmp_path / "killed"))
        deadline = time.monotonic() + 60
        while path not in article_paths(server, before):
            assert time.monotonic() < deadline, "the killed run never asked for the correction"
            time.sleep(0.05)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)
        del server.faults[path]
        before = len(server.requests)
        rerun = run_crawl(tmp_path, settings=fast(server, tmp_path / "rerun"))
        fetched = article_paths(server, before)
    assert rerun.returncode == 0, rerun.log[-2000:]
    assert fetched == [path]
    assert [(r["id"], r["version"]) for r in rerun.articles] == [(old_id, 2)]


def test_the_pinned_clock_decides_when_a_gone_article_is_due_and_is_what_the_state_keeps(
    tmp_path,
):
    """NEWSARCHIVE_NOW is the run's clock for the re-fetch policy and the state's instants,
    not only for the sitemaps it reads: a gone article is due 30 days after its last check
    on that clock, whatever the wall clock says."""
    site = build_site(now=NOW)
    home = sorted(set(site.linked_ids("/")))
    gone = {site.articles[home[0]].path(): "404"}
    with ReplicaServer(site, faults=dict(gone)) as server:
        runs = {}
        for name, days in (("first", 0), ("before", 29), ("due", 31)):
            clock = (NOW + timedelta(days=days)).isoformat()
            before = len(server.requests)
            runs[name] = run_crawl(
                tmp_path / name,
                settings=fast(
                    server,
                    tmp_path / "output",
                    NEWSARCHIVE_NOW=clock,
                    NEWSARCHIVE_STATE_DIR=tmp_path / "state",
                ),
            )
            runs[name].fetched = article_paths(server, before)
    assert runs["first"].stats["newsarchive/gone/recorded"] == 1
    assert runs["before"].fetched == [] and runs["before"].stats["newsarchive/gone/skipped"] == 1
    assert runs["due"].fetched == list(gone)
    with sqlite3.connect(tmp_path / "state" / "newsarchive.sqlite3") as db:
        checked = db.execute("SELECT last_checked FROM gone").fetchall()
        archived = {row[0] for row in db.execute("SELECT first_archived FROM articles")}
    assert [datetime.fromisoformat(value) for (value,) in checked] == [NOW + timedelta(days=31)]
    assert {datetime.fromisoformat(value) for value in archived} == {NOW}
