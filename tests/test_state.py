"""The state store and the re-fetch policy, on their own."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from newsarchive.state import (
    MIGRATIONS,
    SCHEMA_VERSION,
    RefetchPolicy,
    StateStore,
    VersionState,
)

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def record(version=1, content_hash="sha256:" + "a" * 64, published="2026-11-20T10:00:00+01:00"):
    return {
        "id": "300101",
        "url": "https://www.golem.de/news/x-2611-300101.html",
        "content_hash": content_hash,
        "version": version,
        "published": published,
        "modified": "2026-11-20T11:00:00+01:00",
    }


def test_store_remembers_versions_and_checks(tmp_path):
    store = StateStore(tmp_path)
    assert store.lookup("300101") is None
    store.record_archived(record(), datetime(2026, 11, 20, 12, tzinfo=UTC), NOW - timedelta(days=2))
    store.record_archived(record(version=2, content_hash="sha256:" + "b" * 64), None, NOW)
    known = store.lookup("300101")
    assert (known.version, known.content_hash[-1]) == (2, "b")
    assert known.first_archived == NOW - timedelta(days=2) and known.last_archived == NOW
    assert known.lastmod == datetime(2026, 11, 20, 12, tzinfo=UTC)  # kept when none is new
    store.record_checked("300101", None, NOW + timedelta(hours=1))
    assert store.lookup("300101").last_checked == NOW + timedelta(hours=1)
    store.close()
    assert StateStore(tmp_path).count() == 1  # it persists


def test_a_version_captured_before_the_newest_leaves_the_article_as_it_stands(tmp_path):
    """Archived after the newest version but captured before it: the article's row still
    describes the newest (what a live fetch is compared with) and the highest number."""
    store = StateStore(tmp_path)
    live = {**record(), "captured_at": "2026-11-28T12:00:00Z"}
    store.record_archived(live, None, NOW)
    older = {**record(version=2, content_hash="sha256:" + "b" * 64), "published": None}
    store.record_archived({**older, "captured_at": "2024-04-01T00:30:17Z"}, None, NOW)
    known = store.lookup("300101")
    assert (known.version, known.content_hash, known.captured_at) == (2, live["content_hash"], NOW)
    assert known.published is not None
    assert [(v.version, v.content_hash[-1]) for v in store.versions("300101")] == [
        (2, "b"),
        (1, "a"),
    ]


def test_store_refuses_a_newer_schema(tmp_path):
    StateStore(tmp_path).close()
    db = sqlite3.connect(tmp_path / "newsarchive.sqlite3")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(RuntimeError, match="newer than this newsarchive"):
        StateStore(tmp_path)


@pytest.mark.parametrize(
    ("published_days_ago", "checked_hours_ago", "lastmod", "expected"),
    [
        (10, 1, None, (False, "unchanged")),
        (10, 100, None, (False, "unchanged")),  # old and no evidence: never again
        (10, 1, "2026-11-28T11:00:00+00:00", (True, "lastmod")),  # sitemap says it changed
        (10, 1, "2026-11-20T12:00:00+00:00", (False, "unchanged")),  # the lastmod we saw
        (1, 1, None, (False, "unchanged")),  # young, but checked an hour ago
        (1, 7, None, (True, "recheck")),  # young and not checked for 7 hours
    ],
)
def test_refetch_policy(tmp_path, published_days_ago, checked_hours_ago, lastmod, expected):
    store = StateStore(tmp_path)
    published = (NOW - timedelta(days=published_days_ago)).isoformat()
    store.record_archived(
        record(published=published),
        datetime(2026, 11, 20, 12, tzinfo=UTC),
        NOW - timedelta(hours=checked_hours_ago),
    )
    policy = RefetchPolicy(recheck_window=timedelta(days=3), recheck_interval=timedelta(hours=6))
    evidence = datetime.fromisoformat(lastmod) if lastmod else None
    assert policy.should_fetch(store.lookup("300101"), evidence, NOW) == expected
    assert policy.should_fetch(None, None, NOW) == (True, "new")


def test_a_state_database_of_an_older_schema_is_upgraded_in_place(tmp_path):
    # A version-1 state folder as the first release wrote it: articles only.
    db = sqlite3.connect(tmp_path / "newsarchive.sqlite3")
    db.executescript(MIGRATIONS[0])
    db.execute(
        "INSERT INTO articles VALUES ('300101', 'https://www.golem.de/news/x-2611-300101.html',"
        " 'sha256:aa', 3, '2026-11-01T00:00:00+00:00', '2026-11-02T00:00:00+00:00',"
        " '2026-11-03T00:00:00+00:00', NULL, NULL, '2026-11-02T00:00:00+00:00')"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()

    store = StateStore(tmp_path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION > 1
    known = store.lookup("300101")
    assert (known.version, known.lastmod) == (3, datetime(2026, 11, 2, tzinfo=UTC))
    # Of its versions the old schema knew the last, as of when it was archived.
    assert store.versions("300101") == [
        VersionState(3, "sha256:aa", datetime(2026, 11, 2, tzinfo=UTC))
    ]
    # What the newer schema adds works on the upgraded database.
    store.record_alias("300999", "300101")
    store.record_gone("300555", "https://www.golem.de/news/y-2611-300555.html", 410, NOW)
    store.record_sitemap("https://www.golem.de/news/gsitemap-2410.xml", NOW, NOW)
    store.close()
    again = StateStore(tmp_path)
    assert again.resolve("300999") == "300101" and again.resolve("300101") == "300101"
    assert again.lookup_gone("300555").status == 410
    assert again.lookup_sitemap("https://www.golem.de/news/gsitemap-2410.xml").lastmod == NOW


def test_a_sitemap_being_read_keeps_the_lastmod_it_was_last_read_to(tmp_path):
    store = StateStore(tmp_path)
    url = "https://www.golem.de/news/gsitemap-2410.xml"
    store.record_sitemap(url, None, NOW)
    assert store.lookup_sitemap(url).lastmod is None
    store.record_sitemap(url, NOW, NOW)
    store.record_sitemap(url, None, NOW + timedelta(hours=1))  # read again, not to the end
    assert store.lookup_sitemap(url).lastmod == NOW


@pytest.mark.parametrize(
    ("gone_days_ago", "archived_after", "lastmod_days_ago", "expected"),
    [
        (1, False, None, (False, "gone")),
        (31, False, None, (True, "gone")),  # past NEWSARCHIVE_GONE_RECHECK_DAYS
        (1, False, 0, (True, "lastmod")),  # a sitemap says it changed after the 404
        (1, False, 2, (False, "gone")),
        (1, True, None, (False, "unchanged")),  # archived after it was gone: it is back
    ],
)
def test_refetch_policy_of_gone_articles(
    tmp_path, gone_days_ago, archived_after, lastmod_days_ago, expected
):
    store = StateStore(tmp_path)
    gone_at = NOW - timedelta(days=gone_days_ago)
    store.record_gone("300101", "https://www.golem.de/news/x-2611-300101.html", 404, gone_at)
    if archived_after:
        store.record_archived(record(published="2026-10-01T10:00:00+02:00"), None, NOW)
    policy = RefetchPolicy(gone_recheck=timedelta(days=30))
    lastmod = None if lastmod_days_ago is None else NOW - timedelta(days=lastmod_days_ago)
    known, gone = store.lookup("300101"), store.lookup_gone("300101")
    assert policy.should_fetch(known, lastmod, NOW, gone) == expected


def test_two_copies_of_one_article_in_one_run_give_one_record(tmp_path):
    """Two URLs of one article fetched at once: both items reach the state pipeline before
    the first is stored (item_scraped)."""
    from scrapy.exceptions import DropItem

    from newsarchive.items import ArticleItem
    from newsarchive.pipelines import StatePipeline

    pipeline = StatePipeline(store=StateStore(tmp_path))

    def item(text_hash: str) -> ArticleItem:
        return ArticleItem(id="300101", content_hash=text_hash, raw={"lastmod": None})

    assert pipeline.process_item(item("sha256:aa")).version == 1
    with pytest.raises(DropItem):
        pipeline.process_item(item("sha256:aa"))
    # Changed between the two fetches: the second is the next version, not another first.
    assert pipeline.process_item(item("sha256:bb")).version == 2
