"""Extensions: things that watch a whole run rather than one page or item."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import signals

from newsarchive.feeds import run_id


class RunStats:
    """Write the run's stats as JSON beside its feeds (`<name>-<run_id>-stats.json`).

    Cron jobs, monitors and tests read what happened (pages, drops by reason, errors by
    kind) from this file instead of scraping the log.
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_closed(self, spider, reason):
        settings = self.crawler.settings
        folder = Path(settings.get("NEWSARCHIVE_OUTPUT_DIR"))
        folder.mkdir(parents=True, exist_ok=True)
        stats = dict(self.crawler.stats.get_stats())
        stats["finish_reason"] = reason
        path = folder / f"{spider.name}-{run_id(spider)}-stats.json"
        path.write_text(json.dumps(stats, indent=1, sort_keys=True, default=str), "utf-8")
