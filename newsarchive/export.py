"""One SQLite database (and Parquet files) from all runs' files: `scrapy export PATH.sqlite`.

Tables (sqlite-utils builds and updates them; nested fields are JSON text):

- `article_versions`: every article record of every run, key (id, version, crawled_at);
- `articles`: the current version of each article (the one captured last; on a tie the
  highest `version`, then the latest fetch), one row per id, with an FTS5 index over
  headline, summary and text. Capture time decides, not the number: a web-archive capture
  older than a version already archived gets the next number (docs/records.md, "Versions");
- `authors`, `topics`, `images`: one row per author, topic, image of a current article;
- `teasers`: every teaser record, key (page_url, seen_at, position);
- `_newsarchive_files`: the feed files already imported (name, size); a later export reads
  only files that are new or have changed, and rebuilds only the articles they touch;
- `_newsarchive_metadata`: the Datasette metadata (titles, descriptions, facets), read by
  the plugin in `newsarchive.datasette_plugin`, and written beside the db as JSON too.

Full-text tokeniser: `unicode61 remove_diacritics 0`. Words are split at white space and
punctuation and case-folded, umlauts and ß stay themselves ("Bär" is not "Bar", "schön" not
"schon"), and the index stays about the size of the text. SQLite has no German stemmer or
compound splitter; `trigram` would find word parts ("faser" in "Glasfaserausbau") but makes an
index several times the text and misses words under three letters. Compounds are found by
their start with a prefix query (`Glasfaser*`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from newsarchive import schema
from newsarchive.archive import FeedFile, feed_files, read_records

logger = logging.getLogger(__name__)

TOKENIZE = "unicode61 remove_diacritics 0"
FTS_COLUMNS = ("headline", "summary", "text")
METADATA_TABLE = "_newsarchive_metadata"
FILES_TABLE = "_newsarchive_files"
TABLES = ("articles", "article_versions", "authors", "topics", "images", "teasers")
# Columns an export adds to the record's own fields.
EXTRA_ARTICLE_COLUMNS = {
    "month": (str, "Month of publication (YYYY-MM, Berlin time), for facets and plots."),
    "author_names": (str, "The authors' names as a JSON array, for facets."),
    "run": (str, "The run (UTC start, suffix: 20261128T091453Z-3fa2c1) whose file held it."),
}

_SQL_TYPES = {"integer": int, "boolean": int, "string": str, "number": float}


def _column_type(spec: dict[str, Any]) -> type:
    kinds = spec.get("type")
    if kinds is None and "$ref" in spec:
        return str
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or ["string"])
    kinds = [k for k in kinds if k != "null"] or ["string"]
    return _SQL_TYPES.get(kinds[0], str)  # arrays and objects: JSON text


def record_columns(kind: str) -> dict[str, type]:
    properties = schema.schema(kind)["properties"]
    return {name: _column_type(spec) for name, spec in properties.items() if name != "kind"}


def descriptions(kind: str) -> dict[str, str]:
    properties = schema.schema(kind)["properties"]
    return {name: spec.get("description", "") for name, spec in properties.items()}


@dataclass
class ExportResult:
    files_read: int = 0
    files_skipped: int = 0
    article_records: int = 0
    teaser_records: int = 0
    articles_touched: set[str] = field(default_factory=set)


def _article_row(record: dict[str, Any], run: str) -> dict[str, Any]:
    row = {name: record.get(name) for name in record_columns("article")}
    for name in ("paywall", "opinion", "sponsored"):
        row[name] = int(bool(row[name])) if row[name] is not None else None
    published = record.get("published") or ""
    row["month"] = published[:7] or None
    row["author_names"] = json.dumps(
        [a.get("name") for a in record.get("authors") or []], ensure_ascii=False
    )
    row["run"] = run
    for name, value in row.items():
        if isinstance(value, (list, dict)):
            row[name] = json.dumps(value, ensure_ascii=False)
    return row


def _teaser_row(record: dict[str, Any], run: str) -> dict[str, Any]:
    row = {name: record.get(name) for name in record_columns("teaser")}
    image = record.get("image") or None
    row["image"] = json.dumps(image, ensure_ascii=False) if image else None
    row["image_url"] = image.get("url") if image else None
    row["day"] = (record.get("seen_at") or "")[:10] or None
    row["run"] = run
    return row


class ArchiveDatabase:
    """The export database: created on first use, updated from new feed files after."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite_utils.Database(path)
        self.db.conn.execute("PRAGMA journal_mode=WAL")
        self.create()

    def create(self) -> None:
        db = self.db
        article = {
            **record_columns("article"),
            **{k: t for k, (t, _) in EXTRA_ARTICLE_COLUMNS.items()},
        }
        db["articles"].create(article, pk="id", if_not_exists=True)
        db["article_versions"].create(
            article,
            pk=("id", "version", "crawled_at"),
            foreign_keys=[("id", "articles", "id")],
            if_not_exists=True,
        )
        child = {"article_id": str, "position": int, "month": str}
        db["authors"].create(
            {**child, "name": str, "url": str},
            pk=("article_id", "position"),
            foreign_keys=[("article_id", "articles", "id")],
            if_not_exists=True,
        )
        db["topics"].create(
            {**child, "topic": str},
            pk=("article_id", "position"),
            foreign_keys=[("article_id", "articles", "id")],
            if_not_exists=True,
        )
        db["images"].create(
            {**child, "url": str, "caption": str, "credit": str, "path": str, "checksum": str},
            pk=("article_id", "position"),
            foreign_keys=[("article_id", "articles", "id")],
            if_not_exists=True,
        )
        teaser = {**record_columns("teaser"), "image_url": str, "day": str, "run": str}
        db["teasers"].create(teaser, pk=("page_url", "seen_at", "position"), if_not_exists=True)
        db[FILES_TABLE].create(
            {"name": str, "kind": str, "run": str, "size": int, "records": int, "imported": str},
            pk="name",
            if_not_exists=True,
        )
        db[METADATA_TABLE].create({"key": str, "value": str}, pk="key", if_not_exists=True)
        for table, columns in (
            ("articles", ["month"]),
            ("articles", ["published"]),
            ("articles", ["layout"]),
            ("article_versions", ["crawled_at"]),
            ("authors", ["name"]),
            ("authors", ["month"]),
            ("topics", ["topic"]),
            ("topics", ["month"]),
            ("images", ["checksum"]),
            ("teasers", ["id"]),
            ("teasers", ["page_url", "block"]),
            ("teasers", ["day"]),
        ):
            db[table].create_index(columns, if_not_exists=True)
        if "articles_fts" not in db.table_names():
            db["articles"].enable_fts(FTS_COLUMNS, tokenize=TOKENIZE, create_triggers=True)

    # --- import ------------------------------------------------------------------------------
    def imported(self) -> dict[str, int]:
        return {row["name"]: row["size"] for row in self.db[FILES_TABLE].rows}

    def update(self, files: Iterable[FeedFile]) -> ExportResult:
        """Import what is new; rebuild the current rows of every article it touches."""
        result = ExportResult()
        known = self.imported()
        for feed in files:
            size = feed.size
            if known.get(feed.path.name) == size:
                result.files_skipped += 1
                continue
            with self.db.conn:
                records = self._import(feed, result)
                self.db[FILES_TABLE].upsert(
                    {
                        "name": feed.path.name,
                        "kind": feed.kind,
                        "run": feed.run,
                        "size": size,
                        "records": records,
                        "imported": datetime.now(UTC).isoformat(timespec="seconds"),
                    },
                    pk="name",
                )
            result.files_read += 1
        with self.db.conn:
            self._refresh_current(result.articles_touched)
        return result

    def _import(self, feed: FeedFile, result: ExportResult) -> int:
        rows = []
        for record in read_records(feed.path):
            if record.get("kind") != feed.kind:
                continue
            if feed.kind == "article":
                rows.append(_article_row(record, feed.run))
                result.articles_touched.add(record["id"])
            else:
                rows.append(_teaser_row(record, feed.run))
        table = "article_versions" if feed.kind == "article" else "teasers"
        pk = ("id", "version", "crawled_at") if feed.kind == "article" else None
        self.db[table].upsert_all(rows, pk=pk or ("page_url", "seen_at", "position"))
        if feed.kind == "article":
            result.article_records += len(rows)
        else:
            result.teaser_records += len(rows)
        return len(rows)

    def _refresh_current(self, ids: set[str]) -> None:
        """`articles` and its child tables for `ids`: from each id's version captured last."""
        db = self.db
        order = list(ids)
        for start in range(0, len(order), 500):
            batch = order[start : start + 500]
            marks = ",".join("?" * len(batch))
            current = list(
                db.query(
                    f"""SELECT * FROM (
                          SELECT *, row_number() OVER (
                            PARTITION BY id
                            ORDER BY COALESCE(captured_at, crawled_at) DESC, version DESC,
                                     crawled_at DESC) AS rank
                          FROM article_versions WHERE id IN ({marks}))
                        WHERE rank = 1""",
                    batch,
                )
            )
            for row in current:
                row.pop("rank")
            db["articles"].upsert_all(current, pk="id")
            for table in ("authors", "topics", "images"):
                db.execute(f"DELETE FROM {table} WHERE article_id IN ({marks})", batch)
            authors, topics, images = [], [], []
            for row in current:
                base = {"article_id": row["id"], "month": row["month"]}
                for position, author in enumerate(json.loads(row["authors"] or "[]"), 1):
                    authors.append({**base, "position": position, **author})
                for position, topic in enumerate(json.loads(row["topics"] or "[]"), 1):
                    topics.append({**base, "position": position, "topic": topic})
                for position, image in enumerate(json.loads(row["images"] or "[]"), 1):
                    images.append({**base, "position": position, **image})
            db["authors"].insert_all(authors)
            db["topics"].insert_all(topics)
            db["images"].insert_all(images)

    def write_metadata(self, metadata: dict[str, Any]) -> None:
        with self.db.conn:
            self.db[METADATA_TABLE].upsert(
                {"key": "datasette", "value": json.dumps(metadata, ensure_ascii=False)},
                pk="key",
            )

    def close(self) -> None:
        self.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.conn.close()


def datasette_metadata() -> dict[str, Any]:
    """Titles, descriptions, facets and column descriptions for Datasette (one database)."""
    article_columns = {
        **descriptions("article"),
        **{k: d for k, (_, d) in EXTRA_ARTICLE_COLUMNS.items()},
    }
    article_columns.pop("kind", None)
    teaser_columns = descriptions("teaser")
    teaser_columns.pop("kind", None)
    teaser_columns.update(
        image_url="URL of the teaser image.",
        day="Day the teaser was seen (UTC).",
        run="The run whose file held the record.",
    )
    child = {
        "article_id": "The article (its current version).",
        "position": "1-based order on the article page.",
        "month": "Month the article was published (YYYY-MM).",
    }
    return {
        "title": "newsarchive: golem.de",
        "description": "Articles of golem.de as archived by newsarchive: the current version "
        "of each article with full-text search, every version, authors, topics, images and "
        "what stood on the index pages.",
        "tables": {
            "articles": {
                "title": "Articles (current version)",
                "description": "One row per article: its version captured last. Search covers "
                "headline, summary and text; umlauts count (Bär is not Bar); a prefix query "
                "finds compounds (Glasfaser*) with the raw search mode (_searchmode=raw).",
                "facets": ["month", {"array": "topics"}, {"array": "author_names"}, "layout"],
                "sort_desc": "published",
                "label_column": "headline",
                "columns": article_columns,
            },
            "article_versions": {
                "title": "Every version of every article",
                "description": "Each record every run wrote; a changed article has one row "
                "per version.",
                "facets": ["month", "version", "layout"],
                "sort_desc": "crawled_at",
                "label_column": "headline",
                "columns": article_columns,
            },
            "authors": {
                "title": "Authors",
                "description": "One row per author of each current article.",
                "facets": ["name", "month"],
                "columns": {**child, "name": "Name as in the byline.", "url": "Author page."},
            },
            "topics": {
                "title": "Topics",
                "description": "One row per topic tag (Themenseite) of each current article.",
                "facets": ["topic", "month"],
                "columns": {**child, "topic": "The topic tag."},
            },
            "images": {
                "title": "Images",
                "description": "The articles' own images; path and checksum of the stored "
                "copy when images are archived (NEWSARCHIVE_IMAGES).",
                "facets": ["credit", "month"],
                "columns": {
                    **child,
                    **{
                        k: v
                        for k, v in {
                            "url": "Image URL.",
                            "caption": "Caption without the credit.",
                            "credit": "Who the image is by.",
                            "path": "The stored copy, relative to the output folder.",
                            "checksum": "Checksum of the stored copy.",
                        }.items()
                    },
                },
            },
            "teasers": {
                "title": "Teasers on index pages",
                "description": "Every teaser seen on the home page, ticker, topic and "
                "archive pages, per run: what stood where, and when.",
                "facets": ["page_url", "block", "day"],
                "sort_desc": "seen_at",
                "label_column": "title",
                "columns": teaser_columns,
            },
            FILES_TABLE: {"hidden": True},
            METADATA_TABLE: {"hidden": True},
        },
    }


def export(folder: Path, target: Path) -> ExportResult:
    """Build or update `target` from the feed files in `folder`; write its metadata."""
    target.parent.mkdir(parents=True, exist_ok=True)
    database = ArchiveDatabase(target)
    try:
        result = database.update(feed_files(folder))
        metadata = datasette_metadata()
        database.write_metadata(metadata)
    finally:
        database.close()
    beside = metadata_path(target)
    beside.write_text(
        json.dumps({"databases": {target.stem: metadata}}, ensure_ascii=False, indent=1),
        "utf-8",
    )
    return result


def metadata_path(target: Path) -> Path:
    return target.with_name(target.stem + ".metadata.json")


_JSON_COLUMNS = {
    "authors",
    "body",
    "images",
    "videos",
    "topics",
    "related",
    "fallbacks",
    "author_names",
    "image",
}


def export_parquet(database: Path, folder: Path) -> dict[str, int]:
    """Each table of the export database as `<folder>/<table>.parquet`; JSON text columns
    become nested Parquet columns (lists and structs) for DuckDB, pandas and Spark."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(database)
    written = {}
    try:
        for table in TABLES:
            columns = db[table].columns_dict
            rows = list(db[table].rows)
            for row in rows:
                for name in _JSON_COLUMNS.intersection(row):
                    if row[name] is not None:
                        row[name] = json.loads(row[name])
            arrow = pa.Table.from_pylist(rows) if rows else pa.table({c: [] for c in columns})
            staged = folder / f".{table}.parquet.part"
            pq.write_table(arrow, staged)
            staged.replace(folder / f"{table}.parquet")
            written[table] = len(rows)
    finally:
        db.conn.close()
    return written
