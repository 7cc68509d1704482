"""What persists between runs: one row per archived article, in SQLite.

SQLite from the standard library is the embedded default: no server for a cron job to keep
alive, one file in `NEWSARCHIVE_STATE_DIR` to back up. The store answers two questions: is an
article worth fetching again (`should_fetch`), and which version a changed article becomes
(`lookup`). An article is recorded (`record_archived`) only after its record is written.
"""

from __future__ import annotations

import sqlite3
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DB_NAME = "newsarchive.sqlite3"

# Each entry upgrades the schema by one version; the database remembers how far it got
# (PRAGMA user_version), so an old state folder is migrated in place on the next run.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        version INTEGER NOT NULL,
        first_archived TEXT NOT NULL,
        last_archived TEXT NOT NULL,
        last_checked TEXT NOT NULL,
        published TEXT,
        modified TEXT,
        lastmod TEXT
    );
    """,
    # Web-archive captures (newsarchive.sources): the capture instant of each article's last
    # version, so versions follow capture time, and every capture read, so none is fetched
    # twice (by its key, or by an article's content digest already read).
    """
    ALTER TABLE articles ADD COLUMN captured_at TEXT;
    CREATE TABLE captures (
        key TEXT PRIMARY KEY,
        article_id TEXT NOT NULL,
        digest TEXT,
        captured_at TEXT NOT NULL,
        archived TEXT NOT NULL
    );
    CREATE INDEX captures_by_digest ON captures (article_id, digest);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class ArticleState:
    id: str
    url: str
    content_hash: str
    version: int
    first_archived: datetime
    last_archived: datetime
    last_checked: datetime
    published: datetime | None
    modified: datetime | None
    lastmod: datetime | None
    # Capture instant of the last version (the fetch instant for a live page); for rows
    # written before captures were known, when it was archived.
    captured_at: datetime | None = None


def parse_instant(value: str | None) -> datetime | None:
    """An ISO 8601 instant (with offset or Z, as sitemaps and records write them)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


class StateStore:
    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / DB_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        # WAL: a reader never blocks the writer, and a killed writer leaves the last
        # committed state intact; NORMAL sync is durable across a process kill.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.migrate()

    def migrate(self) -> None:
        current = self.db.execute("PRAGMA user_version").fetchone()[0]
        if current > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has state schema {current}, newer than this newsarchive "
                f"({SCHEMA_VERSION}); upgrade newsarchive"
            )
        for number in range(current, SCHEMA_VERSION):
            with self.db:
                self.db.execute("BEGIN")
                self.db.executescript(MIGRATIONS[number])
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    def close(self) -> None:
        self.db.close()

    def lookup(self, article_id: str) -> ArticleState | None:
        row = self.db.execute(
            "SELECT id, url, content_hash, version, first_archived, last_archived,"
            " last_checked, published, modified, lastmod, COALESCE(captured_at, last_archived)"
            " FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        if row is None:
            return None
        return ArticleState(
            *row[:4],
            *(parse_instant(value) for value in row[4:]),  # type: ignore[arg-type]
        )

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def record_archived(
        self, record: dict, lastmod: datetime | None, at: datetime, capture: Any = None
    ) -> None:
        """Remember an article whose record is now on disk (new or changed version), and
        the archive capture it was read from."""
        with self.db:  # the article and its capture together, or neither
            self.db.execute("BEGIN")
            self.db.execute(
                """
                INSERT INTO articles (id, url, content_hash, version, first_archived,
                                      last_archived, last_checked, published, modified,
                                      lastmod, captured_at)
                VALUES (:id, :url, :hash, :version, :at, :at, :at, :published, :modified,
                        :lastmod, :captured_at)
                ON CONFLICT(id) DO UPDATE SET
                    url = excluded.url, content_hash = excluded.content_hash,
                    version = excluded.version, last_archived = excluded.last_archived,
                    last_checked = excluded.last_checked, published = excluded.published,
                    modified = excluded.modified,
                    lastmod = COALESCE(excluded.lastmod, articles.lastmod),
                    captured_at = excluded.captured_at
                """,
                {
                    "id": record["id"],
                    "url": record["url"],
                    "hash": record["content_hash"],
                    "version": record["version"],
                    "at": _iso(at),
                    "published": record.get("published"),
                    "modified": record.get("modified"),
                    "lastmod": _iso(lastmod),
                    "captured_at": _iso(parse_instant(record.get("captured_at"))) or _iso(at),
                },
            )
            self._capture_read(capture, at)

    def record_checked(
        self,
        article_id: str,
        lastmod: datetime | None,
        at: datetime,
        captured_at: datetime | None = None,
        capture: Any = None,
    ) -> None:
        """Remember that an article was fetched again (or a capture of it read) and found
        unchanged: its last version now stands as of `captured_at` as well."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "UPDATE articles SET last_checked = ?, lastmod = COALESCE(?, lastmod),"
                " captured_at = MAX(COALESCE(captured_at, ''), COALESCE(?, ''))"
                " WHERE id = ?",
                (_iso(at), _iso(lastmod), _iso(captured_at), article_id),
            )
            self._capture_read(capture, at)

    def _capture_read(self, capture: Any, at: datetime) -> None:
        if capture is None:
            return
        self.db.execute(
            "INSERT OR IGNORE INTO captures (key, article_id, digest, captured_at, archived)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                capture.key,
                capture.article_id,
                capture.digest,
                _iso(capture.captured_at),
                _iso(at),
            ),
        )

    def capture_known(self, capture: Any) -> str | None:
        """Why a web-archive capture is not worth fetching, or None: read by an earlier run
        (`archived`), the same bytes as one read before (`digest_archived`), or older than
        the article's last version (`older_than_archived`: versions follow capture time)."""
        if self.db.execute("SELECT 1 FROM captures WHERE key = ?", (capture.key,)).fetchone():
            return "archived"
        if (
            capture.digest
            and self.db.execute(
                "SELECT 1 FROM captures WHERE article_id = ? AND digest = ?",
                (capture.article_id, capture.digest),
            ).fetchone()
        ):
            return "digest_archived"
        known = self.lookup(capture.article_id)
        if known is not None and known.captured_at and capture.captured_at <= known.captured_at:
            return "older_than_archived"
        return None


@dataclass(frozen=True)
class RefetchPolicy:
    """When an archived article is worth fetching again.

    Evidence of change: a sitemap or feed `lastmod` newer than the one seen at the last
    fetch (or, lacking that, newer than the record's own modified date). Young articles get
    corrected after publication, so within `recheck_window` of publication an article is
    fetched again once `recheck_interval` has passed since its last check.
    """

    recheck_window: timedelta = timedelta(days=3)
    recheck_interval: timedelta = timedelta(hours=6)

    def should_fetch(
        self, known: ArticleState | None, lastmod: datetime | None, now: datetime
    ) -> tuple[bool, str]:
        if known is None:
            return True, "new"
        seen = known.lastmod or known.modified or known.published
        if lastmod is not None and (seen is None or lastmod > seen):
            return True, "lastmod"
        published = known.published or known.first_archived
        young = now - published < self.recheck_window
        if young and now - known.last_checked >= self.recheck_interval:
            return True, "recheck"
        return False, "unchanged"


def open_store(folder: str | Path | None) -> StateStore | None:
    return StateStore(folder) if folder else None


_STORES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def store_for(crawler) -> StateStore | None:
    """The crawler's one state store (shared by the incremental filter and the versioning
    pipeline), or None when `NEWSARCHIVE_STATE_ENABLED` is off."""
    if not crawler.settings.getbool("NEWSARCHIVE_STATE_ENABLED", True):
        return None
    if crawler not in _STORES:
        _STORES[crawler] = StateStore(crawler.settings.get("NEWSARCHIVE_STATE_DIR"))
    return _STORES[crawler]


def policy_for(settings) -> RefetchPolicy:
    return RefetchPolicy(
        recheck_window=timedelta(hours=settings.getfloat("NEWSARCHIVE_RECHECK_WINDOW_HOURS", 72)),
        recheck_interval=timedelta(
            hours=settings.getfloat("NEWSARCHIVE_RECHECK_INTERVAL_HOURS", 6)
        ),
    )
