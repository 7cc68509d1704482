"""The request queue waits on disk in a folder of the run's own, removed when the run ends."""

from __future__ import annotations

import fcntl
import os
import signal

from newsarchive.scheduler import LOCK, SpillingScheduler, remove_stale_queues
from tests.helpers import NOW, collect, fast, read_jsonl, run_crawl, start_crawl, wait_for_records
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site


def test_every_waiting_request_is_on_disk_and_the_queue_goes_with_the_run(tmp_path):
    site = build_site(now=NOW, n_articles=120)
    with ReplicaServer(site) as server:
        result = run_crawl(
            tmp_path, "-a", "since=2024-01-01", settings=fast(server, tmp_path / "output")
        )
    assert result.returncode == 0, result.log[-2000:]
    assert {r["id"] for r in result.articles} == set(site.articles)
    enqueued = result.stats["scheduler/enqueued"]
    assert enqueued > len(site.articles)
    assert result.stats.get("scheduler/enqueued/disk") == enqueued
    assert "scheduler/enqueued/memory" not in result.stats
    assert list((tmp_path / "state" / "queue").iterdir()) == []


def test_a_killed_runs_queue_is_removed_by_the_next_run(tmp_path):
    site = build_site(now=NOW, n_articles=300)
    settings = {"DOWNLOAD_DELAY": 0.02, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    with ReplicaServer(site) as server:
        crawl = start_crawl(
            tmp_path,
            "-a",
            "since=2024-01-01",
            settings=fast(server, tmp_path / "killed", **settings),
        )
        wait_for_records(tmp_path / "killed", 30)
        left = list((tmp_path / "state" / "queue").glob("run-*"))
        queued = [p for p in left[0].rglob("*") if p.is_file() and p.name != LOCK]
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)
        killed = collect(tmp_path, folder=tmp_path / "killed")
        rerun = run_crawl(
            tmp_path, "-a", "since=2024-01-01", settings=fast(server, tmp_path / "rerun")
        )
    assert len(left) == 1 and queued, "the killed run queued on disk"
    assert rerun.returncode == 0, rerun.log[-2000:]
    assert "removed 1 request queue(s) of killed runs" in rerun.log
    assert list((tmp_path / "state" / "queue").iterdir()) == []
    # Nothing of the killed run's queue is needed: the rerun archives what it had not. (The
    # killed run's own file stays in unfinished/.)
    cut = [
        r for p in (tmp_path / "killed").glob("unfinished/*-articles.jsonl") for r in read_jsonl(p)
    ]
    assert {r["id"] for r in killed.articles + cut + rerun.articles} == set(site.articles)


def test_a_queue_whose_run_still_lives_is_left_alone(tmp_path):
    live, dead = tmp_path / "run-live", tmp_path / "run-dead"
    for queue in (live, dead):
        queue.mkdir()
        (queue / LOCK).touch()
        (queue / "p0").write_bytes(b"queued")
    holder = os.open(live / LOCK, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert remove_stale_queues(tmp_path) == 1
    finally:
        os.close(holder)
    assert live.exists() and not dead.exists()


def test_with_a_jobdir_scrapys_own_queue_in_it_is_used(tmp_path):
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(
        settings_dict={
            "JOBDIR": str(tmp_path / "job"),
            "NEWSARCHIVE_COMMAND": "crawl",
            "NEWSARCHIVE_STATE_DIR": str(tmp_path / "state"),
        }
    )
    scheduler = SpillingScheduler.from_crawler(crawler)
    assert scheduler.spill is None
    assert scheduler.dqdir == str(tmp_path / "job" / "requests.queue")
    assert not (tmp_path / "state" / "queue").exists()
