"""The Internet Archive's Wayback Machine: its CDX index, and raw captures (`id_` URLs).

Index: `WAYBACK_BASE_URL/cdx/search/cdx` with the article URL prefix `golem.de/news/`, the
period as `from`/`to`, `output=json`, only 200 HTML captures, `limit` rows a page and
`showResumeKey=true`: the answer is a JSON array whose first row names the fields, and
which, when more rows remain, ends with an empty row and a one-element row holding the
resume key for the next query (the CDX server's README, "Resumption Key").

Captures: `WAYBACK_BASE_URL/web/<timestamp>id_/<original URL>` answers with the page as
captured, without the archive's banner or rewritten links. Asked for an instant it has no
capture at, the archive redirects to the nearest one; the capture instant is the one the
final URL names (or its `Memento-Datetime` header).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from newsarchive.meta import Meta
from newsarchive.sources import (
    ArchiveResponseError,
    Capture,
    article_capture,
    parse_timestamp,
    period_bounds,
)

NAME = "wayback"
CDX_PATH = "/cdx/search/cdx"
FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
ARTICLE_PREFIX = "golem.de/news/"
_RESUME_KEY = re.compile(r"^[A-Za-z0-9%+._~-]+$")
_CAPTURE_PATH = re.compile(r"/web/(?P<timestamp>\d{14})id_/(?P<url>https?://.+)$")


class Wayback:
    """Requests to the Wayback Machine and what its answers say."""

    name = NAME

    def __init__(self, base_url: str, since: date, until: date, page_size: int) -> None:
        self.base = base_url.rstrip("/")
        self.since, self.until = since, until
        self.page_size = page_size

    def origins(self) -> list[str]:
        return [self.base]

    # --- the index -----------------------------------------------------------------------
    def query_url(self, resume_key: str | None = None) -> str:
        first, last = period_bounds(self.since, self.until)
        params = [
            ("url", ARTICLE_PREFIX),
            ("matchType", "prefix"),
            ("from", first),
            ("to", last),
            ("output", "json"),
            ("fl", ",".join(FIELDS)),
            ("filter", "statuscode:200"),
            ("filter", "mimetype:text/html"),
            ("limit", str(self.page_size)),
            ("showResumeKey", "true"),
        ]
        query = urlencode(params)
        if resume_key:
            # The key comes URL-encoded and goes back as it came (encoding it again would
            # name another key); it may hold nothing that ends or adds a parameter.
            if not _RESUME_KEY.match(resume_key):
                raise ArchiveResponseError(f"CDX resume key {resume_key!r} is no encoded key")
            query += f"&resumeKey={resume_key}"
        return f"{self.base}{CDX_PATH}?{query}"

    def start_requests(self, **request: Any) -> list[scrapy.Request]:
        return [scrapy.Request(self.query_url(), **request)]

    def read_index(
        self, response: Response, **request: Any
    ) -> tuple[list[Capture], list[scrapy.Request]]:
        """The article captures one CDX answer lists, and the query for the rest."""
        rows, resume_key = read_cdx(response.body)
        captures = []
        for row in rows:
            capture = article_capture(
                NAME,
                row["original"],
                row["timestamp"],
                row.get("digest"),
                key=f"{NAME}:{row['urlkey']} {row['timestamp']}",
            )
            if capture is not None:
                captures.append(capture)
        follow = [scrapy.Request(self.query_url(resume_key), **request)] if resume_key else []
        return captures, follow

    # --- captures --------------------------------------------------------------------------
    def capture_url(self, timestamp: str, url: str) -> str:
        return f"{self.base}/web/{timestamp}id_/{url}"

    def capture_request(self, capture: Capture, **request: Any) -> scrapy.Request:
        meta = {**request.pop("meta", {}), Meta.CAPTURE: capture}
        return scrapy.Request(
            self.capture_url(capture.timestamp, capture.url), meta=meta, **request
        )

    def later_page_lookup(self, url: str, capture: Capture) -> None:
        """No index query needed: the archive finds the capture nearest page 1's instant."""
        return None

    def later_page_request(self, url: str, capture: Capture, **request: Any) -> scrapy.Request:
        """A later page of a multi-page article, as captured nearest page 1's instant."""
        meta = {**request.pop("meta", {}), Meta.CAPTURE: capture}
        return scrapy.Request(self.capture_url(capture.timestamp, url), meta=meta, **request)

    def open_capture(self, response: Response, capture: Capture) -> tuple[Response, datetime]:
        """The captured page under its original URL, and the instant it was captured."""
        match = _CAPTURE_PATH.search(response.url)
        if match is None:
            raise ArchiveResponseError(f"{response.url} is no raw capture URL")
        captured_at = memento_datetime(response) or parse_timestamp(match["timestamp"])
        return response.replace(url=match["url"]), captured_at


def memento_datetime(response: Response) -> datetime | None:
    value = response.headers.get(b"Memento-Datetime")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value.decode("latin-1"))
    except (TypeError, ValueError):
        return None


def read_cdx(body: bytes) -> tuple[list[dict[str, str]], str | None]:
    """Rows of a CDX JSON answer (as dicts by the field names of its first row) and the
    resume key, if it names one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ArchiveResponseError(f"CDX answer is no JSON: {error}") from None
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise ArchiveResponseError("CDX answer is no array of rows")
    if not data:
        return [], None
    header, rows = data[0], data[1:]
    resume_key = None
    if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:
        resume_key = rows[-1][0]
        rows = rows[:-2]
    missing = {"urlkey", "timestamp", "original"} - set(header)
    if missing:
        raise ArchiveResponseError(f"CDX answer lacks the fields {sorted(missing)}")
    out = []
    for row in rows:
        if len(row) != len(header) or not all(isinstance(v, str) for v in row):
            raise ArchiveResponseError(f"CDX row {row!r} does not match its fields {header!r}")
        out.append(dict(zip(header, row, strict=True)))
    if resume_key is not None and not isinstance(resume_key, str):
        raise ArchiveResponseError(f"CDX resume key {resume_key!r} is no string")
    return out, resume_key
