"""Datasette plugin: a database `scrapy export` wrote brings its own metadata.

Datasette 0.x reads metadata from `-m FILE` or a configuration folder only; this plugin
(registered as a `datasette` entry point in pyproject.toml) gives it the titles, descriptions
and facets stored in the database's `_newsarchive_metadata` table, so `datasette
archive.sqlite` needs no further set-up. Databases without that table are left alone.
"""

from __future__ import annotations

import json
import os
import sqlite3
from typing import Any

from datasette import hookimpl

from newsarchive.export import METADATA_TABLE

_cache: dict[str, tuple[float, dict[str, Any] | None]] = {}


def stored_metadata(path: str) -> dict[str, Any] | None:
    """The metadata stored in the database at `path`, re-read when the file changes."""
    try:
        changed = os.stat(path).st_mtime
    except OSError:
        return None
    cached = _cache.get(path)
    if cached is not None and cached[0] == changed:
        return cached[1]
    metadata = None
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute(
                f"SELECT value FROM {METADATA_TABLE} WHERE key = 'datasette'"
            ).fetchone()
        finally:
            connection.close()
        metadata = json.loads(row[0]) if row else None
    except (sqlite3.Error, ValueError):
        metadata = None
    _cache[path] = (changed, metadata)
    return metadata


@hookimpl
def get_metadata(datasette, key, database, table):
    databases = {}
    for name, db in datasette.databases.items():
        if getattr(db, "path", None):
            metadata = stored_metadata(db.path)
            if metadata:
                databases[name] = metadata
    return {"databases": databases} if databases else {}
