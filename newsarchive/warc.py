"""WARC: the raw pages of a run kept beside its records, and read back for `scrapy reparse`.

Writing: `WarcMiddleware` (a downloader middleware) writes every response the crawl receives,
with its request, into gzip-compressed WARC 1.1 files in `NEWSARCHIVE_OUTPUT_DIR`, named like
the feeds: `<spider>-<run_id>-00000.warc.gz`, `…-00001.warc.gz` after `NEWSARCHIVE_WARC_MAX_BYTES`.

Reading: `WarcArchive` indexes the responses of WARC files by URL; `WarcReplayHandler`, a
download handler for http, https and file, answers the spider's requests from it, so a
reparse runs the crawl's own spider, middlewares, pipelines and feeds, only offline.

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

import hashlib
import json
import logging
import mimetypes
import platform
import weakref
from base64 import b32encode
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError, version
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urldefrag, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from w3lib.url import file_uri_to_path
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive.feeds import archiving, run_started
from newsarchive.feeds import run_id as feed_run_id
from newsarchive.writes import ledger_for

logger = logging.getLogger(__name__)

WARC_VERSION = "1.1"
# Settings a warcinfo record names: what shaped the run. The REPLAYED ones change which
# requests the spider makes or how responses are handled, so a reparse applies them again.
REPLAYED_SETTINGS = (
    "GOLEM_BASE_URL",
    "WAYBACK_BASE_URL",
    "COMMONCRAWL_INDEX_URL",
    "COMMONCRAWL_DATA_URL",
    "WAYBACK_CDX_PAGE_SIZE",
    "GOLEM_CONSENT_COOKIE",
    "GOLEM_MULTIPAGE_SINGLE",
    "NEWSARCHIVE_FOLLOW_HOPS",
    "NEWSARCHIVE_MAX_PAGES",
    "HTTPERROR_ALLOWED_CODES",
    "REDIRECT_ENABLED",
    "REDIRECT_MAX_TIMES",
    "RETRY_ENABLED",
    "RETRY_TIMES",
    "RETRY_HTTP_CODES",
    "NEWSARCHIVE_NOW",  # a run on a pinned clock is replayed on the same clock
)
RECORDED_SETTINGS = (
    *REPLAYED_SETTINGS,
    "USER_AGENT",
    "ROBOTSTXT_OBEY",
    "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_ENABLED",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_TIMEOUT",
    "NEWSARCHIVE_STATE_ENABLED",
    "NEWSARCHIVE_WARC_MAX_BYTES",
)

# Request meta that steers the spider and depends on the order pages arrived in or on the
# state store: an article reached first over a related link (hops 1) follows no links of its
# own; an older month's sitemap is read only for entries newer than it was last read to
# (sitemap_since). Written beside each response (field NAVIGATION_FIELD) and given back on
# replay, so a reparse, whose pages arrive in another order and which has no state, follows
# exactly the links the crawl followed.
NAVIGATION_META = ("hops", "sitemap_since")
NAVIGATION_FIELD = "Newsarchive-Meta"
# On the metadata record that follows an archive's original record: the Range requested.
RANGE_FIELD = "Newsarchive-Range"
GZIP_MAGIC = b"\x1f\x8b"

STAT = "newsarchive/warc/{}"
REPLAY_STAT = "newsarchive/reparse/{}"


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


def warc_date(instant: datetime) -> str:
    """WARC 1.1 date with microseconds, so the instant round-trips exactly."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_warc_date(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _header_list(headers: Headers) -> list[tuple[str, str]]:
    """Scrapy headers as (name, value) pairs, one pair per value (Set-Cookie stays apart)."""
    return [(_text(name), _text(value)) for name, values in headers.items() for value in values]


class WireHeaders(StatusAndHeaders):
    """HTTP headers written as the very bytes they came in.

    warcio percent-encodes a header value that is not ASCII (`to_ascii_bytes`), so a
    Location sent in UTF-8 or latin-1 bytes was stored as another URL, and the replayed
    redirect went where the crawl never went ("not in the WARC files"). Scrapy keeps header
    values as bytes and `_text` maps them one to one onto latin-1 characters, so encoding
    the block as latin-1 writes them unchanged; `parse_http_head` reads them back as bytes.
    """

    def compute_headers_buffer(self, header_filter=None) -> None:
        self.headers_buff = self.to_bytes(header_filter, encoding="latin-1")


@dataclass(frozen=True)
class HttpHead:
    """Status line and headers of a stored HTTP response, header values as bytes."""

    protocol: str
    status: int
    headers: list[tuple[bytes, bytes]]


def parse_http_head(block: bytes) -> tuple[HttpHead, bytes]:
    """A response record's block → its status line and headers, byte for byte, and body.

    warcio's reader decodes each header line as UTF-8, or latin-1 where that fails, and
    the two can give the same text for different bytes; a redirect replays exactly only
    from the bytes, so the head is read here.
    """
    head, separator, body = block.partition(b"\r\n\r\n")
    if not separator:
        raise WarcReadError("the HTTP headers of the record do not end")
    status_line, *lines = head.split(b"\r\n")
    protocol, _, rest = status_line.decode("latin-1").partition(" ")
    try:
        status = int(rest.split(" ", 1)[0])
    except ValueError as error:
        raise WarcReadError(f"no HTTP status in {status_line[:80]!r}") from error
    headers = []
    for line in lines:
        name, colon, value = line.partition(b":")
        if colon:
            headers.append((name.strip(), value.strip()))
    return HttpHead(protocol, status, headers), body


def url_key(url: str) -> str:
    """The URL a request goes out as: a fragment never reaches the server (and Scrapy's
    responses do not carry it), while a redirect's Location may name one (`…#cmts`)."""
    return urldefrag(url)[0]


# --- writing -------------------------------------------------------------------------------
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
        if not settings.getbool("NEWSARCHIVE_WARC_ENABLED", True) or not archiving(settings):
            raise NotConfigured  # no message: Scrapy would log one as a warning
        self.crawler = crawler
        self.max_bytes = settings.getint("NEWSARCHIVE_WARC_MAX_BYTES", 1_000_000_000)
        self.folder = Path(settings.get("NEWSARCHIVE_OUTPUT_DIR", "output"))
        self.writer: RotatingWarcWriter | None = None
        self.failed = False
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def warcinfo(self, spider: Any) -> dict[str, str]:
        """The warcinfo fields: what wrote the file, and what a reparse needs to run again."""
        settings = self.crawler.settings
        recorded = {name: settings.get(name) for name in RECORDED_SETTINGS if name in settings}
        return {
            "software": software(),
            "format": f"WARC File Format {WARC_VERSION}",
            "conformsTo": "https://iipc.github.io/warc-specifications/"
            "specifications/warc-format/warc-1.1/",
            "description": "golem.de pages as fetched by newsarchive; "
            "`scrapy reparse` rebuilds the run's records from them",
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT") or "",
            "spider": spider.name,
            # JSON on one line each: read back by newsarchive.warc.read_warcinfo.
            "spider-arguments": json.dumps(getattr(spider, "arguments", {}), default=str),
            "run-started": warc_date(run_started(spider)),
            "settings": json.dumps(recorded, default=str, sort_keys=True),
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
        fetched_at = request.meta.get("fetched_at") or datetime.now(UTC)
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
        if not request.meta.get("warc_record") or response.status != 206:
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
                RANGE_FIELD: _text(request.headers.get("Range")),
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


# --- reading -------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredResponse:
    """Where one response (or resource) record of a WARC file is, and what it answers."""

    path: str
    offset: int
    url: str
    date: datetime
    kind: str
    truncated: str | None = None  # WARC-Truncated: the download was cut short
    navigation: str | None = None  # NAVIGATION_FIELD: JSON of the crawl's request meta


@dataclass(frozen=True)
class StoredRange:
    """An archive's original record in a WARC file, and the range request it answered."""

    path: str
    offset: int
    length: int
    date: datetime
    answer: str  # JSON: status and headers of the 206 answer


class WarcReadError(Exception):
    """A WARC file or record could not be read (cut short, corrupt, no WARC at all)."""


def read_warcinfo(path: str | Path) -> tuple[bool, dict[str, str] | None]:
    """Whether the file begins with a readable WARC record, and the fields of its warcinfo
    record (None when the first record is of another type)."""
    try:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "warcinfo":
                    return True, None
                text = record.content_stream().read().decode("utf-8")
                fields = {}
                for line in text.splitlines():
                    name, sep, value = line.partition(":")
                    if sep:
                        fields[name.strip()] = value.strip()
                return True, fields
    except Exception as error:  # noqa: BLE001 - any unreadable file is reported, not raised
        logger.error("WARC %s unreadable: %s", path, str(error).strip() or type(error).__name__)
    return False, None


def _block_digest(block: bytes) -> str:
    return "sha1:" + b32encode(hashlib.sha1(block).digest()).decode("ascii")


class WarcArchive:
    """The responses of some WARC files, indexed by URL; bodies are read only when asked for.

    A URL fetched more than once (a retried 503, a consent wall fetched again) answers its
    requests in the order they were recorded; once only one record is left it keeps
    answering with it.
    """

    def __init__(self) -> None:
        self.by_url: dict[str, deque[StoredResponse]] = defaultdict(deque)
        # (URL, Range) → the original records range requests were answered with.
        self.by_range: dict[tuple[str, str], deque[StoredRange]] = defaultdict(deque)
        self.records = 0
        self.problems: list[str] = []
        self.served: set[tuple[str, int]] = set()
        self._handles: dict[str, IO[bytes]] = {}

    @classmethod
    def of(cls, paths: list[str]) -> WarcArchive:
        archive = cls()
        for path in paths:
            archive.add_file(path)
        return archive

    def add_file(self, path: str) -> None:
        """Index one file; a cut or corrupt file keeps the records before the damage."""
        found = 0
        offset = 0
        members: dict[str, tuple[int, int]] = {}  # WARC-Record-ID → offset, length
        try:
            with open(path, "rb") as stream:
                iterator = ArchiveIterator(stream, no_record_parse=True)
                for record in iterator:
                    headers = record.rec_headers
                    declared = int(headers.get_header("Content-Length") or -1)
                    block = record.raw_stream.read()
                    offset = iterator.get_record_offset()
                    if declared < 0:
                        raise WarcReadError(f"record at byte {offset} is cut short in its header")
                    if len(block) != declared:
                        raise WarcReadError(
                            f"record at byte {offset} is cut short "
                            f"({len(block)} of {declared} bytes)"
                        )
                    digest = headers.get_header("WARC-Block-Digest")
                    if digest and digest.startswith("sha1:") and digest != _block_digest(block):
                        raise WarcReadError(f"record at byte {offset} fails its block digest")
                    record_id = headers.get_header("WARC-Record-ID")
                    if record.rec_type == "response" and record_id:
                        members[record_id] = (offset, iterator.get_record_length())
                    if record.rec_type == "metadata" and headers.get_header(RANGE_FIELD):
                        found += self._add_range(path, headers, block, members)
                        continue
                    if record.rec_type not in ("response", "resource"):
                        continue
                    url = headers.get_header("WARC-Target-URI")
                    date = headers.get_header("WARC-Date")
                    if not url or not date:
                        continue
                    self.by_url[url_key(url)].append(
                        StoredResponse(
                            path,
                            offset,
                            url,
                            parse_warc_date(date),
                            record.rec_type,
                            headers.get_header("WARC-Truncated"),
                            headers.get_header(NAVIGATION_FIELD),
                        )
                    )
                    found += 1
        except Exception as error:  # noqa: BLE001 - reported and counted, never a crash
            self.problems.append(f"{path}: {error or type(error).__name__}")
            logger.error(
                "WARC %s unreadable after %d responses (%s); the responses before are used",
                path,
                found,
                str(error).strip() or type(error).__name__,
            )
        self.records += found

    def _add_range(self, path: str, headers: Any, block: bytes, members: dict) -> int:
        member = members.get(headers.get_header("WARC-Refers-To") or "")
        url, date = headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date")
        if member is None or not url or not date:
            return 0
        stored = StoredRange(path, *member, parse_warc_date(date), block.decode("utf-8"))
        self.by_range[(url, headers.get_header(RANGE_FIELD))].append(stored)
        # The original is served through its range request, never by its own URL.
        self.served.add((path, member[0]))
        return 0

    def take_range(self, url: str, byte_range: str) -> StoredRange | None:
        stored = self.by_range.get((url, byte_range))
        if not stored:
            return None
        return stored.popleft() if len(stored) > 1 else stored[0]

    def load_range(self, stored: StoredRange) -> bytes:
        """The original record's gzip member, as the range request received it."""
        handle = self._handles.get(stored.path)
        if handle is None:
            handle = self._handles[stored.path] = open(stored.path, "rb")  # noqa: SIM115
        handle.seek(stored.offset)
        return handle.read(stored.length)

    def take(self, url: str) -> StoredResponse | None:
        stored = self.by_url.get(url_key(url))
        if not stored:
            return None
        taken = stored.popleft() if len(stored) > 1 else stored[0]
        self.served.add((taken.path, taken.offset))
        return taken

    def unused(self) -> int:
        """Responses no request has asked for (yet): a sign the replay took another path.

        robots.txt is left out: a reparse does not ask for it (ROBOTSTXT_OBEY is off there).
        """
        robots = sum(len(s) for url, s in self.by_url.items() if url.endswith("/robots.txt"))
        return self.records - len(self.served) - robots

    def load(self, stored: StoredResponse) -> tuple[HttpHead | None, bytes]:
        """HTTP status and headers (None for a resource) and the body as stored."""
        handle = self._handles.get(stored.path)
        if handle is None:
            handle = self._handles[stored.path] = open(stored.path, "rb")  # noqa: SIM115
        handle.seek(stored.offset)
        record = next(iter(ArchiveIterator(handle, no_record_parse=True)))
        block = record.raw_stream.read()
        if stored.kind == "resource":
            return None, block
        return parse_http_head(block)

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()


# Response flags of a cut download, back from the WARC-Truncated value written for them.
TRUNCATION_FLAGS = {"disconnect": ("dataloss",), "length": ("partial",)}


class NotInWarc(Exception):
    """The request's URL has no response in the WARC files being replayed."""


# One index per crawler, shared by the handler instances of its schemes (http, https, file).
_ARCHIVES: weakref.WeakKeyDictionary[Any, WarcArchive] = weakref.WeakKeyDictionary()


def replay_holds(crawler, url: str) -> bool:
    """Whether the WARC files a reparse replays hold a response for `url` (False when the
    run replays nothing): what a crawl chose to read from the state, which a reparse has not,
    its WARC tells."""
    archive = _ARCHIVES.get(crawler)
    return archive is not None and bool(archive.by_url.get(url))


class WarcReplayHandler:
    """Download handler answering each request from WARC files (`NEWSARCHIVE_REPLAY_WARCS`).

    The response is built as the real handlers build theirs (same response class, status,
    headers, body as received); it comes with the context of its crawl: `fetched_at` is the
    record's WARC-Date, and the navigation meta (NAVIGATION_META) is the crawl's.
    """

    lazy = False

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        archive = _ARCHIVES.get(crawler)
        if archive is None:
            paths = crawler.settings.getlist("NEWSARCHIVE_REPLAY_WARCS")
            if not paths:
                raise NotConfigured("NEWSARCHIVE_REPLAY_WARCS names no WARC file")
            archive = _ARCHIVES[crawler] = WarcArchive.of(paths)
            self.stats.set_value(REPLAY_STAT.format("files"), len(paths))
            self.stats.set_value(REPLAY_STAT.format("files_unreadable"), len(archive.problems))
            self.stats.set_value(REPLAY_STAT.format("records"), archive.records)
            logger.info(
                "replaying %d responses from %d WARC files (%d unreadable)",
                archive.records,
                len(paths),
                len(archive.problems),
            )
            self.stats.set_value(REPLAY_STAT.format("unused"), archive.unused())
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        byte_range = request.headers.get("Range")
        if byte_range is not None:
            ranged = self.archive.take_range(request.url, _text(byte_range))
            if ranged is not None:
                return self.range_response(request, ranged)
        stored = self.archive.take(request.url)
        if stored is None:
            self.stats.inc_value(REPLAY_STAT.format("missing"))
            logger.error("not in the WARC files: %s", request.url)
            raise NotInWarc(f"no response for {request.url} in the WARC files")
        try:
            head, body = self.archive.load(stored)
        except Exception as error:  # noqa: BLE001 - one bad record fails one request only
            self.stats.inc_value(REPLAY_STAT.format("unreadable"))
            raise WarcReadError(f"{stored.path} at byte {stored.offset}: {error}") from error
        self.stats.inc_value(REPLAY_STAT.format("replayed"))
        self.stats.set_value(REPLAY_STAT.format("unused"), self.archive.unused())
        request.meta["fetched_at"] = stored.date
        if stored.navigation:
            request.meta.update(json.loads(stored.navigation))
        flags = ["warc", *TRUNCATION_FLAGS.get(stored.truncated or "", ())]
        if head is None:
            # As Scrapy's file handler answers: no status line, no headers.
            path = file_uri_to_path(stored.url) if stored.url.startswith("file:") else None
            respcls = responsetypes.from_args(filename=path, url=stored.url, body=body)
            return respcls(url=request.url, body=body, flags=flags)
        headers = Headers()
        for name, value in head.headers:
            headers.appendlist(name, value)
        status = head.status
        url = url_key(request.url)  # as Scrapy's HTTP handler answers: without the fragment
        respcls = responsetypes.from_args(headers=headers, url=url, body=body)
        return respcls(
            url=url,
            status=status,
            headers=headers,
            body=body,
            flags=flags,
            protocol=head.protocol or None,
        )

    def range_response(self, request: Request, stored: StoredRange) -> Response:
        """The 206 answer a range request into an archive's WARC file got in the crawl."""
        try:
            body = self.archive.load_range(stored)
            answer = json.loads(stored.answer)
        except Exception as error:  # noqa: BLE001 - one bad record fails one request only
            self.stats.inc_value(REPLAY_STAT.format("unreadable"))
            raise WarcReadError(f"{stored.path} at byte {stored.offset}: {error}") from error
        self.stats.inc_value(REPLAY_STAT.format("replayed"))
        request.meta["fetched_at"] = stored.date
        headers = Headers()
        for name, value in answer.get("headers", []):
            headers.appendlist(name, value)
        return Response(
            url=request.url,
            status=int(answer.get("status", 206)),
            headers=headers,
            body=body,
            flags=["warc"],
        )

    async def close(self) -> None:
        self.archive.close()
