"""A crawl extension for tests: the scheduler's disk queue fails as a full disk makes it fail.

After `TEST_QUEUE_FULL_AFTER` requests, every push to the disk queue raises ENOSPC, as
queuelib's file write does when the disk under `NEWSARCHIVE_QUEUE_DIR` is full.
"""

from __future__ import annotations

import errno
import os

from scrapy import signals


class DiskQueueFills:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.after = crawler.settings.getint("TEST_QUEUE_FULL_AFTER")
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        queue = self.crawler.engine._slot.scheduler.dqs  # opened before spider_opened
        push, pushed = queue.push, [0]

        def push_until_full(request) -> None:
            pushed[0] += 1
            if pushed[0] > self.after:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            push(request)

        queue.push = push_until_full
