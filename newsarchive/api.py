"""The offline door: one page's HTML in, the record a crawl would write out.

It runs the spider's own callback and the crawl's own normalising pipelines on a response
built from the given bytes, so there is one implementation with two doors.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse

from newsarchive.items import ArticleItem
from newsarchive.pipelines import NORMALISING_PIPELINES, record_of


class ExtractionError(ValueError):
    """The page is an article, but its record would break the contract (missing fields)."""


@cache
def _pipelines() -> tuple[Any, ...]:
    """The crawl's normalising pipelines, made once per process (they keep no per-record
    state; offline there are no stats to count into)."""
    return tuple(pipeline() for pipeline in NORMALISING_PIPELINES)


def extract(
    html: str | bytes, url: str, *, fetched_at: datetime | None = None
) -> dict[str, Any] | None:
    """The normalised article record of one page, or None when the page is no article.

    `url` is where the page came from (it becomes `source_url`); `fetched_at` (default: now)
    is `crawled_at` and the base for relative dates on the page. For a multi-page article
    this is the record of the given page alone (`page_count` 1); the crawl merges all pages.
    Raises ExtractionError when the page is an article whose record fails validation.
    """
    from newsarchive.spiders.golem import GolemSpider

    body = html.encode("utf-8") if isinstance(html, str) else html
    # The callback reads this one page: no links followed, no later pages fetched.
    meta = {"fetched_at": fetched_at or datetime.now(UTC), "follow": False, "multipage": False}
    request = Request(url, meta=meta)
    response = HtmlResponse(url=url, body=body, request=request)
    if isinstance(html, str):
        response = response.replace(encoding="utf-8")
    items = [r for r in GolemSpider().parse_article(response) if isinstance(r, ArticleItem)]
    if not items:
        return None
    item = items[0]
    try:
        for pipeline in _pipelines():
            item = pipeline.process_item(item)
    except DropItem as error:
        raise ExtractionError(str(error)) from error
    return record_of(item)
