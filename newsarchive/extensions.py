"""Extensions: things that watch a whole run rather than one page or item."""

from __future__ import annotations

import gc
import json
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from spidermon.contrib.scrapy.extensions import Spidermon

from newsarchive.config import setting
from newsarchive.feeds import archiving, run_id
from newsarchive.unfinished import publish, unfinished_path
from newsarchive.writes import ledger_for


class RunStats:
    """Write the run's stats as JSON beside its feeds (`<name>-<run_id>-stats.json`).

    Cron jobs, monitors and tests read what happened (pages, drops by reason, errors by
    kind) from this file instead of scraping the log.
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.folder = Path(setting(crawler.settings, "NEWSARCHIVE_OUTPUT_DIR"))
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not archiving(crawler.settings):
            raise NotConfigured
        return cls(crawler)

    def spider_closed(self, spider, reason):
        stats = dict(self.crawler.stats.get_stats())
        stats["finish_reason"] = reason
        path = self.folder / f"{spider.name}-{run_id(spider)}-stats.json"
        try:
            # Written aside and renamed: a reader of `*-stats.json` never meets half a file.
            staged = unfinished_path(path)
            staged.parent.mkdir(parents=True, exist_ok=True)
            with staged.open("x", encoding="utf-8") as file:  # the run's own, never shared
                file.write(json.dumps(stats, indent=1, sort_keys=True, default=str))
            publish(staged, path)
        except OSError as error:
            ledger_for(self.crawler).failed("stats", path, error)


class RunHealth(Spidermon):
    """Spidermon, for the runs that have a health to judge: `crawl` (and `reparse`, which
    turns it off). A `scrapy shell` or `parse` is no run of the archive, and its close must
    neither print a verdict nor send an alert."""

    @classmethod
    def from_crawler(cls, crawler):
        if not archiving(crawler.settings):
            raise NotConfigured
        return super().from_crawler(crawler)


class FreezeStartupObjects:
    """`gc.freeze()` once the spider is open: the objects made up to then (Scrapy, Twisted,
    dateparser's data, the settings: ~100,000) live as long as the process, yet every full
    garbage collection walked them all, ~70 ms each, 6 % of a 4,000-article crawl's time
    (docs/benchmarks.md). Frozen, they are left out of collections; nothing else changes.
    """

    def __init__(self, crawler) -> None:
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        gc.collect()
        gc.freeze()
