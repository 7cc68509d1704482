"""A crawl extension for tests: SIGKILL the crawl in the narrowest window there is, after an
article's record reached its feed file and before the state store marked it archived.

Extensions connect their signal handlers as they are built, in EXTENSIONS order, and all of
them before the item pipelines: at priority 1 (after the feed exporter's 0) this handler
runs between the feed write and `StatePipeline.item_scraped`.
"""

from __future__ import annotations

import os
import signal

from scrapy import signals


class KillAfterFeedWrite:
    def __init__(self, crawler) -> None:
        self.after = crawler.settings.getint("TEST_KILL_AFTER_ARTICLES")
        self.seen = 0
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def item_scraped(self, item) -> None:
        if getattr(item, "kind", None) == "article":
            self.seen += 1
            if self.seen == self.after:
                os.kill(os.getpid(), signal.SIGKILL)
