"""The `golem` spider: which pages to fetch and where their HTML goes; nothing else.

Extraction lives in `newsarchive.parsers`, normalisation in `newsarchive.pipelines`.

    scrapy crawl golem -a urls=URL[,URL...]    archive exactly these article pages
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from newsarchive.items import ArticleItem, article_item
from newsarchive.parsers import (
    NotAnArticle,
    RawArticle,
    is_complete,
    looks_like_html,
    parse_html,
    parse_page,
)

GOLEM_HOSTS = frozenset({"www.golem.de", "golem.de"})


class GolemSpider(scrapy.Spider):
    name = "golem"

    def __init__(self, urls: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = [u.strip() for u in (urls or "").split(",") if u.strip()]

    # --- settings-derived values ------------------------------------------------------------
    @property
    def base_url(self) -> str:
        crawler = getattr(self, "crawler", None)
        base = crawler.settings.get("GOLEM_BASE_URL") if crawler else None
        return (base or "https://www.golem.de").rstrip("/")

    def on_site(self, url: str) -> str:
        """The same URL on the configured host (`GOLEM_BASE_URL`) if it is a golem.de URL."""
        parts = urlsplit(url)
        if parts.hostname not in GOLEM_HOSTS:
            return url
        base = urlsplit(self.base_url)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))

    def count(self, key: str, amount: int = 1) -> None:
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(key, amount)

    # --- start ------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(self.on_site(url), callback=self.parse_article)

    # --- article pages ----------------------------------------------------------------------
    def read_article_page(self, response: Response) -> RawArticle | NotAnArticle:
        """Raw fields of an article page, or why it yields no article."""
        if response.status in (404, 410):
            return NotAnArticle(f"http_{response.status}", "gone")
        if not looks_like_html(response.body):
            return NotAnArticle("not_html", "the response is no HTML page")
        if "dataloss" in response.flags or not is_complete(response.body):
            return NotAnArticle("truncated", "the page arrived incomplete")
        selector = getattr(response, "selector", None)
        root = selector.root if selector is not None else parse_html(response.body)
        return parse_page(root, response.url)

    def parse_article(self, response: Response) -> Iterator[Any]:
        page = self.read_article_page(response)
        if isinstance(page, NotAnArticle):
            self.count(f"newsarchive/not_article/{page.reason}")
            self.logger.warning("no article from %s: %s", response.url, page.detail or page.reason)
            return
        self.count(f"newsarchive/layout/{page.layout}")
        yield self.make_article([page], response)

    def make_article(self, pages: list[RawArticle], response: Response) -> ArticleItem:
        fetched_at = response.meta.get("fetched_at") or datetime.now(UTC)
        return article_item(pages, response.url, fetched_at)
