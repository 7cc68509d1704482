"""JOBDIR: a job that is done, or killed, never silences the next run that uses the same folder."""

from __future__ import annotations

import json
import signal
from datetime import timedelta

from newsarchive.dupefilter import has_pending
from tests.helpers import NOW, collect, fast, read_jsonl, run_crawl, start_crawl, wait_for_records
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site


def index_paths(server, since: int) -> list[str]:
    return [p for _, p, _ in server.requests[since:] if not p.startswith("/news/2")]


def test_a_finished_job_leaves_nothing_that_silences_the_next_run(tmp_path):
    now = NOW
    site = build_site(now=now)
    jobdir = tmp_path / "job"
    with ReplicaServer(site) as server:
        first = run_crawl(tmp_path, settings=fast(server, tmp_path / "run1", JOBDIR=jobdir))
        assert first.returncode == 0, first.log[-2000:]
        assert not (jobdir / "requests.seen").exists()
        before = len(server.requests)

        fresh = site.new_spec(now - timedelta(minutes=5))
        site.publish(fresh)
        second = run_crawl(tmp_path, settings=fast(server, tmp_path / "run2", JOBDIR=jobdir))
        paths = [p for _, p, _ in server.requests[before:]]
    assert second.returncode == 0, second.log[-2000:]
    assert "/" in paths and "/ticker/" in paths
    assert [r["id"] for r in second.articles] == [fresh.id]


def test_a_stale_seen_list_without_a_queue_is_cleared(tmp_path):
    # What a SIGKILLed job, or an older newsarchive's finished job, leaves: the seen list of
    # every request it scheduled, and no queue state to resume.
    site = build_site(now=NOW, n_articles=400)
    jobdir = tmp_path / "job"
    settings = {"JOBDIR": jobdir, "DOWNLOAD_DELAY": 0.03, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    with ReplicaServer(site) as server:
        crawl = start_crawl(
            tmp_path,
            "-a",
            "since=2024-01-01",
            settings=fast(server, tmp_path / "killed", **settings),
        )
        # Late enough for Scrapy to have flushed part of the seen list (it writes through a
        # buffered file of 8 KiB, some 200 fingerprints).
        wait_for_records(tmp_path / "killed", 240)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)
        killed = collect(tmp_path, folder=tmp_path / "killed")
        assert (jobdir / "requests.seen").stat().st_size > 0
        rerun = run_crawl(
            tmp_path,
            "-a",
            "since=2024-01-01",
            settings=fast(server, tmp_path / "rerun", **settings),
        )
    assert rerun.returncode == 0, rerun.log[-2000:]
    assert "has no queued requests to resume" in rerun.log
    # The killed run's file stays in unfinished/ (a run into that folder would move it in).
    cut = [
        r for p in (tmp_path / "killed").glob("unfinished/*-articles.jsonl") for r in read_jsonl(p)
    ]
    ids = {r["id"] for r in killed.articles + cut + rerun.articles}
    assert ids == set(site.articles)


def test_a_paused_and_resumed_job_is_followed_by_runs_that_archive(tmp_path):
    now = NOW
    site = build_site(now=now, n_articles=80)
    jobdir = tmp_path / "job"
    settings = {"JOBDIR": jobdir, "DOWNLOAD_DELAY": 0.05, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
    with ReplicaServer(site) as server:
        crawl = start_crawl(tmp_path, settings=fast(server, tmp_path / "paused", **settings))
        wait_for_records(tmp_path / "paused", 5)
        crawl.send_signal(signal.SIGINT)
        crawl.wait(timeout=60)
        paused = collect(tmp_path, folder=tmp_path / "paused")
        assert paused.stats.get("finish_reason") == "shutdown"
        state = json.loads((jobdir / "requests.queue" / "active.json").read_text())
        assert has_pending(state), "the pause left requests to resume"
        resumed = run_crawl(tmp_path, settings=fast(server, tmp_path / "resumed", **settings))
        assert resumed.returncode == 0, resumed.log[-2000:]
        assert "has no queued requests to resume" not in resumed.log

        fresh = site.new_spec(now - timedelta(minutes=5))
        site.publish(fresh)
        later = run_crawl(tmp_path, settings=fast(server, tmp_path / "later", **settings))
    assert later.returncode == 0, later.log[-2000:]
    assert fresh.id in {r["id"] for r in later.articles}
    ids = [r["id"] for r in paused.articles + resumed.articles]
    assert len(ids) == len(set(ids))


def test_has_pending_reads_both_priority_queue_states():
    # ScrapyPriorityQueue writes a list of priorities; DownloaderAwarePriorityQueue a list per slot.
    assert has_pending([0, -1])
    assert has_pending({"127.0.0.1": [], "www.golem.de": [0]})
    assert not has_pending([])
    assert not has_pending({})
    assert not has_pending({"www.golem.de": []})


def test_a_finished_archive_job_does_not_silence_the_next_archive_run(tmp_path):
    # An archive run keeps in spider.state that it has asked the index; once its job is done,
    # the next run with the same JOBDIR must ask again (and find nothing new to fetch).
    from tests.archives import PERIOD, WaybackServer, build_archive
    from tests.helpers import FAST as ARCHIVE_FAST

    pages, _ = build_archive()
    jobdir = tmp_path / "job"
    with WaybackServer(pages.pages) as wayback:
        settings = {**ARCHIVE_FAST, "WAYBACK_BASE_URL": wayback.base_url, "JOBDIR": jobdir}
        args = ("-a", "source=wayback", *PERIOD)
        first = run_crawl(
            tmp_path, *args, settings={**settings, "NEWSARCHIVE_OUTPUT_DIR": tmp_path / "1"}
        )
        asked = len(wayback.requests("/cdx/"))
        second = run_crawl(
            tmp_path, *args, settings={**settings, "NEWSARCHIVE_OUTPUT_DIR": tmp_path / "2"}
        )
        asked_again = len(wayback.requests("/cdx/")) - asked
    assert first.returncode == 0, first.log[-3000:]
    assert first.articles
    assert second.returncode == 0, second.log[-3000:]
    assert asked_again == asked, "the second run asked the index as the first did"
    assert second.articles == []  # every capture is archived already


def test_a_resumed_job_killed_leaves_nothing_that_silences_the_run_after_it(tmp_path):
    """Pause (SIGINT), resume, SIGKILL the resumed job, run again: the pause's queue state is
    still in the JOBDIR, but the queue and the seen list are the killed run's, half written.
    The run after it must neither resume them nor drop the killed run's requests as seen:
    every article is archived exactly once over the four runs."""
    site = build_site(now=NOW, n_articles=320)
    jobdir = tmp_path / "job"
    settings = {"JOBDIR": jobdir, "DOWNLOAD_DELAY": 0.03, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    backfill = ("-a", "since=2024-01-01")
    records: list[dict] = []
    with ReplicaServer(site) as server:
        for name, signum, count in (("paused", signal.SIGINT, 10), ("killed", signal.SIGKILL, 20)):
            folder = tmp_path / name
            crawl = start_crawl(tmp_path, *backfill, settings=fast(server, folder, **settings))
            wait_for_records(folder, count)
            crawl.send_signal(signum)
            crawl.wait(timeout=60)
            records += [
                r for p in sorted(folder.glob("**/*-articles.jsonl")) for r in read_jsonl(p)
            ]
        rerun = run_crawl(
            tmp_path, *backfill, settings=fast(server, tmp_path / "rerun", **settings), timeout=180
        )
    assert rerun.returncode == 0, rerun.log[-3000:]
    assert "has no queued requests to resume" in rerun.log  # started afresh
    own_log = sorted((tmp_path / "logs").glob("*.log"))[-1].read_text("utf-8")  # the rerun's
    assert "Traceback" not in own_log, own_log[-3000:]
    ids = [r["id"] for r in records + rerun.articles]
    assert len(ids) == len(set(ids)), "an article archived twice"
    assert set(ids) == set(site.articles), f"missing {sorted(set(site.articles) - set(ids))}"
