"""What persists between runs: one row per archived article, in SQLite.

SQLite from the standard library is the embedded default: no server for a cron job to keep
alive, one file in `NEWSARCHIVE_STATE_DIR` to back up. The store answers two questions: is an
article worth fetching again (`should_fetch`), and which version a changed article becomes
(`lookup`). An article is recorded (`record_archived`) only after its record is written.

Beside the articles it keeps what makes later runs cheaper without losing anything: the
article ids other URLs turned out to stand for (`aliases`), the articles that answered
404/410 (`gone`), and up to which `lastmod` each sitemap of the index has been read to the
end (`sitemaps`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newsarchive.config import setting
from newsarchive.feeds import archiving

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
    # Aliases, gone articles, and sitemaps read to the end (newsarchive.middlewares).
    """
    CREATE TABLE aliases (
        alias TEXT PRIMARY KEY,
        id TEXT NOT NULL
    );
    CREATE TABLE gone (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        status INTEGER NOT NULL,
        first_gone TEXT NOT NULL,
        last_checked TEXT NOT NULL
    );
    CREATE TABLE sitemaps (
        url TEXT PRIMARY KEY,
        lastmod TEXT,
        first_read TEXT NOT NULL,
        last_read TEXT NOT NULL
    );
    """,
    # The canonical URLs of the articles an article links to (JSON array), kept by runs
    # that follow links: a run skipping the article as known still follows them.
    """
    ALTER TABLE articles ADD COLUMN links TEXT;
    """,
    # Records on their way to a feed file: noted before the write, removed with the mark.
    # A run killed between the two leaves a row here; the next run looks for the record in
    # that run's files (`StatePipeline.settle_pending`) and marks it, or forgets it.
    """
    CREATE TABLE pending (
        id TEXT PRIMARY KEY,
        content_hash TEXT NOT NULL,
        version INTEGER NOT NULL,
        folder TEXT NOT NULL,
        run_id TEXT NOT NULL,
        lastmod TEXT,
        links TEXT
    );
    """,
    # Every version of every article with the instant its content was captured, so a
    # capture older than an article's last version is compared with the versions around
    # it (newsarchive.pipelines.StatePipeline); an article archived before this knew only
    # its last version, which is all it starts with. And the web-archive captures a run
    # wanted but could not fetch (`owed`): the next run over their period fetches them.
    """
    CREATE TABLE versions (
        article_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        captured_at TEXT NOT NULL,
        PRIMARY KEY (article_id, version)
    );
    INSERT INTO versions (article_id, version, content_hash, captured_at)
        SELECT id, version, content_hash, COALESCE(captured_at, last_archived) FROM articles;
    CREATE TABLE owed (
        key TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        article_id TEXT NOT NULL,
        digest TEXT,
        captured_at TEXT NOT NULL,
        capture TEXT NOT NULL,
        reason TEXT NOT NULL,
        failed_runs INTEGER NOT NULL,
        first_owed TEXT NOT NULL,
        last_owed TEXT NOT NULL
    );
    CREATE INDEX owed_by_source ON owed (source, captured_at);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class PendingRecord:
    """A record noted on its way to the feed files of a run, not (yet) marked archived."""

    id: str
    content_hash: str
    version: int
    folder: str
    run_id: str
    lastmod: datetime | None
    links: list[str] | None


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


@dataclass(frozen=True)
class VersionState:
    """One version of an article: its number, content, and the instant it was captured."""

    version: int
    content_hash: str
    captured_at: datetime


@dataclass(frozen=True)
class OwedCapture:
    """A web-archive capture a run wanted but could not fetch (`capture`: the JSON of
    `newsarchive.sources.Capture`), and in how many runs fetching it failed."""

    key: str
    capture: str
    reason: str
    failed_runs: int


@dataclass(frozen=True)
class GoneState:
    """An article that answered 404 or 410 when last asked."""

    id: str
    url: str
    status: int
    first_gone: datetime
    last_checked: datetime


@dataclass(frozen=True)
class SitemapState:
    """A sitemap of the index: `lastmod` is the index's lastmod of it up to which every
    article it named is archived (None: read, but not yet to the end)."""

    url: str
    lastmod: datetime | None
    last_read: datetime


def parse_instant(value: str | None) -> datetime | None:
    """An ISO 8601 instant (with offset or Z, as sitemaps and records write them)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _links(links: list[str] | None) -> str | None:
    return json.dumps(links, separators=(",", ":")) if links is not None else None


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
            # One script, one transaction: executescript commits any open transaction
            # before it runs, so the version bump goes inside the script, and a migration
            # cut short leaves the database at the version before it.
            try:
                self.db.executescript(
                    f"BEGIN; {MIGRATIONS[number]}; PRAGMA user_version = {number + 1}; COMMIT;"
                )
            except sqlite3.Error:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

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

    def links_of(self, article_id: str) -> list[str]:
        """The article links kept for an article (none when no run that follows links has
        archived or checked it)."""
        row = self.db.execute("SELECT links FROM articles WHERE id = ?", (article_id,)).fetchone()
        return json.loads(row[0]) if row and row[0] else []

    def record_archived(
        self,
        record: dict,
        lastmod: datetime | None,
        at: datetime,
        capture: Any = None,
        links: list[str] | None = None,
    ) -> None:
        """Remember an article whose record is now on disk (new or changed version), the
        archive capture it was read from, and the article links a run follows from it (all
        in one transaction: a kill keeps all or none).

        The article's row describes its newest version by capture time (what a live fetch
        is compared with) and the highest version number (what the next version follows):
        a version captured before the newest one, archived later, adds its number and its
        row in `versions` but leaves the rest of the article's row as it was."""
        captured_at = _iso(parse_instant(record.get("captured_at"))) or _iso(at)
        with self.db:  # the article and its capture together, or neither
            self.db.execute("BEGIN")
            self.db.execute(
                """
                INSERT INTO articles (id, url, content_hash, version, first_archived,
                                      last_archived, last_checked, published, modified,
                                      lastmod, captured_at, links)
                VALUES (:id, :url, :hash, :version, :at, :at, :at, :published, :modified,
                        :lastmod, :captured_at, :links)
                ON CONFLICT(id) DO UPDATE SET
                    url = IIF(:newest, excluded.url, articles.url),
                    content_hash = IIF(:newest, excluded.content_hash, articles.content_hash),
                    version = MAX(excluded.version, articles.version),
                    last_archived = excluded.last_archived,
                    last_checked = excluded.last_checked,
                    published = IIF(:newest, excluded.published, articles.published),
                    modified = IIF(:newest, excluded.modified, articles.modified),
                    lastmod = COALESCE(excluded.lastmod, articles.lastmod),
                    captured_at = IIF(:newest, excluded.captured_at, articles.captured_at),
                    links = COALESCE(excluded.links, articles.links)
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
                    "captured_at": captured_at,
                    "links": _links(links),
                    "newest": self._newest(record["id"], captured_at),
                },
            )
            self.db.execute(
                "INSERT OR IGNORE INTO versions (article_id, version, content_hash, captured_at)"
                " VALUES (?, ?, ?, ?)",
                (record["id"], record["version"], record["content_hash"], captured_at),
            )
            self._capture_read(capture, at)
            self.db.execute("DELETE FROM pending WHERE id = ?", (record["id"],))

    def _newest(self, article_id: str, captured_at: str) -> bool:
        """Whether a version captured at `captured_at` is the article's newest (or its first)."""
        row = self.db.execute(
            "SELECT captured_at FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return row is None or not row[0] or captured_at >= row[0]

    def versions(self, article_id: str) -> list[VersionState]:
        """The article's versions in capture order (for an article archived before versions
        were kept: its last one)."""
        rows = self.db.execute(
            "SELECT version, content_hash, captured_at FROM versions WHERE article_id = ?"
            " ORDER BY captured_at, version",
            (article_id,),
        ).fetchall()
        return [VersionState(row[0], row[1], parse_instant(row[2])) for row in rows]  # type: ignore[arg-type]

    def record_pending(
        self,
        record: dict,
        folder: str,
        run_id: str,
        lastmod: datetime | None,
        links: list[str] | None,
    ) -> None:
        """Note a record about to be written to the feed files of run `run_id` in `folder`."""
        self.db.execute(
            "INSERT OR REPLACE INTO pending (id, content_hash, version, folder, run_id, lastmod,"
            " links) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                record["id"],
                record["content_hash"],
                record["version"],
                folder,
                run_id,
                _iso(lastmod),
                _links(links),
            ),
        )

    def forget_pending(self, article_id: str) -> None:
        self.db.execute("DELETE FROM pending WHERE id = ?", (article_id,))

    def pending(self) -> list[PendingRecord]:
        rows = self.db.execute(
            "SELECT id, content_hash, version, folder, run_id, lastmod, links FROM pending"
        ).fetchall()
        return [
            PendingRecord(*row[:5], parse_instant(row[5]), json.loads(row[6]) if row[6] else None)
            for row in rows
        ]

    def record_checked(
        self,
        article_id: str,
        lastmod: datetime | None,
        at: datetime,
        captured_at: datetime | None = None,
        capture: Any = None,
        links: list[str] | None = None,
    ) -> None:
        """Remember that an article was fetched again (or a capture of it read) and found
        unchanged: its last version now stands as of `captured_at` as well."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "UPDATE articles SET last_checked = ?, lastmod = COALESCE(?, lastmod),"
                " captured_at = MAX(COALESCE(captured_at, ''), COALESCE(?, '')),"
                " links = COALESCE(?, links) WHERE id = ?",
                (_iso(at), _iso(lastmod), _iso(captured_at), _links(links), article_id),
            )
            self._capture_read(capture, at)

    def _capture_read(self, capture: Any, at: datetime) -> None:
        if capture is None:
            return
        # Owed no longer: this capture, and any other of the same bytes.
        self.db.execute(
            "DELETE FROM owed WHERE key = ? OR (article_id = ? AND digest = ?)",
            (capture.key, capture.article_id, capture.digest),
        )
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
        (`archived`), or the same bytes as one read before (`digest_archived`). A capture
        older than the article's last version is fetched all the same: its content may be
        a version no run has seen."""
        if self.capture_read(capture.key):
            return "archived"
        if (
            capture.digest
            and self.db.execute(
                "SELECT 1 FROM captures WHERE article_id = ? AND digest = ?",
                (capture.article_id, capture.digest),
            ).fetchone()
        ):
            return "digest_archived"
        return None

    def capture_read(self, key: str) -> bool:
        return bool(self.db.execute("SELECT 1 FROM captures WHERE key = ?", (key,)).fetchone())

    # --- owed: captures a run wanted but could not fetch ---------------------------------
    def owe_capture(self, capture: Any, reason: str, at: datetime, failed: bool) -> int:
        """Remember a capture this run could not fetch (`failed`) or held back behind one
        it could not fetch; the number of runs in which fetching it failed."""
        self.db.execute(
            """
            INSERT INTO owed (key, source, article_id, digest, captured_at, capture, reason,
                              failed_runs, first_owed, last_owed)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(key) DO UPDATE SET
                reason = excluded.reason, last_owed = excluded.last_owed,
                failed_runs = owed.failed_runs + excluded.failed_runs
            """,
            (
                capture.key,
                capture.source,
                capture.article_id,
                capture.digest,
                _iso(capture.captured_at),
                capture.to_json(),
                reason,
                int(failed),
                _iso(at),
                _iso(at),
            ),
        )
        row = self.db.execute(
            "SELECT failed_runs FROM owed WHERE key = ?", (capture.key,)
        ).fetchone()
        return row[0]

    def owed(self, source: str, first: datetime, last: datetime) -> list[OwedCapture]:
        """The captures of `source` captured between `first` and `last` that earlier runs
        wanted but could not fetch."""
        rows = self.db.execute(
            "SELECT key, capture, reason, failed_runs FROM owed"
            " WHERE source = ? AND captured_at BETWEEN ? AND ? ORDER BY captured_at, key",
            (source, _iso(first), _iso(last)),
        ).fetchall()
        return [OwedCapture(*row) for row in rows]

    def is_owed(self, key: str) -> bool:
        return bool(self.db.execute("SELECT 1 FROM owed WHERE key = ?", (key,)).fetchone())

    def failed_runs(self, key: str) -> int:
        row = self.db.execute("SELECT failed_runs FROM owed WHERE key = ?", (key,)).fetchone()
        return row[0] if row else 0

    # --- aliases: a URL whose id is not the id of the article it serves ---------------------
    def resolve(self, article_id: str) -> str:
        """The id of the article a URL id stands for (itself unless it is a known alias)."""
        row = self.db.execute("SELECT id FROM aliases WHERE alias = ?", (article_id,)).fetchone()
        return row[0] if row else article_id

    def record_alias(self, alias: str, article_id: str) -> None:
        self.db.execute(
            "INSERT INTO aliases (alias, id) VALUES (?, ?)"
            " ON CONFLICT(alias) DO UPDATE SET id = excluded.id",
            (alias, article_id),
        )

    # --- gone: articles that answered 404 or 410 ---------------------------------------------
    def lookup_gone(self, article_id: str) -> GoneState | None:
        row = self.db.execute(
            "SELECT id, url, status, first_gone, last_checked FROM gone WHERE id = ?",
            (article_id,),
        ).fetchone()
        if row is None:
            return None
        return GoneState(row[0], row[1], row[2], *map(parse_instant, row[3:]))  # type: ignore[arg-type]

    def record_gone(self, article_id: str, url: str, status: int, at: datetime) -> None:
        self.db.execute(
            """
            INSERT INTO gone (id, url, status, first_gone, last_checked)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET
                url = excluded.url, status = excluded.status, last_checked = excluded.last_checked
            """,
            (article_id, url, status, _iso(at), _iso(at)),
        )

    def forget_gone(self, article_id: str) -> None:
        """The article answered again: it is no longer gone."""
        self.db.execute("DELETE FROM gone WHERE id = ?", (article_id,))

    # --- sitemaps of the index ---------------------------------------------------------------
    def lookup_sitemap(self, url: str) -> SitemapState | None:
        row = self.db.execute(
            "SELECT url, lastmod, last_read FROM sitemaps WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            return None
        return SitemapState(row[0], parse_instant(row[1]), parse_instant(row[2]))  # type: ignore[arg-type]

    def record_sitemap(self, url: str, lastmod: datetime | None, at: datetime) -> None:
        """Remember a sitemap as read to the end up to `lastmod`; with None, as being read
        (a lastmod it was read up to before stays)."""
        self.db.execute(
            """
            INSERT INTO sitemaps (url, lastmod, first_read, last_read) VALUES (?, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET
                lastmod = COALESCE(excluded.lastmod, sitemaps.lastmod),
                last_read = excluded.last_read
            """,
            (url, _iso(lastmod), _iso(at), _iso(at)),
        )


@dataclass(frozen=True)
class RefetchPolicy:
    """When an archived article is worth fetching again.

    Evidence of change: a sitemap or feed `lastmod` newer than the one seen at the last
    fetch (or, lacking that, newer than the record's own modified date). Young articles get
    corrected after publication, so within `recheck_window` of publication an article is
    fetched again once `recheck_interval` has passed since its last check. An article that
    answered 404/410 more recently than it was archived is asked again after `gone_recheck`
    (or when a lastmod newer than that answer shows up).
    """

    recheck_window: timedelta = timedelta(days=3)
    recheck_interval: timedelta = timedelta(hours=6)
    gone_recheck: timedelta = timedelta(days=30)

    def should_fetch(
        self,
        known: ArticleState | None,
        lastmod: datetime | None,
        now: datetime,
        gone: GoneState | None = None,
    ) -> tuple[bool, str]:
        if gone is not None and (known is None or gone.last_checked >= known.last_checked):
            if lastmod is not None and lastmod > gone.last_checked:
                return True, "lastmod"
            if now - gone.last_checked >= self.gone_recheck:
                return True, "gone"
            return False, "gone"
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


class StateExtension:
    """Extension: the crawler's one state store and refetch policy, which the incremental
    filter (`middlewares.IncrementalMiddleware`), the versioning pipeline
    (`pipelines.StatePipeline`) and the spider (web-archive captures) find with
    `crawler.get_extension(StateExtension)`.

    Off (NotConfigured, and so None from `get_extension`) when `NEWSARCHIVE_STATE_ENABLED`
    is off or the command writes no archive (`scrapy parse`, `shell`, …: they neither skip
    known articles nor record any).
    """

    def __init__(self, store: StateStore, policy: RefetchPolicy) -> None:
        self.store = store
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not setting(settings, "NEWSARCHIVE_STATE_ENABLED", "getbool") or not archiving(settings):
            raise NotConfigured  # no message: Scrapy would log one as a warning
        state = cls(StateStore(setting(settings, "NEWSARCHIVE_STATE_DIR")), policy_for(settings))
        # Closed once the engine has stopped, after every spider_closed handler: the
        # incremental filter stores the sitemaps read to the end at spider_closed.
        crawler.signals.connect(state.engine_stopped, signal=signals.engine_stopped)
        return state

    def engine_stopped(self) -> None:
        self.store.close()


def policy_for(settings) -> RefetchPolicy:
    def hours(name: str) -> timedelta:
        return timedelta(hours=setting(settings, name, "getfloat"))

    return RefetchPolicy(
        recheck_window=hours("NEWSARCHIVE_RECHECK_WINDOW_HOURS"),
        recheck_interval=hours("NEWSARCHIVE_RECHECK_INTERVAL_HOURS"),
        gone_recheck=timedelta(days=setting(settings, "NEWSARCHIVE_GONE_RECHECK_DAYS", "getfloat")),
    )


class StateStoreError(Exception):
    """The state store cannot be used: corrupt, read-only, or of a newer newsarchive."""


def check_store(folder: str | Path) -> None:
    """Open the store (migrating it as a run would) and make a write it takes back, so a
    run learns before its first request that the store is unusable, with one line why."""
    path = Path(folder) / DB_NAME
    try:
        store = StateStore(folder)
    except RuntimeError as error:  # newer schema
        raise StateStoreError(str(error)) from None
    except (sqlite3.Error, OSError) as error:
        raise StateStoreError(f"state store {path} cannot be opened: {error}") from None
    try:
        store.db.execute("BEGIN IMMEDIATE")
        version = store.db.execute("PRAGMA user_version").fetchone()[0]
        store.db.execute(f"PRAGMA user_version = {int(version)}")
        store.db.execute("ROLLBACK")
    except sqlite3.Error as error:
        raise StateStoreError(f"state store {path} cannot be written: {error}") from None
    finally:
        store.close()
