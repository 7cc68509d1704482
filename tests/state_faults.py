"""An item pipeline for tests: from a chosen moment on, the run's state store refuses every
write, as a store on a disk that filled up or was remounted read-only does.

SQLite's `query_only` makes the store's own connection refuse writes with the
`sqlite3.OperationalError` a full or read-only disk gives. `TEST_STATE_REFUSES_FROM` names
the moment: `start` (this pipeline opens before the state pipeline, which settles a killed
run's records as it opens), or a path, from its answer on (`response_received` is sent
before the spider and its middlewares see the answer). A pipeline rather than an extension
because the state extension is found once extensions are built.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import signals

from newsarchive.state import StateExtension


class StateRefusesWrites:
    def __init__(self, crawler) -> None:
        self.moment = crawler.settings.get("TEST_STATE_REFUSES_FROM")
        state = crawler.get_extension(StateExtension)
        self.store = state.store if state is not None else None
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        if self.moment == "start":
            self.refuse()

    def process_item(self, item, spider=None):
        return item

    def response_received(self, response, request=None, spider=None) -> None:
        if urlsplit(response.url).path == self.moment:
            self.refuse()

    def refuse(self) -> None:
        if self.store is not None:
            self.store.db.execute("PRAGMA query_only = ON")
