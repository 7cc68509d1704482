"""The offline door: one page's HTML in, the record a crawl would write out.

It reads the page and assembles the article with the functions the spider uses
(`newsarchive.reading`), then runs the crawl's own normalising pipelines: one
implementation, two doors.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from scrapy.exceptions import DropItem

from newsarchive.parsers import NotAnArticle
from newsarchive.pipelines import NORMALISING_PIPELINES, record_of
from newsarchive.reading import Page, assemble, read_article


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
    this is the record of the given page alone (`page_count` from the pages it names); the
    crawl merges all pages. Bytes are decoded as the page's BOM or meta charset says (UTF-8
    where it says nothing). Raises ExtractionError when the page is an article whose record
    fails validation.
    """
    if isinstance(html, str):
        page = Page(url, html.encode("utf-8"), encoding="utf-8")
    else:
        page = Page(url, html)
    raw = read_article(page).result
    if isinstance(raw, NotAnArticle):
        return None
    item = assemble([raw], url, fetched_at or datetime.now(UTC))
    try:
        for pipeline in _pipelines():
            item = pipeline.process_item(item)
    except DropItem as error:
        raise ExtractionError(str(error)) from error
    return record_of(item)
