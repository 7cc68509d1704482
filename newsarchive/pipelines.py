"""Item pipelines: one class per normalisation concern, then validation.

Order (settings.ITEM_PIPELINES): text → dates → captions → content hash → validation.
Each pipeline reads and writes the item through itemadapter, so the same classes serve the
crawl and the offline doors (`newsarchive.extract`, WARC reparse) unchanged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem

from newsarchive import schema
from newsarchive.clock import run_clock
from newsarchive.config import setting
from newsarchive.feeds import records_of_run, run_id
from newsarchive.items import ArticleItem, TeaserItem
from newsarchive.meta import Raw
from newsarchive.normalise.captions import normalise_caption
from newsarchive.normalise.dates import (
    MachineReading,
    calibrate,
    format_instant,
    format_utc,
    instant_of,
    parse_german_wallclock,
    warm_up,
)
from newsarchive.normalise.text import clean_code, clean_lines, clean_text, count_words
from newsarchive.parsers.common import article_id
from newsarchive.state import (
    ArticleState,
    StateExtension,
    StateStore,
    VersionState,
    parse_instant,
)
from newsarchive.writes import WriteLedger, ledger_for

logger = logging.getLogger(__name__)

DROP_STAT = "newsarchive/dropped/{reason}"


class _Pipeline:
    """Shared wiring: stats from the crawler when there is one, none offline."""

    def __init__(self, stats: Any = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(stats=crawler.stats)

    def count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


def _clean_block(block: dict[str, Any]) -> dict[str, Any] | None:
    kind = block["type"]
    if kind == "list":
        items = [item for item in (clean_text(i) for i in block.get("items", [])) if item]
        return {"type": "list", "text": "\n".join(items), "items": items} if items else None
    if kind == "code":
        text = clean_code(block.get("text"))
    elif kind == "table":
        text = clean_lines(block.get("text"))
    else:
        text = clean_text(block.get("text"))
    return {"type": kind, "text": text} if text else None


class TextPipeline(_Pipeline):
    """Every string field to normal form; headline, text and word_count composed from it."""

    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        for name in ("kicker", "title", "summary", "genre", "block"):
            if name in adapter:
                adapter[name] = clean_text(adapter[name])
        if adapter.get("kind") == "teaser":
            return item
        adapter["authors"] = [
            {"name": clean_text(a.get("name")), "url": a.get("url")}
            for a in adapter["authors"]
            if clean_text(a.get("name"))
        ]
        adapter["topics"] = [t for t in (clean_text(t) for t in adapter["topics"]) if t]
        adapter["videos"] = [
            {
                "url": v.get("url"),
                "title": clean_text(v.get("title")),
                "duration": v.get("duration"),
            }
            for v in adapter["videos"]
        ]
        adapter["related"] = [
            {
                "url": r["url"],
                "id": article_id(r["url"]),
                "kicker": clean_text(r.get("kicker")),
                "title": clean_text(r.get("title")),
            }
            for r in adapter["related"]
        ]
        body = [b for b in (_clean_block(block) for block in adapter["body"]) if b]
        adapter["body"] = body
        kicker, title = adapter["kicker"], adapter["title"]
        adapter["headline"] = f"{kicker}: {title}" if kicker and title else title
        adapter["text"] = "\n\n".join(block["text"] for block in body)
        adapter["word_count"] = count_words(adapter["text"])
        return item


class DatePipeline(_Pipeline):
    """German displayed dates → Berlin instants; crawl instants → UTC (see normalise.dates)."""

    def __init__(self, stats: Any = None) -> None:
        super().__init__(stats)
        warm_up()  # dateparser's language data: once per process, not on the first page

    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        raw = adapter["raw"]
        fetched_at: datetime = raw[Raw.FETCHED_AT]
        if adapter.get("kind") == "teaser":
            adapter["seen_at"] = format_utc(fetched_at)
            return item
        adapter["crawled_at"] = format_utc(fetched_at)
        # A capture from a web archive was taken at its own instant; a live page when fetched.
        # Relative dates on the page ("heute") speak of the day it was captured.
        captured_at: datetime = raw.get(Raw.CAPTURED_AT) or fetched_at
        adapter["captured_at"] = format_utc(captured_at)
        display = raw.get(Raw.PUBLISHED_DISPLAY)
        shown = parse_german_wallclock(display, captured_at) if display else None
        published_wall = shown[0] if shown and shown[1] else None
        # How this page writes machine times (false "Z" or not), learnt from the one value
        # it also displays, then applied to values it does not display (dateModified).
        # Where no value tells (no displayed date, or machine values that contradict it), the
        # layout era's known habit decides.
        reading = None
        for machine in raw.get(Raw.PUBLISHED_MACHINE, []):
            reading = calibrate(published_wall, machine)
            if reading is not None:
                break
        if reading is None:
            reading = MachineReading(false_utc=bool(raw.get(Raw.JSONLD_WALL_CLOCK)))
        published = instant_of(shown, raw.get(Raw.PUBLISHED_MACHINE, []), reading)
        # No page displays its update: the machine values alone say when it was.
        modified = instant_of(None, raw.get(Raw.MODIFIED_MACHINE, []), reading)
        if published is None:
            self.count("newsarchive/dates/unreadable_published")
        adapter["published"] = format_instant(published)
        adapter["modified"] = format_instant(modified)
        return item


class CaptionPipeline(_Pipeline):
    """Caption and credit of every image split and unwrapped (see normalise.captions)."""

    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        if adapter.get("kind") == "teaser":
            image = adapter.get("image")
            adapter["image"] = self._image(image) if image else None
            return item
        adapter["images"] = [
            {**self._image(image), "path": image.get("path"), "checksum": image.get("checksum")}
            for image in adapter["images"]
        ]
        return item

    @staticmethod
    def _image(image: dict[str, Any]) -> dict[str, Any]:
        caption, credit = normalise_caption(
            image.get("caption"), image.get("credit"), image.get("alt")
        )
        return {"url": image["url"], "caption": caption, "credit": credit}


# One encoder for every record: json.dumps with options builds a new one on each call.
_HASH_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def content_hash(headline: str | None, summary: str | None, text: str | None) -> str:
    """sha256 over the normalised headline, summary and text (JSON array, UTF-8)."""
    payload = _HASH_JSON.encode([headline, summary, text])
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ContentHashPipeline(_Pipeline):
    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        if adapter.get("kind") == "article":
            adapter["content_hash"] = content_hash(
                adapter["headline"], adapter["summary"], adapter["text"]
            )
        return item


def record_of(item: Any) -> dict[str, Any]:
    """The record an item will be written as: the schema's fields, in schema order."""
    if isinstance(item, (ArticleItem, TeaserItem)):
        # Our dataclasses hold every record field as an attribute: read them directly
        # (an ItemAdapter costs more than the rest of this; it runs twice per record).
        return {name: getattr(item, name, None) for name in schema.record_fields(item.kind)}
    adapter = ItemAdapter(item)
    return {name: adapter.get(name) for name in schema.record_fields(adapter["kind"])}


class ValidationPipeline(_Pipeline):
    """Drop (and count, and log) any record that breaks the schema: never half-empty."""

    def process_item(self, item, spider=None):
        record = record_of(item)
        reasons = schema.problems(record)
        if record["kind"] == "article" and not record["body"] and not record["paywall"]:
            reasons.insert(0, "body: no text on a free article")
        if reasons:
            reason = _reason_key(reasons[0])
            self.count(DROP_STAT.format(reason=reason))
            raise DropItem(
                f"{record['kind']} {record.get('id') or record.get('url')} from "
                f"{record.get('source_url') or record.get('page_url')}: {'; '.join(reasons[:5])}"
            )
        return item


def _reason_key(problem: str) -> str:
    """ "published: None is not of type 'string'" → "invalid_published"."""
    field = problem.split(":", 1)[0].split("/", 1)[0]
    if field == "body" and "no text" in problem:
        return "empty_body"
    return "invalid_" + ("record" if field.startswith("(") else field)


class StatePipeline(_Pipeline):
    """Versions against the state store: new → 1, changed → +1, unchanged → not written.

    Versions follow content, live or archived: a page is compared with the version that
    stood when it was captured and with the next one (a web-archive capture may be older
    than versions already written); equal to either, it is no new version. New content
    takes the next number whenever it was captured, and keeps its `captured_at`: a capture
    older than a version already written is counted as `newsarchive/captures/out_of_order`.

    The store learns of an article only from `item_scraped`, which Scrapy sends after the
    feed exporter (an extension, connected first) has written the record, and only when the
    write ledger (`newsarchive.writes`) saw every feed write of that record succeed: a record
    is on disk before the state says it is archived, so neither a kill nor a full disk loses
    an article. When the state write itself fails, the record is taken out of the feeds
    again, so the next run writes it once. After a failed feed or state write the run stops,
    and the records still on their way are dropped unwritten.
    """

    def __init__(
        self,
        stats: Any = None,
        store: StateStore | None = None,
        ledger: WriteLedger | None = None,
        crawler: Any = None,
        output_folder: str | None = None,
    ) -> None:
        super().__init__(stats)
        self.store = store
        # Id -> (content hash, version) of each article passed on this run. Two URLs of one
        # article (an alias) fetched at once can both reach this pipeline before the first
        # record is stored; the second is then no new version of the first. (Web-archive
        # captures are ordered by capture time below instead.)
        self.this_run: dict[str, tuple[str, int]] = {}
        # Versions passed on this run, by article, until the store has them.
        self.this_run_versions: dict[str, list[VersionState]] = {}
        self.ledger = ledger
        self.crawler = crawler
        self.now = run_clock(crawler.settings if crawler is not None else None)
        # Where the run's feed files go, as the pending rows name it (see settle_pending).
        self.output_folder = output_folder

    @classmethod
    def from_crawler(cls, crawler):
        # Extensions are built before the engine builds the pipelines: the state is there.
        state = crawler.get_extension(StateExtension)
        pipeline = cls(
            stats=crawler.stats,
            store=state.store if state is not None else None,
            ledger=ledger_for(crawler),
            crawler=crawler,
            output_folder=str(Path(setting(crawler.settings, "NEWSARCHIVE_OUTPUT_DIR")).resolve()),
        )
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        return pipeline

    def open_spider(self, spider=None):
        if self.store is not None:
            try:
                self.settle_pending()
            except sqlite3.Error as error:  # the pending rows stay for the next run
                self._state_failed(error)

    def settle_pending(self) -> None:
        """Records an earlier run noted on their way to its feed files but never marked (it
        was killed between the write and the mark): marked archived when the record is
        whole in that run's files, forgotten otherwise (the article is fetched again)."""
        for pending in self.store.pending():
            found = next(
                (
                    record
                    for record in records_of_run(pending.folder, pending.run_id)
                    if record.get("id") == pending.id
                    and record.get("content_hash") == pending.content_hash
                    and record.get("version") == pending.version
                ),
                None,
            )
            if found is None:
                self.store.forget_pending(pending.id)
                self.count("newsarchive/state/settled/unwritten")
                continue
            self.store.record_archived(found, pending.lastmod, self.now(), links=pending.links)
            self.count("newsarchive/state/settled/written")

    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        if self.ledger is not None and self.ledger.stopped:
            self.count("newsarchive/not_written")
            raise DropItem(f"{adapter.get('kind')} not written: a write failed", "DEBUG")
        if adapter.get("kind") != "article" or self.store is None:
            return item
        earlier = self.this_run.get(adapter["id"])
        live = not adapter["raw"].get(Raw.CAPTURE)
        if earlier is not None and live and not adapter["raw"].get(Raw.FORCED):
            if earlier[0] == adapter["content_hash"]:
                self.count("newsarchive/articles/duplicate")
                raise DropItem(f"article {adapter['id']} written already this run", "DEBUG")
            adapter["version"] = earlier[1] + 1
            self.count("newsarchive/articles/changed")
            self.this_run[adapter["id"]] = (adapter["content_hash"], adapter["version"])
            self._note_pending(item, adapter)
            return item
        capture = adapter["raw"].get(Raw.CAPTURE)
        if capture is not None and self.store.capture_read(capture.key):
            # Fetched again by a run resumed from a JOBDIR queue that still held it.
            self.count("newsarchive/captures/archived_already")
            raise DropItem(f"capture {capture.key} archived already", "DEBUG")
        known = self.store.lookup(adapter["id"])
        captured_at = parse_instant(adapter["captured_at"]) or self.now()
        versions = self._versions(adapter["id"], known)
        before = next((v for v in reversed(versions) if v.captured_at <= captured_at), None)
        after = next((v for v in versions if v.captured_at > captured_at), None)
        if not versions:
            adapter["version"] = 1
            self.count("newsarchive/articles/new")
        elif (before and before.content_hash == adapter["content_hash"]) or (
            after and after.content_hash == adapter["content_hash"]
        ):
            # The content of the version that stood then, or of the next one (captured
            # earlier than it was known): no new version.
            same = before if before and before.content_hash == adapter["content_hash"] else after
            assert same is not None
            try:
                self.store.record_checked(
                    adapter["id"],
                    _lastmod(adapter),
                    self.now(),
                    captured_at,
                    capture,
                    links=adapter["raw"].get(Raw.LINKS),
                )
            except sqlite3.Error as error:
                self._state_failed(error)
                raise DropItem(f"article {adapter['id']} not written: {error}", "DEBUG") from error
            self.count("newsarchive/articles/unchanged")
            if same is after:
                self.count("newsarchive/captures/earlier_copy")
            if not adapter["raw"].get(Raw.FORCED):
                raise DropItem(
                    f"article {adapter['id']} unchanged since version {same.version}", "DEBUG"
                )
            adapter["version"] = same.version  # asked for by URL: written again, same version
        else:
            # New content: the next number, whenever it was captured. A capture older than
            # a version already written keeps its own `captured_at`; readers order versions
            # by it (docs/records.md, "Versions").
            adapter["version"] = max(v.version for v in versions) + 1
            self.count("newsarchive/articles/changed")
            if after is not None:
                self.count("newsarchive/captures/out_of_order")
        self.this_run_versions.setdefault(adapter["id"], []).append(
            VersionState(adapter["version"], adapter["content_hash"], captured_at)
        )
        self.this_run[adapter["id"]] = (adapter["content_hash"], adapter["version"])
        self._note_pending(item, adapter)
        return item

    def _versions(self, article: str, known: ArticleState | None) -> list[VersionState]:
        """The article's versions in capture order: those in the store and those passed on
        this run (whose `item_scraped` may not have reached the store yet)."""
        stored = self.store.versions(article) if known is not None else []
        if known is not None and not stored:
            stored = [VersionState(known.version, known.content_hash, known.captured_at)]
        numbers = {v.version for v in stored}
        mine = [v for v in self.this_run_versions.get(article, []) if v.version not in numbers]
        return sorted(stored + mine, key=lambda v: (v.captured_at, v.version))

    def _note_pending(self, item: Any, adapter: ItemAdapter) -> None:
        """Note the record in the state before it is written (see `settle_pending`)."""
        if self.crawler is None:
            return  # no run, no feed files (the pipeline used on its own)
        try:
            self.store.record_pending(
                record_of(item),
                self.output_folder,
                run_id(self.crawler.spider),
                _lastmod(adapter),
                adapter["raw"].get(Raw.LINKS),
            )
        except sqlite3.Error as error:
            self._state_failed(error)
            raise DropItem(f"article {adapter['id']} not written: {error}", "DEBUG") from error

    def item_scraped(self, item, response=None, spider=None):
        adapter = ItemAdapter(item)
        kind = adapter.get("kind")
        if self.ledger is not None:
            written, writes = self.ledger.finish_item()
            if not written:
                self.ledger.rollback_item(writes)
                self._not_written(kind, adapter)
                return
            if not writes:  # no feed took the record: it is nowhere on disk
                self.ledger.failed("feed", f"{kind} {adapter.get('id')}", OSError("no feed"))
                self._not_written(kind, adapter)
                return
        if kind == "article" and self.store is not None:
            try:
                self.store.record_archived(
                    record_of(item),
                    _lastmod(adapter),
                    self.now(),
                    adapter["raw"].get(Raw.CAPTURE),
                    links=adapter["raw"].get(Raw.LINKS),
                )
            except sqlite3.Error as error:
                self._state_failed(error)
                if self.ledger is not None:
                    self.ledger.rollback_item(writes)
                self._not_written(kind, adapter)
                return
        self.count(f"newsarchive/written/{kind}")

    def _not_written(self, kind: str, adapter: ItemAdapter) -> None:
        self.count(f"newsarchive/not_written/{kind}")
        if kind == "article" and self.store is not None:
            try:
                self.store.forget_pending(adapter["id"])
            except sqlite3.Error:
                pass  # the next run finds the record is not on disk, and forgets it then

    def _state_failed(self, error: sqlite3.Error) -> None:
        if self.ledger is not None:
            self.ledger.failed("state", self.store.path if self.store else "state", error)
        else:
            raise error


def _lastmod(adapter: ItemAdapter) -> datetime | None:
    return parse_instant(adapter["raw"].get(Raw.LASTMOD))


# The normalising pipelines, in order: the crawl runs them (settings.ITEM_PIPELINES) and so
# do the offline doors; state and versioning come after them in the crawl only.
NORMALISING_PIPELINES: tuple[type[_Pipeline], ...] = (
    TextPipeline,
    DatePipeline,
    CaptionPipeline,
    ContentHashPipeline,
    ValidationPipeline,
)
