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
            " last_checked, published, modified, lastmod FROM articles WHERE id = ?",
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

    def record_archived(self, record: dict, lastmod: datetime | None, at: datetime) -> None:
        """Remember an article whose record is now on disk (new or changed version)."""
        self.db.execute(
            """
            INSERT INTO articles (id, url, content_hash, version, first_archived, last_archived,
                                  last_checked, published, modified, lastmod)
            VALUES (:id, :url, :hash, :version, :at, :at, :at, :published, :modified, :lastmod)
            ON CONFLICT(id) DO UPDATE SET
                url = excluded.url, content_hash = excluded.content_hash,
                version = excluded.version, last_archived = excluded.last_archived,
                last_checked = excluded.last_checked, published = excluded.published,
                modified = excluded.modified,
                lastmod = COALESCE(excluded.lastmod, articles.lastmod)
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
            },
        )

    def record_checked(self, article_id: str, lastmod: datetime | None, at: datetime) -> None:
        """Remember that an article was fetched again and found unchanged."""
        self.db.execute(
            "UPDATE articles SET last_checked = ?, lastmod = COALESCE(?, lastmod) WHERE id = ?",
            (_iso(at), _iso(lastmod), article_id),
        )


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
