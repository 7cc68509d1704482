"""Writing WARC: every response of a run, with its request, into the run's WARC files.

Choices:

- Bodies are stored as they came off the wire, before HttpCompressionMiddleware decodes them
  (the middleware sits above it). The record then needs no header surgery to be consistent
  (Content-Encoding and Content-Length describe the stored bytes), its payload digest is that
  of the server's entity, already-compressed bodies are not inflated, and a reparse decodes
  them with the very same middleware as the crawl. Twisted has already removed any chunked
  transfer coding, and with it the Transfer-Encoding header, so none is stored.
- The status line has the real protocol and status code; the reason phrase is the standard
  one for the code, as Scrapy does not keep the server's own.
- `file://` responses had no HTTP exchange: they are `resource` records (the file's bytes,
  Content-Type guessed from the name) without a request record, rather than invented HTTP.
- WARC-Date is the response's `fetched_at` (FetchTimeMiddleware), to the microsecond, so a
  reparse gives every record the same `crawled_at` / `seen_at` as the crawl.
- Every record is its own gzip member and the file is flushed after each, so a killed process
  leaves at most one cut record at the end and everything before it readable.
- A Common Crawl capture (a range request marked `warc_record`, newsarchive.sources) is one
  gzip member holding the crawl's own WARC record: that member goes into the file as it
  came, byte for byte, with its original WARC headers, followed by a `metadata` record
  (WARC-Refers-To the original) that states our request (URL, Range), its instant and the
  206 answer's status and headers, so a reparse answers the same range request from it.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import platform
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError, version
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Request, Response
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive.config import setting
from newsarchive.feeds import archiving, run_started
from newsarchive.feeds import run_id as feed_run_id
from newsarchive.meta import NAVIGATION_META, Meta
from newsarchive.warc.format import (
    NAVIGATION_FIELD,
    RANGE_FIELD,
    RECORDED_SETTINGS,
    WARC_VERSION,
    header_text,
    warc_date,
)
from newsarchive.writes import ledger_for

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"

STAT = "newsarchive/warc/{}"


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def software() -> str:
    """What wrote the file, for the warcinfo record."""
    return (
        f"newsarchive/{package_version('newsarchive')} Scrapy/{scrapy.__version__} "
        f"warcio/{package_version('warcio')} Python/{platform.python_version()}"
    )


def _header_list(headers: Headers) -> list[tuple[str, str]]:
    """Scrapy headers as (name, value) pairs, one pair per value (Set-Cookie stays apart)."""
    return [
        (header_text(name), header_text(value))
        for name, values in headers.items()
        for value in values
    ]


class WireHeaders(StatusAndHeaders):
    """HTTP headers written as the very bytes they came in.

    warcio percent-encodes a header value that is not ASCII (`to_ascii_bytes`), so a
    Location sent in UTF-8 or latin-1 bytes was stored as another URL, and the replayed
    redirect went where the crawl never went ("not in the WARC files"). Scrapy keeps header
    values as bytes and `header_text` maps them one to one onto latin-1 characters, so encoding
    the block as latin-1 writes them unchanged; `replay.parse_http_head` reads them back as bytes.
    """

    def compute_headers_buffer(self, header_filter=None) -> None:
        self.headers_buff = self.to_bytes(header_filter, encoding="latin-1")


class RotatingWarcWriter:
    """gzip WARC 1.1 files `<stem>-NNNNN.warc.gz`, each begun with a warcinfo record.

    A new file is begun before a write once the current one has reached `max_bytes`, so no
    file exceeds the limit by more than one request/response pair.
    """

    def __init__(self, folder: Path, stem: str, max_bytes: int, info: dict[str, str]) -> None:
        self.folder, self.stem, self.max_bytes, self.info = folder, stem, max_bytes, info
        self.index = -1
        self.file: IO[bytes] | None = None
        self.writer: WARCWriter | None = None
        self.paths: list[Path] = []
        self.bytes_closed = 0  # size of the files already closed

    @property
    def bytes_written(self) -> int:
        return self.bytes_closed + (self.file.tell() if self.file is not None else 0)

    def _open_next(self) -> WARCWriter:
        self.close()
        self.index += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.stem}-{self.index:05d}.warc.gz"
        self.file = path.open("xb")  # never append to, or overwrite, another run's file
        self.paths.append(path)
        self.writer = WARCWriter(self.file, gzip=True, warc_version=WARC_VERSION)
        self.writer.write_record(self.writer.create_warcinfo_record(path.name, self.info))
        return self.writer

    def current(self) -> WARCWriter:
        if self.writer is None or self.file is None or self.file.tell() >= self.max_bytes:
            return self._open_next()
        return self.writer

    def close(self) -> None:
        file, self.file, self.writer = self.file, None, None
        if file is not None:
            self.bytes_closed += file.tell()
            file.close()


class WarcMiddleware:
    """Downloader middleware: every response and its request into the run's WARC files.

    It sits below FetchTimeMiddleware (so `fetched_at` is stamped when it runs) and above
    HttpCompression, Redirect and Retry (so it sees the bytes as they came, and every
    response, a retried 503 or a 301 as much as the 200 after it).
    """

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        if not setting(settings, "NEWSARCHIVE_WARC_ENABLED", "getbool") or not archiving(settings):
            raise NotConfigured  # no message: Scrapy would log one as a warning
        self.crawler = crawler
        self.max_bytes = setting(settings, "NEWSARCHIVE_WARC_MAX_BYTES", "getint")
        self.folder = Path(setting(settings, "NEWSARCHIVE_OUTPUT_DIR"))
        # What the warcinfo record says of the run's settings (the add-on has applied its
        # derived ones before the engine builds the middlewares: USER_AGENT is final).
        self.recorded = {name: settings.get(name) for name in RECORDED_SETTINGS if name in settings}
        self.robots = "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore"
        self.user_agent = settings.get("USER_AGENT") or ""
        self.writer: RotatingWarcWriter | None = None
        self.failed = False
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def warcinfo(self, spider: Any) -> dict[str, str]:
        """The warcinfo fields: what wrote the file, and what a reparse needs to run again."""
        return {
            "software": software(),
            "format": f"WARC File Format {WARC_VERSION}",
            "conformsTo": "https://iipc.github.io/warc-specifications/"
            "specifications/warc-format/warc-1.1/",
            "description": "golem.de pages as fetched by newsarchive; "
            "`scrapy reparse` rebuilds the run's records from them",
            "robots": self.robots,
            "http-header-user-agent": self.user_agent,
            "spider": spider.name,
            # JSON on one line each: read back by newsarchive.warc.replay.read_warcinfo.
            "spider-arguments": json.dumps(getattr(spider, "arguments", {}), default=str),
            "run-started": warc_date(run_started(spider)),
            "settings": json.dumps(self.recorded, default=str, sort_keys=True),
        }

    def _writer(self) -> RotatingWarcWriter:
        if self.writer is None:
            spider = self.crawler.spider
            run_id = feed_run_id(spider)
            self.writer = RotatingWarcWriter(
                self.folder, f"{spider.name}-{run_id}", self.max_bytes, self.warcinfo(spider)
            )
        return self.writer

    def process_response(self, request: Request, response: Response, spider=None):
        if self.failed:
            return response
        try:
            self.write(request, response)
        except OSError as error:
            # The records are still worth writing: the run goes on without a WARC, and is
            # unhealthy (newsarchive.writes).
            self.failed = True
            self.crawler.stats.inc_value(STAT.format("errors"))
            where = self.writer.paths[-1] if self.writer and self.writer.paths else self.folder
            ledger_for(self.crawler).failed("warc", where, error)
            logger.error("WARC writing stopped, the run goes on without it")
        return response

    def write(self, request: Request, response: Response) -> None:
        rotating = self._writer()
        writer = rotating.current()
        files = len(rotating.paths)
        fetched_at = request.meta.get(Meta.FETCHED_AT) or datetime.now(UTC)
        fields = {"WARC-Date": warc_date(fetched_at)}
        if response.ip_address is not None:
            fields["WARC-IP-Address"] = str(response.ip_address)
        if "dataloss" in response.flags:
            fields["WARC-Truncated"] = "disconnect"
        elif "partial" in response.flags or "download_stopped" in response.flags:
            fields["WARC-Truncated"] = "length"
        navigation = {k: request.meta[k] for k in NAVIGATION_META if k in request.meta}
        if navigation:
            fields[NAVIGATION_FIELD] = json.dumps(navigation, sort_keys=True)
        original = self.original_record_id(request, response)
        if original is not None:
            rotating.file.write(response.body)  # the archive's own record, as it came
            writer.write_record(self.range_record(writer, request, response, original, fields))
            records = 2
        elif urlsplit(response.url).scheme in ("http", "https"):
            writer.write_request_response_pair(
                self.request_record(writer, request, response.url),
                self.response_record(writer, response, fields),
            )
            records = 2
        else:
            writer.write_record(self.resource_record(writer, response, fields))
            records = 1
        stats = self.crawler.stats
        stats.inc_value(STAT.format("records"), records)
        stats.inc_value(STAT.format("responses"))
        stats.set_value(STAT.format("bytes"), rotating.bytes_written)
        stats.set_value(STAT.format("files"), len(rotating.paths))
        if len(rotating.paths) > files and files:
            logger.info("WARC file %s begun", rotating.paths[-1])

    @staticmethod
    def original_record_id(request: Request, response: Response) -> str | None:
        """The WARC-Record-ID of the one record a range request into an archive's WARC file
        answered with, or None when the answer is no such record (it is then kept like any
        other response)."""
        if not request.meta.get(Meta.WARC_RECORD) or response.status != 206:
            return None
        if not response.body.startswith(GZIP_MAGIC) or not request.headers.get("Range"):
            return None
        try:
            stream = BytesIO(response.body)
            iterator = ArchiveIterator(stream)
            record = next(iter(iterator))
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            record.raw_stream.read()
            if iterator.get_record_length() != len(response.body) or not record_id:
                return None  # more or less than one whole gzip member
        except Exception:  # noqa: BLE001 - not a record: stored as an ordinary response
            return None
        return record_id

    @staticmethod
    def range_record(
        writer: WARCWriter,
        request: Request,
        response: Response,
        refers_to: str,
        fields: dict[str, str],
    ):
        answer = {"status": response.status, "headers": _header_list(response.headers)}
        payload = json.dumps(answer, sort_keys=True).encode("utf-8")
        return writer.create_warc_record(
            request.url,
            "metadata",
            payload=BytesIO(payload),
            length=len(payload),
            warc_content_type="application/json",
            warc_headers_dict={
                **fields,
                "WARC-Refers-To": refers_to,
                RANGE_FIELD: header_text(request.headers.get("Range")),
            },
        )

    @staticmethod
    def response_record(writer: WARCWriter, response: Response, fields: dict[str, str]):
        try:
            phrase = HTTPStatus(response.status).phrase
        except ValueError:
            phrase = ""
        status = f"{response.status} {phrase}".strip()
        http_headers = WireHeaders(
            status, _header_list(response.headers), protocol=response.protocol or "HTTP/1.1"
        )
        return writer.create_warc_record(
            response.url,
            "response",
            payload=BytesIO(response.body),
            length=len(response.body),
            http_headers=http_headers,
            warc_headers_dict=fields,
        )

    @staticmethod
    def request_record(writer: WARCWriter, request: Request, url: str):
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [("Host", parts.netloc)] + [
            pair for pair in _header_list(request.headers) if pair[0].lower() != "host"
        ]
        if request.body:
            headers.append(("Content-Length", str(len(request.body))))
        http_headers = WireHeaders(
            f"{request.method} {target} HTTP/1.1", headers, is_http_request=True
        )
        return writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(request.body),
            length=len(request.body),
            http_headers=http_headers,
        )

    @staticmethod
    def resource_record(writer: WARCWriter, response: Response, fields: dict[str, str]):
        content_type = mimetypes.guess_type(response.url)[0] or "application/octet-stream"
        return writer.create_warc_record(
            response.url,
            "resource",
            payload=BytesIO(response.body),
            length=len(response.body),
            warc_content_type=content_type,
            warc_headers_dict=fields,
        )

    def spider_closed(self, spider, reason) -> None:
        if self.writer is not None:
            try:
                self.writer.close()
            except OSError as error:
                ledger_for(self.crawler).failed("warc", self.writer.paths[-1], error)
            self.crawler.stats.set_value(STAT.format("bytes"), self.writer.bytes_written)
            for path in self.writer.paths:
                logger.info("WARC written: %s", path)
