"""`scrapy crawl` that tells cron the truth: a lock, a log file per run, an exit status.

Every option of Scrapy's own crawl command works unchanged (it is the same command,
extended). Exit status: 0 healthy run; 1 unhealthy (a reason per line at the end);
75 (EX_TEMPFAIL) another run holds the lock, try later; 2 a bad argument or setting; 74
(EX_IOERR) the state store cannot be used (corrupt, read-only, of a newer newsarchive).
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newsarchive.arguments import check_command_line
from newsarchive.feeds import archive_feeds, new_run_id
from newsarchive.monitors import (
    HEALTH_FAILURES,
    WRITES_FAILED,
    request_outcome,
    stat_total,
    write_failure,
)
from newsarchive.state import StateStoreError, check_store

logger = logging.getLogger("newsarchive.run")

EXIT_UNHEALTHY = 1
EXIT_LOCKED = 75
EXIT_STATE = 74  # EX_IOERR: the state store cannot be used
LOCK_NAME = "run.lock"


class RunLock:
    """An exclusive lock on the state folder, so two runs never crawl at once.

    flock() is released by the kernel when the holder dies, even by SIGKILL, so a killed
    run never leaves a stale lock behind.
    """

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / LOCK_NAME
        self.file: IO[str] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.file = handle
        return True

    def holder(self) -> str:
        try:
            return self.path.read_text().strip() or "?"
        except OSError:
            return "?"

    def release(self) -> None:
        if self.file is not None:
            fcntl.flock(self.file, fcntl.LOCK_UN)
            self.file.close()
            self.file = None


def summary_lines(stats: dict, seconds: float | None) -> list[str]:
    """The run in a few lines a person reads in a cron mail."""

    get = stats.get
    outcome = request_outcome(stats)
    not_articles = {
        k.rsplit("/", 1)[-1]: v
        for k, v in sorted(stats.items())
        if k.startswith("newsarchive/not_article/")
    }
    unwritten = stat_total(stats, "newsarchive/not_written")
    lines = [
        f"pages fetched: {get('response_received_count', 0)}"
        f" (requests {outcome.requests}, attempts with retries {outcome.attempts})",
        f"articles: new {get('newsarchive/articles/new', 0)},"
        f" changed {get('newsarchive/articles/changed', 0)},"
        f" unchanged {get('newsarchive/articles/unchanged', 0)},"
        f" skipped as known {get('newsarchive/articles/skipped', 0)},"
        f" skipped as gone {get('newsarchive/gone/skipped', 0)}"
        f" (of {get('newsarchive/articles/discovered', 0)} found)",
        f"sitemaps: read {get('newsarchive/sitemaps', 0)},"
        f" unchanged {get('newsarchive/sitemaps/unchanged', 0)}"
        + (" (no index: this and last month)" if get("newsarchive/sitemaps/index_missing") else ""),
        f"records written: articles {get('newsarchive/written/article', 0)},"
        f" teasers {get('newsarchive/written/teaser', 0)}"
        + (f" (not written: {unwritten})" if unwritten else ""),
        f"dropped by validation: {stat_total(stats, 'newsarchive/dropped/')}",
        (
            f"errors: {outcome.failed} of {outcome.requests} requests failed"
            f" ({outcome.share:.0%}): {outcome.kinds_text()}"
            if outcome.failed
            else "errors: none"
        ),
        "pages without article: "
        + (", ".join(f"{k} {v}" for k, v in not_articles.items()) or "none"),
    ]
    if get("newsarchive/months/missing"):
        lines.append(
            f"months with neither sitemap nor archive page: {get('newsarchive/months/missing')}"
        )
    if seconds is not None:
        lines.append(f"duration: {seconds:.1f} s")
    return lines


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider; exit non-zero when the run was unhealthy (newsarchive)"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        settings = self.settings
        settings.set("NEWSARCHIVE_COMMAND", "crawl", priority="cmdline")
        if args:  # bad arguments or settings: `error: …` and exit 2, before anything starts
            check_command_line(settings, args[0], opts.spargs)
        # `-s NEWSARCHIVE_RUN_STARTED=<ISO instant>` pins the start (a replayed schedule, tests).
        pinned = settings.get("NEWSARCHIVE_RUN_STARTED")
        started = datetime.fromisoformat(pinned) if pinned else datetime.now(UTC)
        run_id = new_run_id(started)
        settings.set("NEWSARCHIVE_RUN_STARTED", started.isoformat(), priority="cmdline")
        settings.set("NEWSARCHIVE_RUN_ID", run_id, priority="cmdline")
        log_dir = settings.get("NEWSARCHIVE_LOG_DIR")
        if log_dir and not settings.get("LOG_FILE") and settings.getbool("LOG_ENABLED") and args:
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            log_file = str(Path(log_dir) / f"{args[0]}-{run_id}.log")
            settings.set("LOG_FILE", log_file, priority="cmdline")
            print(f"log: {log_file}", file=sys.stderr)
        settings.set("FEEDS", archive_feeds(settings), priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        lock = RunLock(self.settings.get("NEWSARCHIVE_STATE_DIR"))
        try:
            acquired = lock.acquire()
        except OSError as error:
            # Its lock file is the first thing a run writes there: a read-only folder (or
            # disk) says so here.
            why = error.strerror or str(error)
            if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                why = f"cannot be written ({why})"
            print(f"error: state folder {lock.path.parent}: {why}", file=sys.stderr)
            self.exitcode = EXIT_STATE
            return
        if acquired and self.settings.getbool("NEWSARCHIVE_STATE_ENABLED"):
            try:
                check_store(self.settings.get("NEWSARCHIVE_STATE_DIR"))
            except StateStoreError as error:
                lock.release()
                print(f"error: {error}", file=sys.stderr)
                self.exitcode = EXIT_STATE
                return
        if not acquired:
            print(
                f"another newsarchive run (pid {lock.holder()}) holds {lock.path}; not started",
                file=sys.stderr,
            )
            self.exitcode = EXIT_LOCKED
            return
        try:
            crawler = self._create_crawler(args[0])
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
        finally:
            lock.release()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = EXIT_UNHEALTHY
            return
        stats = crawler.stats.get_stats() if crawler.stats else {}
        failures = list(stats.get(HEALTH_FAILURES, []))
        if stats.get("finish_reason") != "finished" and not failures:
            failures.append(f"finish reason is {stats.get('finish_reason')!r}, not 'finished'")
        # Files are closed (and the stats file written) after the monitors ran: a write that
        # failed then is reported here.
        late = write_failure(stats)
        if late and not any(WRITES_FAILED in failure for failure in failures):
            failures.append(late)
        elapsed = stats.get("elapsed_time_seconds")
        lines = summary_lines(stats, elapsed)
        lines += [f"UNHEALTHY: {failure}" for failure in failures]
        lines.append("run healthy" if not failures else f"run unhealthy ({len(failures)} reasons)")
        for line in lines:
            print(line)
        if self.settings.get("LOG_FILE") and self.settings.getbool("LOG_ENABLED"):
            # The log file ends with the same summary and verdict (Scrapyd shows the log).
            for line in lines:
                logger.log(logging.ERROR if line.startswith("UNHEALTHY") else logging.INFO, line)
        self.exitcode = EXIT_UNHEALTHY if failures else 0
