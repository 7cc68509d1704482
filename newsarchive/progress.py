"""Progress while a run works: a status line at a steady interval, read from the run's stats.

Like Scrapy's LogStats, only with what an archivist waits for: pages, articles new / changed /
unchanged, requests left in the queue, failed requests, and in a backfill the months done of
all months with an estimate of the time left. On an interactive terminal the line is redrawn
in place (stderr); in a log file or under cron each report is a plain line of its own.
`NEWSARCHIVE_PROGRESS_INTERVAL` (seconds) sets the interval; 0 turns it off.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import IO, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newsarchive.config import setting
from newsarchive.feeds import archiving
from newsarchive.monitors import request_outcome

logger = logging.getLogger(__name__)

CLEAR_LINE = "\r\x1b[K"  # back to the line's start and erase it: the live line is redrawn
BAR_WIDTH = 20


@dataclass
class BackfillProgress:
    """Which months of a backfill are done: their sitemap (or archive page) is read and every
    article it named is settled (archived, known, no article, or failed).

    The spider tells it what it finds and settles; every article is settled exactly once,
    whatever way its request ends (see the spider's `settled`).
    """

    months: list[str]
    read: set[str] = field(default_factory=set)
    pending: dict[str, set[str]] = field(default_factory=dict)
    month_of: dict[str, str] = field(default_factory=dict)

    def month_read(self, month: str) -> None:
        self.read.add(month)

    def found(self, month: str, article: str) -> None:
        if article not in self.month_of:
            self.month_of[article] = month
            self.pending.setdefault(month, set()).add(article)

    def settled(self, article: str | None) -> None:
        month = self.month_of.get(article or "")
        if month is not None:
            self.pending.get(month, set()).discard(article)

    @property
    def done(self) -> int:
        return sum(1 for month in self.months if month in self.read and not self.pending.get(month))

    @property
    def articles_left(self) -> int:
        return sum(len(articles) for articles in self.pending.values())

    @property
    def all_read(self) -> bool:
        return all(month in self.read for month in self.months)


def duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def status_line(stats: dict[str, Any], backfill: BackfillProgress | None, elapsed: float) -> str:
    """The run so far in one line."""
    get = stats.get
    queue = get("scheduler/enqueued", 0) - get("scheduler/dequeued", 0)
    parts = []
    if backfill is not None:  # first: what a narrow terminal must still show
        parts.append(f"months {backfill.done}/{len(backfill.months)}")
        parts.append(f"left {estimate(backfill, stats, elapsed)}")
    parts += [
        f"pages {get('response_received_count', 0)}",
        f"articles new {get('newsarchive/articles/new', 0)}"
        f" changed {get('newsarchive/articles/changed', 0)}"
        f" unchanged {get('newsarchive/articles/unchanged', 0)}",
        f"queue {queue}",
        f"errors {request_outcome(stats).failed}",
    ]
    return ", ".join(parts)


def estimate(backfill: BackfillProgress, stats: dict[str, Any], elapsed: float) -> str:
    """Time left: from the articles settled so far once every month's list is known,
    from the months done before that; "?" while there is nothing to go by."""
    left = backfill.articles_left
    found = len(backfill.month_of)
    if backfill.all_read:
        settled = found - left
        if left == 0:
            return "0 s"
        if settled > 0:
            return "~" + duration(elapsed * left / settled)
        return "?"
    done, total = backfill.done, len(backfill.months)
    if done:
        return "~" + duration(elapsed * (total - done) / done)
    return "?"


def terminal_width(stream: IO[str]) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 120
    except (OSError, ValueError):
        return 120


def bar(done: int, total: int) -> str:
    filled = round(BAR_WIDTH * done / total) if total else BAR_WIDTH
    return "[" + "#" * filled + "." * (BAR_WIDTH - filled) + "]"


class Progress:
    """Extension: the status line every `NEWSARCHIVE_PROGRESS_INTERVAL` seconds.

    Where it goes: redrawn in place on stderr when stderr is a terminal; otherwise a plain
    line on stderr (the cron mail or cron log) when the log goes to a file or nowhere. When
    the log goes to a file, the same line goes into the log as well.
    """

    def __init__(self, crawler, interval: float, stream: IO[str] | None = None) -> None:
        self.crawler = crawler
        self.interval = interval
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        settings = crawler.settings
        self.logging = settings.getbool("LOG_ENABLED")
        self.log_to_file = self.logging and bool(settings.get("LOG_FILE"))
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        self.drawn = False
        self.reports = 0
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        interval = setting(crawler.settings, "NEWSARCHIVE_PROGRESS_INTERVAL", "getfloat")
        if interval <= 0 or not archiving(crawler.settings):
            raise NotConfigured
        return cls(crawler, interval)

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def line(self) -> str:
        spider = self.crawler.spider
        backfill = getattr(spider, "backfill_progress", None)
        stats = self.crawler.stats.get_stats()
        return status_line(stats, backfill, time.monotonic() - self.started)

    def report(self) -> None:
        self.reports += 1
        text = self.line()
        if self.log_to_file or (self.logging and not self.live):
            logger.info("progress: %s", text)
        if self.live:
            backfill = getattr(self.crawler.spider, "backfill_progress", None)
            shown = text
            if backfill is not None:
                shown = f"{bar(backfill.done, len(backfill.months))} {text}"
            width = terminal_width(self.stream)
            self.stream.write(CLEAR_LINE + shown[: width - 1])
            self.stream.flush()
            self.drawn = True
        elif not self.logging or self.log_to_file:
            # No terminal: a plain line where cron collects the output (the log, if it
            # goes to stderr, has it already).
            print(f"progress: {text}", file=self.stream, flush=True)

    def spider_closed(self, spider, reason) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
            if self.reports:  # a run long enough to report: where it ended
                self.report()
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
