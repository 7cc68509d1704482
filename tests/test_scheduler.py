"""The request queue waits on disk in a folder of the run's own, removed when the run ends."""

from __future__ import annotations

import fcntl
import json
import os

from newsarchive.scheduler import LOCK, SpillingScheduler, remove_stale_queues
from tests.helpers import NOW, fast, run_crawl
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


def test_a_disk_queue_that_cannot_be_written_loses_no_request_and_makes_the_run_unhealthy(
    tmp_path,
):
    from newsarchive.settings import EXTENSIONS

    site = build_site(now=NOW, n_articles=60)
    extensions = {**EXTENSIONS, "tests.queue_faults.DiskQueueFills": 1}
    with ReplicaServer(site) as server:
        result = run_crawl(
            tmp_path,
            "-a",
            "since=2024-01-01",
            settings=fast(
                server,
                tmp_path / "output",
                EXTENSIONS=json.dumps(extensions),
                TEST_QUEUE_FULL_AFTER=20,
            ),
        )
    assert result.returncode == 1, result.log[-3000:]
    assert "queue write failed: " in result.log and "No space left on device" in result.log
    assert result.stats["newsarchive/write_errors/queue"] == 1
    # The requests the disk refused waited in memory instead: every article is archived.
    assert result.stats["scheduler/enqueued/disk"] == 20
    assert {r["id"] for r in result.articles} == set(site.articles)
