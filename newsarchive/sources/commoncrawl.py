"""Common Crawl: its collection list, one URL index per crawl, and records in its WARC files.

1. `COMMONCRAWL_INDEX_URL/collinfo.json` lists the crawls (`CC-MAIN-2019-04`, …), with the
   span each covers (`from`/`to`) where the list states it, else the ISO week of its name.
2. Per crawl of the period, `…/<crawl>-index?url=golem.de/news/*&output=json&from=…&to=…`
   with `showNumPages=true` says how many pages the answer has; each `&page=N` is JSON
   Lines, one capture a line: URL, timestamp, status, digest, and where its record is
   (`filename`, `offset`, `length`).
3. `COMMONCRAWL_DATA_URL/<filename>` with `Range: bytes=<offset>-<offset+length-1>` answers
   with one gzip member: the capture's WARC record (headers, HTTP response, page). That
   member goes into the run's WARC as it is (`newsarchive.warc`), and is read with warcio.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator

from newsarchive.meta import Meta
from newsarchive.parsers.common import page_number
from newsarchive.sources import (
    ArchiveResponseError,
    Capture,
    article_capture,
    period_bounds,
)

NAME = "commoncrawl"
ARTICLE_PATTERN = "golem.de/news/*"
_CRAWL_ID = re.compile(r"^CC-MAIN-(?P<year>\d{4})-(?P<week>\d{2})$")
_FILENAME = re.compile(r"^crawl-data/[A-Za-z0-9._/-]+\.warc\.gz$")
# HTTP headers that described the stored bytes' transfer, not the page warcio hands back.
_TRANSFER_HEADERS = {b"content-encoding", b"transfer-encoding", b"content-length"}


class CommonCrawl:
    """Requests to Common Crawl's index and data servers and what their answers say."""

    name = NAME

    def __init__(self, index_url: str, data_url: str, since: date, until: date) -> None:
        self.index = index_url.rstrip("/")
        self.data = data_url.rstrip("/")
        self.since, self.until = since, until

    def origins(self) -> list[str]:
        return [self.index, self.data]

    # --- the index -----------------------------------------------------------------------
    def start_requests(self, **request: Any) -> list[scrapy.Request]:
        return [self._index_request(f"{self.index}/collinfo.json", "collinfo", None, request)]

    def query_url(self, crawl: str, page: int | None) -> str:
        first, last = period_bounds(self.since, self.until)
        params = [
            ("url", ARTICLE_PATTERN),
            ("output", "json"),
            ("from", first),
            ("to", last),
            ("filter", "=status:200"),
        ]
        params += [("page", str(page))] if page is not None else [("showNumPages", "true")]
        return f"{self.index}/{crawl}-index?{urlencode(params)}"

    def _index_request(
        self, url: str, step: str, crawl: str | None, request: dict[str, Any]
    ) -> scrapy.Request:
        meta = {**request.get("meta", {}), Meta.INDEX_STEP: step, Meta.CRAWL: crawl}
        return scrapy.Request(url, **{**request, "meta": meta})

    def read_index(
        self, response: Response, **request: Any
    ) -> tuple[list[Capture], list[scrapy.Request]]:
        """Captures one index answer lists, and the index requests it leads to."""
        step, crawl = response.meta.get(Meta.INDEX_STEP), response.meta.get(Meta.CRAWL)
        if step == "collinfo":
            crawls = crawls_of_period(read_json(response.body), self.since, self.until)
            return [], [
                self._index_request(self.query_url(c, None), "pages", c, request) for c in crawls
            ]
        if step == "pages":
            pages = read_page_count(response.body)
            return [], [
                self._index_request(self.query_url(crawl, n), "page", crawl, request)
                for n in range(pages)
            ]
        if step == "page":
            return read_index_page(response.body, crawl or ""), []
        raise ArchiveResponseError(f"index answer of unknown step {step!r}")

    # --- captures --------------------------------------------------------------------------
    def capture_request(self, capture: Capture, **request: Any) -> scrapy.Request:
        offset, length = int(capture.located("offset")), int(capture.located("length"))
        meta = {**request.pop("meta", {}), Meta.CAPTURE: capture, Meta.WARC_RECORD: True}
        return scrapy.Request(
            f"{self.data}/{capture.located('filename')}",
            headers={"Range": f"bytes={offset}-{offset + length - 1}"},
            meta=meta,
            **request,
        )

    def later_page_lookup(self, url: str, capture: Capture) -> str:
        """The index query for page `url` of an article as captured nearest page 1, in the
        crawl that holds page 1 (a later page is a capture of its own)."""
        params = [
            ("url", url),
            ("output", "json"),
            ("closest", capture.timestamp),
            ("sort", "closest"),
            ("limit", "1"),
            ("filter", "=status:200"),
        ]
        return f"{self.index}/{capture.located('crawl')}-index?{urlencode(params)}"

    def later_page_capture(self, response: Response, url: str, capture: Capture) -> Capture:
        """The capture of page `url` the lookup answered with."""
        crawl = capture.located("crawl")
        number = page_number(url)
        found = [
            c
            for c in read_index_page(response.body, crawl, page=number)
            if c.article_id == capture.article_id
        ]
        if not found:
            raise ArchiveResponseError(f"{crawl} holds no capture of {url}")
        return found[0]

    def open_capture(self, response: Response, capture: Capture) -> tuple[Response, datetime]:
        """The page the WARC record holds, under its original URL, and its capture instant."""
        if response.status not in (200, 206):
            raise ArchiveResponseError(f"data server answered {response.status}")
        expected = int(capture.located("length"))
        if len(response.body) != expected:
            raise ArchiveResponseError(
                f"record of {len(response.body)} bytes, the index says {expected}"
            )
        page = read_record(response.body)
        if page["url"] != capture.url:
            raise ArchiveResponseError(f"record of {page['url']}, not of {capture.url}")
        headers = Headers()
        for name, value in page["headers"]:
            if name.lower().encode("latin-1") not in _TRANSFER_HEADERS:
                headers.appendlist(name, value)
        respcls = responsetypes.from_args(headers=headers, url=page["url"], body=page["body"])
        opened = respcls(
            url=page["url"],
            status=page["status"],
            headers=headers,
            body=page["body"],
            request=response.request,
        )
        return opened, page["captured_at"]


def read_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ArchiveResponseError(f"index answer is no JSON: {error}") from None


def crawl_span(entry: dict[str, Any]) -> tuple[date, date] | None:
    """The days a crawl covers: its `from`/`to`, else the two weeks from its name's week."""
    try:
        if entry.get("from") and entry.get("to"):
            first = datetime.fromisoformat(str(entry["from"]).replace("Z", "+00:00"))
            last = datetime.fromisoformat(str(entry["to"]).replace("Z", "+00:00"))
            return first.date(), last.date()
        match = _CRAWL_ID.match(str(entry.get("id", "")))
        if match:
            start = date.fromisocalendar(int(match["year"]), int(match["week"]), 1)
            return start - timedelta(days=14), start + timedelta(days=14)
    except ValueError:
        return None
    return None


def crawls_of_period(collections: Any, since: date, until: date) -> list[str]:
    """Ids of the crawls whose span meets the period, oldest first."""
    if not isinstance(collections, list):
        raise ArchiveResponseError("collinfo.json is no list of crawls")
    found = []
    for entry in collections:
        if not isinstance(entry, dict) or not _CRAWL_ID.match(str(entry.get("id", ""))):
            continue  # an id outside the pattern never becomes part of a URL
        span = crawl_span(entry)
        if span and span[0] <= until and span[1] >= since:
            found.append(entry["id"])
    return sorted(found)


def read_page_count(body: bytes) -> int:
    data = read_json(body)
    pages = data.get("pages") if isinstance(data, dict) else data
    if not isinstance(pages, int) or pages < 0:
        raise ArchiveResponseError(f"showNumPages answer {data!r} names no page count")
    return pages


def read_index_page(body: bytes, crawl: str, page: int = 1) -> list[Capture]:
    """Captures of one page of a crawl's index (JSON Lines); an answer of no matches (the
    index says 404 with a JSON error line) is no capture."""
    captures = []
    for line in body.splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (ValueError, UnicodeDecodeError) as error:
            raise ArchiveResponseError(f"index line is no JSON: {error}") from None
        if not isinstance(row, dict) or "error" in row or "message" in row:
            continue
        if "html" not in str(row.get("mime-detected") or row.get("mime") or ""):
            continue
        if str(row.get("status")) != "200":
            continue
        filename = str(row.get("filename", ""))
        offset, length = str(row.get("offset", "")), str(row.get("length", ""))
        if not _FILENAME.match(filename) or ".." in filename:
            raise ArchiveResponseError(f"index names no WARC file of a crawl: {filename!r}")
        if not offset.isdigit() or not length.isdigit() or int(length) == 0:
            raise ArchiveResponseError(f"index names no byte range: {offset!r}+{length!r}")
        capture = article_capture(
            NAME,
            str(row.get("url", "")),
            str(row.get("timestamp", "")),
            str(row.get("digest") or "") or None,
            key=f"{NAME}:{filename}#{offset}",
            locator=(
                ("crawl", crawl),
                ("filename", filename),
                ("offset", offset),
                ("length", length),
            ),
            page=page,
        )
        if capture is not None:
            captures.append(capture)
    return captures


def read_record(member: bytes) -> dict[str, Any]:
    """URL, capture instant, HTTP status and headers, and the decoded page of the one WARC
    response record a gzip member holds."""
    try:
        records = ArchiveIterator(BytesIO(member))
        record = next(iter(records), None)
        if record is None or record.rec_type != "response" or record.http_headers is None:
            raise ArchiveResponseError("the byte range holds no WARC response record")
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        date_text = record.rec_headers.get_header("WARC-Date") or ""
        captured_at = datetime.fromisoformat(date_text.replace("Z", "+00:00")).astimezone(UTC)
        status = int(record.http_headers.get_statuscode())
        headers = list(record.http_headers.headers)
        body = record.content_stream().read()
    except ArchiveResponseError:
        raise
    except Exception as error:  # noqa: BLE001 - any damage is one unreadable capture
        raise ArchiveResponseError(f"unreadable WARC record: {error}") from None
    return {
        "url": url,
        "captured_at": captured_at,
        "status": status,
        "headers": headers,
        "body": body,
    }
