"""The truth about one replica article, and the record the archive must make of it.

Specs hold text in normalised form (NFC, single spaces, no soft hyphens); the renderers add
the noise of the real site. Expected records are derived from specs only, never from a parser.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NotRequired, TypedDict
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
CANONICAL_BASE = "https://www.golem.de"
SCHEMA_VERSION = 2

Layout = Literal["classic", "current"]
BlockType = Literal["paragraph", "heading", "list", "quote", "code", "table"]

# The byline's form phrase per genre, as both layouts print it.
GENRE_PHRASES = {
    "Analyse": "Eine Analyse von",
    "Test": "Ein Test von",
    "Interview": "Ein Interview von",
    "Kommentar": "Ein Kommentar von",
    "Bericht": "Ein Bericht von",
}
CREDIT_TYPES = ("Bild", "Foto", "Screenshot", "Grafik")


class Block(TypedDict):
    """One body block; `items` only on lists, table text is rows by newline, cells by ' | '."""

    type: BlockType
    text: str
    items: NotRequired[list[str]]


class Image(TypedDict):
    """An article image; `credit_type` is the form word the page prints ("Bild" if absent)."""

    url: str
    caption: str | None
    credit: str
    credit_type: NotRequired[str]


class Video(TypedDict):
    """An embedded video.golem.de video."""

    url: str
    title: str
    duration_seconds: int


def paragraph(text: str) -> Block:
    """A paragraph block."""
    return {"type": "paragraph", "text": text}


def heading(text: str) -> Block:
    """A sub-heading block."""
    return {"type": "heading", "text": text}


def list_block(items: list[str]) -> Block:
    """A list block; its text is the items joined by newlines, as the record wants it."""
    return {"type": "list", "text": "\n".join(items), "items": list(items)}


def table_block(rows: list[list[str]]) -> Block:
    """A table block; the first row is rendered as the header row."""
    return {"type": "table", "text": "\n".join(" | ".join(cells) for cells in rows)}


def table_rows(block: Block) -> list[list[str]]:
    """The cells of a table block, recovered from its text."""
    return [line.split(" | ") for line in block["text"].split("\n")]


def iso_berlin(dt: datetime) -> str:
    """ISO 8601 with seconds and the Europe/Berlin offset of that instant."""
    return dt.astimezone(BERLIN).isoformat(timespec="seconds")


def iso_duration(seconds: int) -> str:
    """ISO 8601 duration as the record writes it: PT1H24M10S, PT3M5S."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}H" if hours else "", f"{minutes}M" if minutes else ""]
    parts.append(f"{secs}S" if secs or not seconds else "")
    return "PT" + "".join(parts)


def author_url(slug: str, base: str = CANONICAL_BASE) -> str:
    """The author page of a golem.de author."""
    return f"{base}/specials/autor-{slug}/"


@dataclass
class ArticleSpec:
    """One article as the truth: what the replica renders and what the archive must record.

    Constraints the real layouts impose: classic pages carry no videos and no sponsored label
    (no markup for them is known); the current layout loads the forum thread by script, so a
    current article has no `comments_url`, and it shows no comment count below 1.
    """

    id: str
    yymm: str
    slug: str
    layout: Layout
    title: str
    published: datetime
    pages: list[list[Block]]
    kicker: str | None = None
    summary: str | None = None
    authors: list[tuple[str, str]] = field(default_factory=list)
    genre: str | None = None
    modified: datetime | None = None
    images: list[Image] = field(default_factory=list)
    videos: list[Video] = field(default_factory=list)
    topics: list[tuple[str, str]] = field(default_factory=list)
    paywall: bool = False
    opinion: bool = False
    sponsored: bool = False
    comment_count: int | None = None
    comments_url: str | None = None
    related: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        problems = []
        if not re.fullmatch(r"\d{6}", self.id):
            problems.append("id must be 6 digits")
        if not re.fullmatch(r"\d{4}", self.yymm):
            problems.append("yymm must be 4 digits")
        if self.layout not in ("classic", "current"):
            problems.append("layout must be classic or current")
        if not self.pages or not all(self.pages):
            problems.append("every page needs at least one block")
        for name in ("published", "modified"):
            value = getattr(self, name)
            if value is not None and (value.tzinfo is None or value.second == 0):
                problems.append(f"{name} must be timezone-aware with non-zero seconds")
        if self.genre is not None and self.genre not in GENRE_PHRASES:
            problems.append(f"genre must be one of {sorted(GENRE_PHRASES)}")
        if self.layout == "classic" and (self.videos or self.sponsored):
            problems.append("classic pages have no known markup for videos or sponsored labels")
        if self.layout == "current" and self.comments_url is not None:
            problems.append("current pages do not show the forum thread")
        if self.layout == "current" and self.comment_count == 0:
            problems.append("current pages show no count below 1: use None")
        if problems:
            raise ValueError(f"article {self.id}: " + "; ".join(problems))

    # -- derived values the renderers and the expectations share --------------------------

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def headline(self) -> str:
        return f"{self.kicker}: {self.title}" if self.kicker else self.title

    @property
    def blocks(self) -> list[Block]:
        """All pages' blocks in reading order."""
        return [block for page in self.pages for block in page]

    @property
    def text(self) -> str:
        return "\n\n".join(block["text"] for block in self.blocks)

    @property
    def short_url(self) -> str:
        return f"https://glm.io/{self.id}"

    @property
    def genre_phrase(self) -> str | None:
        return GENRE_PHRASES[self.genre] if self.genre else None

    def path(self, page: int = 1) -> str:
        """URL path of page `page`; page 1 has no page suffix."""
        suffix = f"-{page}" if page > 1 else ""
        return f"/news/{self.slug}-{self.yymm}-{self.id}{suffix}.html"

    def url(self, base: str = CANONICAL_BASE, page: int = 1) -> str:
        return base + self.path(page)

    # -- expectations ------------------------------------------------------------------

    def expected_record(
        self,
        base: str = CANONICAL_BASE,
        articles: Mapping[str, ArticleSpec] | None = None,
    ) -> dict:
        """The record fields of record-schema.md that the page decides (no crawl-time fields).

        `articles` resolves the related ids to their kicker and title; it is required when
        the spec has related articles.
        """
        if self.related and articles is None:
            raise ValueError("pass articles= to resolve related article ids")
        text = self.text
        return {
            "kind": "article",
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "url": self.url(base),
            "short_url": self.short_url,
            "kicker": self.kicker,
            "title": self.title,
            "headline": self.headline,
            "summary": self.summary,
            "authors": [
                {"name": name, "url": author_url(slug, base)} for name, slug in self.authors
            ],
            "genre": self.genre,
            "published": iso_berlin(self.published),
            "modified": iso_berlin(self.modified) if self.modified else None,
            "body": [_block_record(block) for block in self.blocks],
            "text": text,
            "word_count": len(text.split()),
            "images": [
                {**_image_record(image), "path": None, "checksum": None} for image in self.images
            ],
            "videos": [
                {
                    "url": v["url"],
                    "title": v["title"],
                    "duration": iso_duration(v["duration_seconds"]),
                }
                for v in self.videos
            ],
            "topics": [name for name, _ in self.topics],
            "paywall": self.paywall,
            "opinion": self.opinion,
            "sponsored": self.sponsored,
            "page_count": self.page_count,
            "comment_count": self.comment_count,
            "comments_url": self.comments_url,
            "related": [_related_record(articles[rid], base) for rid in self.related]
            if articles is not None
            else [],
            "language": "de",
            "layout": self.layout,
            "fallbacks": [],
            "source": "live",
        }

    def expected_teaser(
        self,
        page_url: str,
        block: str | None,
        position: int,
        *,
        with_image: bool,
        base: str = CANONICAL_BASE,
    ) -> dict:
        """The teaser record for this article on an index page (no `seen_at`)."""
        image = _image_record(self.images[0]) if with_image and self.images else None
        return {
            "kind": "teaser",
            "schema_version": SCHEMA_VERSION,
            "page_url": page_url,
            "block": block,
            "position": position,
            "url": self.url(base),
            "id": self.id,
            "kicker": self.kicker,
            "title": self.title,
            "summary": self.summary,
            "image": image,
        }


def _block_record(block: Block) -> dict:
    record: dict = {"type": block["type"], "text": block["text"]}
    if block["type"] == "list":
        record["items"] = list(block["items"])
    return record


def _image_record(image: Image) -> dict:
    return {"url": image["url"], "caption": image["caption"], "credit": image["credit"]}


def _related_record(spec: ArticleSpec, base: str) -> dict:
    return {"url": spec.url(base), "id": spec.id, "kicker": spec.kicker, "title": spec.title}
