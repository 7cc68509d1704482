"""A running crawl reports progress at a steady interval: live on a terminal, plain lines otherwise."""

from __future__ import annotations

import os
import pty
import re
import subprocess
from datetime import datetime

import pytest

from newsarchive.progress import BackfillProgress, estimate, status_line
from newsarchive.spiders.golem import months_between
from tests.helpers import FAST, NOW, PROJECT, crawl_command
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site

MONTHS = re.compile(r"months (\d+)/(\d+)")


@pytest.fixture(scope="module")
def site():
    return build_site(now=NOW, n_articles=60)


def backfill_settings(server, **extra):
    # Slow enough to see several reports: one request at a time, 50 ms apart.
    return {
        **FAST,
        "GOLEM_BASE_URL": server.base_url,
        "NEWSARCHIVE_NOW": NOW.isoformat(),
        "DOWNLOAD_DELAY": 0.05,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "NEWSARCHIVE_PROGRESS_INTERVAL": 0.5,
        **extra,
    }


def months_of_backfill() -> int:
    return len(months_between(datetime(2024, 1, 1).date(), NOW.date()))


def test_plain_progress_lines_when_stderr_is_no_terminal(tmp_path, site):
    with ReplicaServer(site) as server:
        command = crawl_command(
            tmp_path, "-a", "since=2024-01-01", settings=backfill_settings(server)
        )
        process = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stdout[-3000:]
    lines = [line for line in process.stderr.splitlines() if line.startswith("progress: ")]
    assert len(lines) >= 3, process.stderr[-3000:]
    assert "\r" not in process.stderr
    for line in lines:
        assert re.search(r"^progress: months \d+/\d+, left [^,]+, pages \d+, ", line)
        assert re.search(r"articles new \d+ changed \d+ unchanged \d+, queue \d+, errors 0$", line)
    done = [int(MONTHS.search(line)[1]) for line in lines]
    totals = {int(MONTHS.search(line)[2]) for line in lines}
    assert totals == {months_of_backfill()}
    assert done == sorted(done), "months done never go back"
    assert done[-1] == months_of_backfill() and ", left 0 s, " in lines[-1]
    assert f"articles new {len(site.articles)} " in lines[-1]
    # The same lines are in the run's log file.
    log = "".join(p.read_text() for p in (tmp_path / "logs").glob("*.log"))
    assert log.count("progress: ") == len(lines)


def test_live_progress_line_on_a_terminal(tmp_path, site):
    with ReplicaServer(site) as server:
        command = crawl_command(
            tmp_path, "-a", "since=2024-01-01", settings=backfill_settings(server)
        )
        leader, follower = pty.openpty()
        process = subprocess.Popen(
            command, cwd=PROJECT, stdout=subprocess.PIPE, stderr=follower, text=True
        )
        os.close(follower)
        screen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the crawl closed the terminal: it has ended
                break
            if not chunk:
                break
            screen += chunk
        process.wait(timeout=120)
        os.close(leader)
    text = screen.decode()
    assert process.returncode == 0
    redraws = text.count("\r\x1b[K")
    assert redraws >= 3, text[-2000:]
    assert "[####################] " in text  # the bar, full at the end
    assert "progress: " not in text  # no plain lines on a terminal
    last = text.rsplit("\r\x1b[K", 1)[-1]
    assert f"months {months_of_backfill()}/{months_of_backfill()}" in last


def test_progress_off(tmp_path, site):
    with ReplicaServer(site) as server:
        command = crawl_command(
            tmp_path,
            "-a",
            "since=2025-01-01",
            settings=backfill_settings(server, NEWSARCHIVE_PROGRESS_INTERVAL=0),
        )
        process = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert process.returncode == 0
    assert "progress: " not in process.stderr


def test_months_are_done_when_read_and_every_article_settled():
    progress = BackfillProgress(["2401", "2402", "2403"])
    assert estimate(progress, {}, elapsed=10) == "?"  # nothing to go by yet
    progress.found("2401", "1")
    progress.found("2401", "2")
    progress.month_read("2401")
    progress.month_read("2402")  # a month without articles
    assert progress.done == 1
    progress.settled("1")
    progress.settled("1")  # settling twice changes nothing
    assert progress.done == 1 and progress.articles_left == 1
    assert estimate(progress, {}, elapsed=10) == "~20 s"  # 1 of 3 months in 10 s
    progress.month_read("2403")
    progress.found("2403", "3")
    assert estimate(progress, {}, elapsed=10) == "~20 s"  # every list known: 1 of 3 articles
    progress.settled("2")
    assert progress.done == 2
    assert estimate(progress, {}, elapsed=10) == "~5 s"  # 2 of 3 articles in 10 s
    progress.settled("3")
    assert progress.done == 3 and estimate(progress, {}, elapsed=10) == "0 s"
    line = status_line({"scheduler/enqueued": 9, "scheduler/dequeued": 4}, progress, 10)
    assert line == (
        "months 3/3, left 0 s, pages 0, articles new 0 changed 0 unchanged 0, queue 5, errors 0"
    )
