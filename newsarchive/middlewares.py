"""Downloader middlewares of newsarchive."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy import Request

from newsarchive.state import parse_instant, policy_for, store_for


class FetchTimeMiddleware:
    """Stamp every response with the instant it arrived (`response.meta["fetched_at"]`).

    That instant is the record's `crawled_at` / `seen_at` and the base for relative dates on
    the page ("heute, 10:15 Uhr"), so re-parsing a stored page later gives the same record.
    Each response gets its own instant (a retry or redirect copies the request's meta, and
    with it the instant of the earlier answer); one replayed from WARC keeps its WARC-Date.
    """

    def process_response(self, request, response, spider=None):
        if "warc" not in response.flags:
            request.meta["fetched_at"] = datetime.now(UTC)
        return response


class IncrementalMiddleware:
    """Spider middleware: leave out article requests the state says are not worth making.

    The spider marks every article request with `article_id` (and `lastmod` where a sitemap
    or feed gave one); this filter asks the state store whether that article is new or has
    evidence of change (`state.RefetchPolicy`). Requests the user named (`-a urls=`) carry no
    `article_id` and always pass.
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.store = store_for(crawler)
        self.policy = policy_for(crawler.settings)
        self.fetching: set[str] = set()
        self.skipped: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def wanted(self, request) -> bool:
        article = request.meta.get("article_id") if isinstance(request, Request) else None
        if article is None or self.store is None or article in self.fetching:
            return True  # a second link to an article being fetched: the dupefilter's job
        fetch, why = self.policy.should_fetch(
            self.store.lookup(article),
            parse_instant(request.meta.get("lastmod")),
            datetime.now(UTC),
        )
        if fetch:
            self.fetching.add(article)
            if why != "new":
                self.crawler.stats.inc_value(f"newsarchive/refetch/{why}")
        elif article not in self.skipped:
            # A later link may still bring a newer lastmod; count the article once.
            self.skipped.add(article)
            self.crawler.stats.inc_value("newsarchive/articles/skipped")
        return fetch

    async def process_start(self, start):
        async for request in start:
            if self.wanted(request):
                yield request

    async def process_spider_output(self, response, result, spider=None):
        async for output in result:
            if self.wanted(output):
                yield output
