"""Cron-grade runs against the replica: state, versions, kill and rerun, lock, exit status."""

from __future__ import annotations

import http.server
import signal
import socket
import sqlite3
import threading
import time
from datetime import timedelta

import pytest

from newsarchive.commands.crawl import EXIT_LOCKED, RunLock
from newsarchive.scheduler import LOCK
from tests.helpers import (
    FAST,
    NOW,
    article_paths,
    assert_same_fields,
    collect,
    fast,
    run_crawl,
    start_crawl,
    wait_for_records,
)
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site


def test_second_run_fetches_only_new_and_changed_articles(tmp_path):
    now = NOW
    site = build_site(now=now)
    with ReplicaServer(site) as server:
        first = run_crawl(tmp_path, settings=fast(server, tmp_path / "run1"))
        assert first.returncode == 0, first.log[-2000:]
        first_requests = len(server.requests)

        # Unchanged site: the next run reads index pages only.
        unchanged = run_crawl(tmp_path, settings=fast(server, tmp_path / "run2"))
        assert unchanged.returncode == 0, unchanged.log[-2000:]
        assert article_paths(server, first_requests) == []
        assert unchanged.articles == []
        # Every article the index pages name is known and skipped (related links of
        # articles not fetched again stay unseen: those articles are archived already).
        stats = unchanged.stats
        assert stats["newsarchive/articles/skipped"] == stats["newsarchive/articles/discovered"] > 0
        second_requests = len(server.requests)

        # One article published, one corrected (its sitemap lastmod moves on).
        fresh = site.new_spec(now - timedelta(minutes=5))
        site.publish(fresh)
        this_month = now.strftime("%y%m")
        revised_id = next(
            a["id"] for a in first.articles if site.articles[a["id"]].yymm == this_month
        )
        site.revise(revised_id, "Nachtrag: Der Hersteller hat die Angaben inzwischen bestätigt.")
        third = run_crawl(tmp_path, settings=fast(server, tmp_path / "run3"))
        assert third.returncode == 0, third.log[-2000:]
        fetched = article_paths(server, second_requests)

    by_id = {record["id"]: record for record in third.articles}
    assert sorted(by_id) == sorted([fresh.id, revised_id])
    assert by_id[fresh.id]["version"] == 1
    assert by_id[revised_id]["version"] == 2
    expected = site.expected_articles()
    for record in third.articles:
        assert_same_fields(record, expected[record["id"]])
    assert sorted(fetched) == sorted([fresh.path(), site.articles[revised_id].path()])
    old = next(a for a in first.articles if a["id"] == revised_id)
    assert old["content_hash"] != by_id[revised_id]["content_hash"]
    print(
        f"requests: first run {first_requests}, unchanged rerun {second_requests - first_requests},"
        f" run after 1 new + 1 changed {len(server.requests) - second_requests}"
    )


def test_killed_run_loses_nothing_and_the_rerun_completes(tmp_path):
    site = build_site(now=NOW, n_articles=160)
    settings = {"DOWNLOAD_DELAY": 0.03, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    with ReplicaServer(site) as server:
        crawl = start_crawl(
            tmp_path,
            "-a",
            "since=2024-01-01",
            settings=fast(server, tmp_path / "killed", **settings),
        )
        # A run's files are written in unfinished/ and moved into the folder when complete.
        articles = tmp_path / "killed" / "unfinished"
        wait_for_records(tmp_path / "killed", 25)
        # Its waiting requests are on disk, in a queue folder of its own (newsarchive/scheduler).
        queues = list((tmp_path / "state" / "queue").glob("run-*"))
        queued = [p for q in queues for p in q.rglob("*") if p.is_file() and p.name != LOCK]
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)
        killed = collect(tmp_path, folder=articles)
        assert 25 <= len(killed.articles) < len(site.articles), "killed mid-run"

        # Every article the state calls archived has its record on disk.
        db = sqlite3.connect(tmp_path / "state" / "newsarchive.sqlite3")
        archived = {row[0] for row in db.execute("SELECT id FROM articles")}
        db.close()
        assert archived <= {record["id"] for record in killed.articles}

        rerun = run_crawl(
            tmp_path, "-a", "since=2024-01-01", settings=fast(server, tmp_path / "rerun")
        )
        assert rerun.returncode == 0, rerun.log[-2000:]

    assert len(queues) == 1 and queued, "the killed run's requests waited on disk"
    # Nothing of the killed run's queue is needed, so the rerun removes it.
    assert "removed 1 request queue(s) of killed runs" in rerun.log
    assert list((tmp_path / "state" / "queue").iterdir()) == []
    union = killed.articles + rerun.articles
    ids = [record["id"] for record in union]
    assert set(ids) == set(site.articles)
    duplicated = len(ids) - len(set(ids))
    # Only what was written but not yet recorded when the kill came is fetched again.
    assert duplicated <= 2
    print(
        f"killed after {len(killed.articles)} records; rerun wrote {len(rerun.articles)}; "
        f"{duplicated} written twice; {len(site.articles)} articles in all"
    )


def test_overlapping_run_exits_with_its_own_code(tmp_path):
    lock = RunLock(tmp_path / "state")
    assert lock.acquire()
    try:
        blocked = run_crawl(tmp_path, "-a", "urls=file:///nowhere.html")
    finally:
        lock.release()
    assert blocked.returncode == EXIT_LOCKED
    assert "holds" in blocked.log and "not started" in blocked.log
    assert not (tmp_path / "output").exists()


def test_two_real_runs_at_once_one_is_turned_away(tmp_path):
    site = build_site(now=NOW)
    with ReplicaServer(site) as server:
        settings = fast(
            server, tmp_path / "a", DOWNLOAD_DELAY=0.05, CONCURRENT_REQUESTS_PER_DOMAIN=1
        )
        first = start_crawl(tmp_path, settings=settings)
        lock_file = tmp_path / "state" / "run.lock"
        deadline = time.monotonic() + 60
        while not (lock_file.exists() and lock_file.read_text().strip()):
            assert time.monotonic() < deadline, "the first run never took the lock"
            time.sleep(0.02)
        second = run_crawl(tmp_path, settings=fast(server, tmp_path / "b"))
        first.wait(timeout=120)
    assert sorted([first.returncode, second.returncode]) == [0, EXIT_LOCKED]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_site_is_unhealthy(tmp_path):
    result = run_crawl(
        tmp_path,
        settings={**FAST, "GOLEM_BASE_URL": f"http://127.0.0.1:{free_port()}", "RETRY_TIMES": 0},
    )
    assert result.returncode == 1
    assert "UNHEALTHY: cannot reach 127.0.0.1:" in result.log
    assert "UNHEALTHY:" in result.log and "requests failed" in result.log


RELAUNCH_PAGE = """<html><head><meta property="og:type" content="article">
<script type="application/ld+json">{{"@type": "NewsArticle",
 "headline": "Relaunch: Artikel Nummer {number} im neuen Gewand - Golem.de",
 "datePublished": "2026-11-20T09:00:00+01:00", "author": {{"name": "Rita Neu"}}}}</script>
</head><body><div class="relaunch-article"><h1>Artikel Nummer {number} im neuen Gewand</h1>
<div class="relaunch-text"><p>Die Seite sieht anders aus als alle, die der Archivar kennt. Kein
Parser einer Layout-Epoche erkennt ihre Klassen, doch die strukturierten Daten nennen Titel,
Datum und Autorin.</p><p>Der Haupttext steht in einem Abschnitt, den ein allgemeiner Extraktor
findet, und so geht auch an diesem Tag kein Artikel verloren.</p></div></div></body></html>"""


class UnknownLayoutSite(http.server.BaseHTTPRequestHandler):
    """A site whose home page links articles that no parser can read (a relaunch)."""

    ARTICLES = [f"/news/neues-layout-nummer-{n}-2611-{400000 + n}.html" for n in range(3)]

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/":
            links = "".join(f'<a href="{p}">Artikel</a>' for p in self.ARTICLES)
            body = f"<html><body><main>{links}</main></body></html>"
        elif self.path in self.ARTICLES:
            number = self.path.rsplit("-", 1)[1].removesuffix(".html")
            body = RELAUNCH_PAGE.format(number=number)
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def unknown_layout_site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), UnknownLayoutSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_relaunch_is_archived_generically_and_raises_the_drift_alarm(
    tmp_path, unknown_layout_site
):
    result = run_crawl(tmp_path, settings={**FAST, "GOLEM_BASE_URL": unknown_layout_site})
    assert sorted(r["id"] for r in result.articles) == ["400000", "400001", "400002"]
    assert {r["layout"] for r in result.articles} == {"generic"}
    assert result.articles[0]["authors"] == [{"name": "Rita Neu", "url": None}]
    assert result.stats["newsarchive/layout/generic"] == 3
    assert result.returncode == 1
    assert (
        "UNHEALTHY: 3 of 3 articles read through fallbacks (limit 5%): 3 in no known layout"
        in result.log
    )


def test_jobdir_pause_and_resume(tmp_path):
    site = build_site(now=NOW, n_articles=80)
    jobdir = tmp_path / "job"
    settings = {"JOBDIR": jobdir, "DOWNLOAD_DELAY": 0.05, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
    with ReplicaServer(site) as server:
        crawl = start_crawl(
            tmp_path,
            "-a",
            "since=2024-01-01",
            settings=fast(server, tmp_path / "paused", **settings),
        )
        wait_for_records(tmp_path / "paused", 10)
        crawl.send_signal(signal.SIGINT)  # Scrapy's pause: finish in-flight, keep the queue
        crawl.wait(timeout=60)
        paused = collect(tmp_path, folder=tmp_path / "paused")
        assert paused.stats.get("finish_reason") == "shutdown"
        resumed = run_crawl(
            tmp_path,
            "-a",
            "since=2024-01-01",
            settings=fast(server, tmp_path / "resumed", **settings),
        )
    ids = [r["id"] for r in paused.articles + resumed.articles]
    assert set(ids) == set(site.articles)
    assert len(ids) == len(set(ids))
