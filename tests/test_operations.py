"""Operating it: the cron wrapper's exit status, alerts through Spidermon's actions, the
`newsarchive` command outside a checkout, and what Scrapyd passes to a run."""

from __future__ import annotations

import configparser
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from newsarchive.commands.crawl import RunLock
from tests.helpers import PROJECT, read_jsonl

WRAPPER = PROJECT / "contrib" / "newsarchive-cron"
NEWSARCHIVE = Path(sys.executable).with_name("newsarchive")
ARTICLE = (PROJECT / "tests" / "fixtures" / "classic-analyse-2501-300101.html").as_uri()
# What Spidermon's e-mail action needs; FAKE logs the message instead of sending it.
EMAIL = {
    "SPIDERMON_EMAIL_TO": "archivist@example.org",
    "SPIDERMON_EMAIL_SENDER": "newsarchive@example.org",
    "SPIDERMON_SMTP_HOST": "127.0.0.1",
    "SPIDERMON_SMTP_USER": "newsarchive",
    "SPIDERMON_SMTP_PASSWORD": "secret",
    "SPIDERMON_EMAIL_FAKE": "True",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unreachable() -> list[str]:
    return ["-s", f"GOLEM_BASE_URL=http://127.0.0.1:{free_port()}", "-s", "RETRY_TIMES=0"]


def newsarchive(cwd: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [str(NEWSARCHIVE), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def cron(folder: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [str(WRAPPER), str(folder), *args],
        env={**os.environ, "NEWSARCHIVE": str(NEWSARCHIVE), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_log(folder: Path) -> str:
    return "".join(p.read_text() for p in sorted((folder / "logs").glob("golem-*.log")))


# --- the cron wrapper -----------------------------------------------------------------------
def test_cron_wrapper_healthy_run_makes_its_folders_and_exits_0(tmp_path):
    result = cron(tmp_path, "-a", f"urls={ARTICLE}")
    assert result.returncode == 0, (tmp_path / "logs" / "cron.log").read_text()[-3000:]
    assert result.stderr == ""
    log = (tmp_path / "logs" / "cron.log").read_text()
    assert "run healthy" in log and "newsarchive-cron: run healthy" in log
    [feed] = (tmp_path / "output").glob("*-articles.jsonl")
    assert [r["id"] for r in read_jsonl(feed)] == ["300101"]


def test_cron_wrapper_treats_a_held_lock_as_skipped(tmp_path):
    lock = RunLock(tmp_path / "state")
    assert lock.acquire()
    try:
        result = cron(tmp_path, "-a", f"urls={ARTICLE}")
    finally:
        lock.release()
    assert result.returncode == 0 and result.stderr == ""
    log = (tmp_path / "logs" / "cron.log").read_text()
    assert "holds" in log and "skipped: another run holds the lock (exit 75)" in log
    assert not (tmp_path / "output").exists()


def test_cron_wrapper_alerts_on_an_unhealthy_run_through_spidermon(tmp_path):
    # Alert settings from the env file beside the archive, as the README shows.
    (tmp_path / "newsarchive.env").write_text(
        "".join(f"{name}={value}\n" for name, value in EMAIL.items())
    )
    result = cron(tmp_path, *unreachable())
    assert result.returncode == 1
    assert result.stderr.startswith(f"newsarchive run in {tmp_path} unhealthy (exit 1)")
    assert (
        "newsarchive-cron: run UNHEALTHY (exit 1)" in (tmp_path / "logs" / "cron.log").read_text()
    )
    log = run_log(tmp_path)
    assert "Subject: newsarchive: newsarchive run unhealthy" in log
    assert "To: archivist@example.org" in log
    assert "UNHEALTHY: cannot reach 127.0.0.1:" in log.split("Subject:", 1)[1]


def test_cron_wrapper_fails_a_run_that_cannot_start(tmp_path):
    result = cron(tmp_path, "-a", "urls=" + ARTICLE, "-s")  # -s without a value: usage error
    assert result.returncode == 1
    assert "unhealthy (exit 2)" in result.stderr


# --- alerts -----------------------------------------------------------------------------------
def settings_args(settings: dict[str, str]) -> list[str]:
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def test_a_healthy_run_sends_no_alert(tmp_path):
    result = newsarchive(tmp_path, "crawl", "golem", "-a", f"urls={ARTICLE}", *settings_args(EMAIL))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Subject:" not in run_log(tmp_path)


def test_an_alert_that_cannot_be_set_up_makes_the_run_unhealthy(tmp_path):
    # Slack asked for (a recipient), but no token: nobody would hear of a failure.
    args = ["-s", "SPIDERMON_SLACK_RECIPIENTS=#archive", "-s", "SPIDERMON_SLACK_FAKE=True"]
    result = newsarchive(tmp_path, "crawl", "golem", "-a", f"urls={ARTICLE}", *args)
    assert result.returncode == 1
    assert (
        "UNHEALTHY: alert SendSlackMessageSpiderFinished is not set up:"
        " You must provide a value for SPIDERMON_SLACK_SENDER_TOKEN setting." in result.stdout
    )


def test_slack_alert_is_sent_on_an_unhealthy_run(tmp_path):
    slack = {
        "SPIDERMON_SLACK_RECIPIENTS": "#archive",
        "SPIDERMON_SLACK_SENDER_TOKEN": "xoxb-test",
        "SPIDERMON_SLACK_SENDER_NAME": "newsarchive",
        "SPIDERMON_SLACK_FAKE": "True",
    }
    result = newsarchive(tmp_path, "crawl", "golem", *unreachable(), *settings_args(slack))
    assert result.returncode == 1
    log = run_log(tmp_path)
    assert "SendSlackMessageSpiderFinished... OK" in log


# --- anywhere: the console command, Scrapyd ----------------------------------------------------
def test_newsarchive_command_runs_outside_a_checkout(tmp_path):
    assert not any(
        parent.joinpath("scrapy.cfg").exists() for parent in [tmp_path, *tmp_path.parents]
    )
    crawl = newsarchive(tmp_path, "crawl", "golem", "-a", f"urls={ARTICLE}")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    # The default folders are relative to where the command runs.
    [feed] = (tmp_path / "output").glob("*-articles.jsonl")
    [warc] = (tmp_path / "output").glob("*.warc.gz")
    assert (tmp_path / "logs").is_dir() and (tmp_path / "state").is_dir()
    reparse = newsarchive(tmp_path, "reparse", str(warc), "-s", "NEWSARCHIVE_OUTPUT_DIR=rebuilt")
    assert reparse.returncode == 0, reparse.stderr[-3000:]
    [rebuilt] = (tmp_path / "rebuilt").glob("*-articles.jsonl")
    assert read_jsonl(rebuilt) == read_jsonl(feed)
    assert newsarchive(tmp_path, "list").stdout.split() == ["golem"]


def test_scrapyd_feed_and_log_file_keep_the_archive_and_the_verdict(tmp_path):
    # What Scrapyd passes (scrapyd/environ.py): a log file, and with items_dir a FEEDS of its
    # own, as JSON, on the command line.
    job_feed = tmp_path / "items" / "newsarchive" / "golem" / "job1.jl"
    job_log = tmp_path / "scrapyd-logs" / "job1.log"
    job_log.parent.mkdir()
    feeds = json.dumps({job_feed.as_uri(): {"format": "jsonlines"}})
    result = newsarchive(
        tmp_path,
        "crawl",
        "golem",
        "-a",
        f"urls={ARTICLE}",
        "-s",
        f"FEEDS={feeds}",
        "-s",
        f"LOG_FILE={job_log}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    [own] = (tmp_path / "output").glob("*-articles.jsonl")
    assert [r["id"] for r in read_jsonl(own)] == ["300101"]
    assert [r["id"] for r in read_jsonl(job_feed)] == ["300101"]
    log = job_log.read_text()
    assert "'newsarchive/health/verdict': 'healthy'" in log
    assert log.rstrip().endswith("run healthy")


def test_scrapy_cfg_is_ready_for_scrapyd_deploy():
    config = configparser.ConfigParser()
    config.read(PROJECT / "scrapy.cfg")
    assert config["deploy"]["url"].startswith("http")
    assert config["deploy"]["project"] == "newsarchive"
