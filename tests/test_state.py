"""The state store and the re-fetch policy, on their own."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from newsarchive.state import SCHEMA_VERSION, RefetchPolicy, StateStore

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
