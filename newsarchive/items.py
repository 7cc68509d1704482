"""The two record kinds (record-schema.md) as items, plus how raw page fields become one.

Items are dataclasses used through itemadapter. `ArticleItem.raw` carries what the
normalising pipelines still need (displayed and machine dates, image alt texts); it is not a
record field, so the feeds export only the schema's fields (see `settings.FEED_EXPORT_FIELDS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newsarchive.meta import Raw
from newsarchive.parsers.common import RawArticle, article_id
from newsarchive.schema import SCHEMA_VERSION, record_fields


@dataclass
class ArticleItem:
    kind: str = "article"
    schema_version: int = SCHEMA_VERSION
    id: str | None = None
    url: str | None = None
    short_url: str | None = None
    kicker: str | None = None
    title: str | None = None
    headline: str | None = None
    summary: str | None = None
    authors: list[dict[str, Any]] = field(default_factory=list)
    genre: str | None = None
    published: str | None = None
    modified: str | None = None
    body: list[dict[str, Any]] = field(default_factory=list)
    text: str | None = None
    word_count: int | None = None
    images: list[dict[str, Any]] = field(default_factory=list)
    videos: list[dict[str, Any]] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    paywall: bool = False
    opinion: bool = False
    sponsored: bool = False
    page_count: int = 1
    comment_count: int | None = None
    comments_url: str | None = None
    related: list[dict[str, Any]] = field(default_factory=list)
    language: str = "de"
    layout: str | None = None
    fallbacks: list[str] = field(default_factory=list)
    source: str = "live"
    captured_at: str | None = None
    source_url: str | None = None
    crawled_at: str | None = None
    content_hash: str | None = None
    version: int = 1
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class TeaserItem:
    kind: str = "teaser"
    schema_version: int = SCHEMA_VERSION
    page_url: str | None = None
    block: str | None = None
    position: int | None = None
    url: str | None = None
    id: str | None = None
    kicker: str | None = None
    title: str | None = None
    summary: str | None = None
    image: dict[str, Any] | None = None
    seen_at: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def article_item(
    pages: list[RawArticle],
    source_url: str,
    fetched_at: datetime,
    page_count: int | None = None,
) -> ArticleItem:
    """One article item from its pages' raw fields, in page order.

    Page 1 decides the head fields (headline, byline, dates, topics); every page adds its
    body blocks, images and videos. `fetched_at` is the instant page 1 was fetched: relative
    dates on the page resolve against it, and it becomes `crawled_at`. `page_count` is
    given where one fetched page held a whole multi-page article (the one-page view).
    """
    first = pages[0]
    images: list[dict[str, Any]] = []
    seen_images: set[str | None] = set()
    for page in pages:
        for image in page.images:
            if image["url"] not in seen_images:
                seen_images.add(image["url"])
                images.append(image)
    return ArticleItem(
        id=first.id or article_id(first.url),
        url=first.url,
        short_url=f"https://glm.io/{first.id}" if first.id else None,
        kicker=first.kicker,
        title=first.title,
        summary=first.summary,
        authors=[dict(a) for a in first.authors],
        genre=first.genre,
        body=[block for page in pages for block in page.body],
        images=images,
        videos=[video for page in pages for video in page.videos],
        topics=list(first.topics),
        paywall=any(page.paywall for page in pages),
        opinion=first.opinion,
        sponsored=first.sponsored,
        page_count=page_count or len(pages),
        comment_count=first.comment_count,
        comments_url=first.comments_url,
        related=[dict(r) for r in first.related],
        layout=first.layout,
        fallbacks=_fallbacks(pages),
        source_url=source_url,
        raw={
            Raw.FETCHED_AT: fetched_at,
            Raw.PUBLISHED_DISPLAY: first.published_display,
            Raw.PUBLISHED_MACHINE: first.published_machine,
            Raw.MODIFIED_MACHINE: first.modified_machine,
            Raw.JSONLD_WALL_CLOCK: first.jsonld_wall_clock,
        },
    )


def _fallbacks(pages: list[RawArticle]) -> list[str]:
    """Fallback fields of the record, in schema order: page 1 decides the head fields, any
    page's body or images may have needed one."""
    named = set(pages[0].fallbacks)
    for page in pages[1:]:
        named |= {name for name in page.fallbacks if name in ("body", "images")}
    return [name for name in record_fields("article") if name in named]
