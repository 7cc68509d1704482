"""Reading an article page, and assembling an article from its pages: pure functions.

The spider (live pages, web-archive captures, WARC replay) and `newsarchive.extract()` both
go through these two steps, so there is one way from a page's bytes to an article item. No
Scrapy object comes in: a page is its URL, status, bytes and what is known of its encoding.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from datetime import datetime

from w3lib.encoding import html_to_unicode

from newsarchive.items import ArticleItem, article_item
from newsarchive.parsers import (
    NotAnArticle,
    PageTooDeep,
    RawArticle,
    is_complete,
    looks_like_html,
    page_tree,
    parse_page,
)
from newsarchive.parsers.common import Node, page_number


@dataclass(frozen=True)
class Page:
    """A fetched page, as reading it needs it.

    `encoding` is the one the fetch decided (Scrapy weighs headers, BOM and meta charset);
    None lets the page's own BOM or meta charset decide, UTF-8 where it states none.
    `complete` is False when the download was cut short by the transport.
    """

    url: str
    body: bytes
    status: int = 200
    encoding: str | None = None
    complete: bool = True


@dataclass(frozen=True)
class Reading:
    """What a page gave: its raw article fields or why it has none, and its element tree
    (for the links a crawl follows; None when the page was not parsed)."""

    result: RawArticle | NotAnArticle
    root: Node | None = None


def tree(page: Page) -> Node:
    """The page's element tree. A UTF-8 page is parsed from its bytes; one in another
    encoding from its decoded text. Raises PageTooDeep (see `parsers.page_tree`)."""
    encoding = page.encoding
    if encoding is None:
        encoding, text = html_to_unicode(None, page.body)
        if codecs.lookup(encoding).name != "utf-8":
            return page_tree(text)
        return page_tree(page.body)
    if codecs.lookup(encoding).name == "utf-8":
        return page_tree(page.body)
    return page_tree(page.body.decode(encoding, "replace"))


def read_article(page: Page) -> Reading:
    """Raw fields of an article page, or why it yields no article."""
    if page.status in (404, 410):
        return Reading(NotAnArticle(f"http_{page.status}", "gone"))
    if page.status != 200:
        return Reading(NotAnArticle(f"http_{page.status}", "answered with this status"))
    if not looks_like_html(page.body):
        return Reading(NotAnArticle("not_html", "the response is no HTML page"))
    if not page.complete or not is_complete(page.body):
        return Reading(NotAnArticle("truncated", "the page arrived incomplete"))
    try:
        root = tree(page)
    except PageTooDeep as error:
        return Reading(NotAnArticle("too_deep", str(error)))
    return Reading(parse_page(root, page.url), root)


def page_count(pages: list[RawArticle]) -> int:
    """Pages merged into an article: those fetched, or, where one fetched page held a whole
    multi-page article (the one-page view), the pages its page links name."""
    if len(pages) == 1:
        named = set(map(page_number, pages[0].page_urls))
        if len(named) > 1:
            return len(named)
    return len(pages)


def assemble(pages: list[RawArticle], source_url: str, fetched_at: datetime) -> ArticleItem:
    """The article item of an article's pages (page 1 first), fetched from `source_url`."""
    return article_item(pages, source_url, fetched_at, page_count=page_count(pages))
