"""Replaying WARC: `scrapy reparse` answers the spider's requests from a run's WARC files."""

from __future__ import annotations

import hashlib
import json
import logging
from base64 import b32encode
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urldefrag

from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from w3lib.url import file_uri_to_path
from warcio.archiveiterator import ArchiveIterator

from newsarchive.meta import Meta
from newsarchive.warc.format import NAVIGATION_FIELD, RANGE_FIELD, header_text

logger = logging.getLogger(__name__)

REPLAY_STAT = "newsarchive/reparse/{}"


def parse_warc_date(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


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


class ReplayArchive:
    """Extension: the index of the WARC files a reparse replays (`NEWSARCHIVE_REPLAY_WARCS`),
    built once and found through the crawler by the replay handler of every scheme (http,
    https, file) and by the incremental filter; off (NotConfigured) when nothing is replayed.
    """

    def __init__(self, crawler, paths: list[str]) -> None:
        self.archive = WarcArchive.of(paths)
        stats = crawler.stats
        stats.set_value(REPLAY_STAT.format("files"), len(paths))
        stats.set_value(REPLAY_STAT.format("files_unreadable"), len(self.archive.problems))
        stats.set_value(REPLAY_STAT.format("records"), self.archive.records)
        logger.info(
            "replaying %d responses from %d WARC files (%d unreadable)",
            self.archive.records,
            len(paths),
            len(self.archive.problems),
        )
        stats.set_value(REPLAY_STAT.format("unused"), self.archive.unused())

    @classmethod
    def from_crawler(cls, crawler):
        paths = crawler.settings.getlist("NEWSARCHIVE_REPLAY_WARCS")
        if not paths:
            raise NotConfigured
        return cls(crawler, paths)


def replay_holds(crawler, url: str) -> bool:
    """Whether the WARC files a reparse replays hold a response for `url` (False when the
    run replays nothing): what a crawl chose to read from the state, which a reparse has not,
    its WARC tells."""
    replay = crawler.get_extension(ReplayArchive)
    return replay is not None and bool(replay.archive.by_url.get(url))


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
        replay = crawler.get_extension(ReplayArchive)
        if replay is None:
            raise NotConfigured("NEWSARCHIVE_REPLAY_WARCS names no WARC file")
        self.archive = replay.archive

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        byte_range = request.headers.get("Range")
        if byte_range is not None:
            ranged = self.archive.take_range(request.url, header_text(byte_range))
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
        request.meta[Meta.FETCHED_AT] = stored.date
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
        request.meta[Meta.FETCHED_AT] = stored.date
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
