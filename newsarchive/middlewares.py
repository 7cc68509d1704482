"""Downloader middlewares of newsarchive."""

from __future__ import annotations

from datetime import UTC, datetime


class FetchTimeMiddleware:
    """Stamp every response with the instant it arrived (`response.meta["fetched_at"]`).

    That instant is the record's `crawled_at` / `seen_at` and the base for relative dates on
    the page ("heute, 10:15 Uhr"), so re-parsing a stored page later gives the same record.
    Set by hand (offline extraction, WARC reparse) it is kept as it is.
    """

    def process_response(self, request, response, spider=None):
        request.meta.setdefault("fetched_at", datetime.now(UTC))
        return response
