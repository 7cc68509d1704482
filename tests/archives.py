"""Loopback web archives for tests: a Wayback Machine and a Common Crawl on 127.0.0.1.

`WaybackServer` speaks the CDX API (`/cdx/search/cdx`: prefix match, from/to, `fl`,
regex filters, `limit`, resume keys, JSON output) and serves raw captures at
`/web/<timestamp>id_/<url>` (an instant without a capture redirects to the nearest one, as
the real archive does). `CommonCrawlServer` serves `/collinfo.json`, one URL index per crawl
(`/<crawl>-index`: `showNumPages`, `page`, from/to, `=field:value` filters, JSON Lines) and
WARC files built with warcio, read with HTTP range requests. Both can answer some requests
with 429 and `Retry-After`, and log every request they get. `build_archive` fills one with
captures of replica articles and of the real pages, each with the record it must give.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, quote_plus, unquote_plus, urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.helpers import NOW, SHARED_PAGES
from tests.replica.site import build_site
from tests.replica.specs import CANONICAL_BASE

HTML = "text/html; charset=utf-8"


def surt(url: str) -> str:
    """The SURT key archives sort by: `de,golem)/news/x.html` (scheme and www. dropped)."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = (parts.hostname or "").removeprefix("www.")
    key = ",".join(reversed(host.split("."))) + ")" + (parts.path or "/")
    return key + (f"?{parts.query}" if parts.query else "")


@dataclass
class ArchivedPage:
    """One capture: what the archived server answered for `url` at `timestamp`."""

    url: str
    timestamp: str
    body: bytes
    status: int = 200
    content_type: str = HTML
    location: str | None = None

    @property
    def digest(self) -> str:
        return base64.b32encode(hashlib.sha1(self.body).digest()).decode()

    @property
    def urlkey(self) -> str:
        return surt(self.url)

    @property
    def instant(self) -> datetime:
        return datetime.strptime(self.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)

    def http_headers(self) -> list[tuple[str, str]]:
        headers = [("Content-Type", self.content_type), ("Content-Length", str(len(self.body)))]
        if self.location:
            headers.append(("Location", self.location))
        return headers


class _Server:
    """A ThreadingHTTPServer in a thread with a request log and optional rate limiting:
    with `limit_every=N`, every Nth request (robots.txt aside) gets 429 + Retry-After, but
    never two in a row for one path (a client that waited as asked is answered: which
    request is the Nth depends on timing, and a request that drew every Nth turn would
    otherwise fail however long it waited); with `refuse={part of a path: n}`, the first n
    requests for a path holding it get 429 + Retry-After (an archive that refuses one
    capture for longer than the client's retries, then recovers); with `delay`, every
    answer waits that long."""

    def __init__(
        self,
        limit_every: int = 0,
        retry_after: int = 1,
        delay: float = 0,
        refuse: dict[str, int] | None = None,
    ) -> None:
        self.limit_every, self.retry_after = limit_every, retry_after
        self.delay = delay  # seconds before each answer: a slow archive
        self.refuse = dict(refuse or {})
        self.log: list[tuple[float, str, int]] = []  # (monotonic time, path, status)
        self.lock = threading.Lock()
        self._counter = 0
        self._limited: set[str] = set()  # paths whose last answer was a limit_every 429
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                time.sleep(server.delay)
                status, headers, body = server.dispatch(self.path, dict(self.headers))
                with server.lock:
                    server.log.append((time.monotonic(), self.path, status))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                if not any(name.lower() == "content-length" for name, _ in headers):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    def dispatch(self, path: str, headers: dict[str, str]) -> tuple[int, list, bytes]:
        if path == "/robots.txt":
            return 200, [("Content-Type", "text/plain")], b"User-agent: *\nDisallow:\n"
        limited = False
        with self.lock:
            part = next((p for p, n in self.refuse.items() if n > 0 and p in path), None)
            if part is not None:
                self.refuse[part] -= 1
                limited = True
            elif self.limit_every:
                self._counter += 1
                limited = self._counter % self.limit_every == 0 and path not in self._limited
                if limited:
                    self._limited.add(path)
                else:
                    self._limited.discard(path)
        if limited:
            return 429, [("Retry-After", str(self.retry_after))], b"slow down"
        return self.answer(path, headers)

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, list, bytes]:
        raise NotImplementedError

    def requests(self, prefix: str = "") -> list[str]:
        return [path for _, path, _ in self.log if path.startswith(prefix)]


def _json(data: object, status: int = 200) -> tuple[int, list, bytes]:
    return status, [("Content-Type", "application/json")], json.dumps(data).encode()


class WaybackServer(_Server):
    """The Wayback Machine's CDX API and raw (`id_`) captures."""

    FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]

    def __init__(
        self, captures: list[ArchivedPage], unlisted: frozenset[str] = frozenset(), **options
    ) -> None:
        super().__init__(**options)
        self.captures = sorted(captures, key=lambda c: (c.urlkey, c.timestamp))
        # Timestamps of captures the index leaves out (served all the same): an index
        # answer that missed them.
        self.unlisted = unlisted

    def row(self, capture: ArchivedPage) -> dict[str, str]:
        return {
            "urlkey": capture.urlkey,
            "timestamp": capture.timestamp,
            "original": capture.url,
            "mimetype": capture.content_type.split(";")[0],
            "statuscode": str(capture.status),
            "digest": capture.digest,
            "length": str(len(capture.body)),
        }

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, list, bytes]:
        parts = urlsplit(path)
        if parts.path == "/cdx/search/cdx":
            return self.cdx(parse_qs(parts.query))
        match = re.match(r"^/web/(\d{14})id_/(.+)$", path)
        if match:
            return self.capture(match[1], match[2])
        return 404, [("Content-Type", "text/plain")], b"not found"

    def cdx(self, query: dict[str, list[str]]) -> tuple[int, list, bytes]:
        url = query["url"][0]
        prefix = query.get("matchType", ["exact"])[0] == "prefix" or url.endswith("*")
        key = surt(url.rstrip("*"))
        first = query.get("from", [""])[0].ljust(14, "0")
        last = query.get("to", [""])[0].ljust(14, "9") or "9" * 14
        fields = query.get("fl", [",".join(self.FIELDS)])[0].split(",")
        limit = int(query.get("limit", ["150000"])[0])
        rows = []
        for capture in self.captures:
            row = self.row(capture)
            matches = row["urlkey"].startswith(key) if prefix else row["urlkey"] == key
            if not matches or not first <= capture.timestamp <= last:
                continue
            if capture.timestamp in self.unlisted:
                continue
            if all(self._passes(row, f) for f in query.get("filter", [])):
                rows.append(row)
        resume = query.get("resumeKey", [None])[0]
        if resume:
            after = unquote_plus(resume).rstrip("!")
            rows = [r for r in rows if f"{r['urlkey']} {r['timestamp']}" > after]
        out: list[list[str]] = [fields] + [[r[f] for f in fields] for r in rows[:limit]]
        if query.get("showResumeKey", ["false"])[0] == "true" and len(rows) > limit:
            last_row = rows[limit - 1]
            out += [[], [quote_plus(f"{last_row['urlkey']} {last_row['timestamp']}!")]]
        if len(out) == 1:
            out = []
        return _json(out)

    @staticmethod
    def _passes(row: dict[str, str], spec: str) -> bool:
        negate = spec.startswith("!")
        name, _, pattern = spec.lstrip("!").partition(":")
        return bool(re.fullmatch(pattern, row.get(name, ""))) != negate

    def capture(self, timestamp: str, url: str) -> tuple[int, list, bytes]:
        key = surt(url)
        same_url = [c for c in self.captures if c.urlkey == key]
        if not same_url:
            return 404, [("Content-Type", "text/plain")], b"Wayback has no capture of this URL"
        exact = [c for c in same_url if c.timestamp == timestamp]
        if not exact:
            wanted = datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            nearest = min(same_url, key=lambda c: abs((c.instant - wanted).total_seconds()))
            return 302, [("Location", f"/web/{nearest.timestamp}id_/{nearest.url}")], b""
        found = exact[0]
        headers = [
            (name, value) for name, value in found.http_headers() if name != "Content-Length"
        ]
        headers.append(("Memento-Datetime", format_datetime(found.instant, usegmt=True)))
        return found.status, headers, found.body


@dataclass
class Crawl:
    """One Common Crawl crawl: its id, span and captures (stored in one WARC file)."""

    id: str
    start: datetime
    end: datetime
    captures: list[ArchivedPage]
    state_span: bool = True  # whether collinfo.json states from/to
    filename: str = ""
    warc: bytes = b""
    rows: list[dict[str, str]] = field(default_factory=list)


class CommonCrawlServer(_Server):
    """Common Crawl's collection list, URL indexes (pywb CDX API) and WARC files."""

    def __init__(self, crawls: list[Crawl], page_size: int = 3, **options) -> None:
        super().__init__(**options)
        self.page_size = page_size
        self.crawls = {crawl.id: crawl for crawl in crawls}
        self.files: dict[str, bytes] = {}
        for crawl in crawls:
            self._store(crawl)

    def _store(self, crawl: Crawl) -> None:
        crawl.filename = (
            f"crawl-data/{crawl.id}/segments/1546000000.1/warc/{crawl.id}-00000.warc.gz"
        )
        out = BytesIO()
        writer = WARCWriter(out, gzip=True)
        for capture in sorted(crawl.captures, key=lambda c: (c.urlkey, c.timestamp)):
            offset = out.tell()
            http = StatusAndHeaders(
                f"{capture.status} {'OK' if capture.status == 200 else 'Other'}",
                capture.http_headers(),
                protocol="HTTP/1.1",
            )
            record = writer.create_warc_record(
                capture.url,
                "response",
                payload=BytesIO(capture.body),
                length=len(capture.body),
                http_headers=http,
                warc_headers_dict={
                    "WARC-Date": capture.instant.strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
            )
            writer.write_record(record)
            crawl.rows.append(
                {
                    "urlkey": capture.urlkey,
                    "timestamp": capture.timestamp,
                    "url": capture.url,
                    "mime": capture.content_type.split(";")[0],
                    "mime-detected": capture.content_type.split(";")[0],
                    "status": str(capture.status),
                    "digest": capture.digest,
                    "length": str(out.tell() - offset),
                    "offset": str(offset),
                    "filename": crawl.filename,
                }
            )
        crawl.warc = out.getvalue()
        self.files[f"/{crawl.filename}"] = crawl.warc

    def collinfo(self) -> list[dict[str, str]]:
        out = []
        for crawl in self.crawls.values():
            entry = {
                "id": crawl.id,
                "name": f"{crawl.id} Index",
                "timegate": f"{self.base_url}/{crawl.id}/",
                "cdx-api": f"{self.base_url}/{crawl.id}-index",
            }
            if crawl.state_span:
                entry["from"] = crawl.start.strftime("%Y-%m-%dT%H:%M:%S")
                entry["to"] = crawl.end.strftime("%Y-%m-%dT%H:%M:%S")
            out.append(entry)
        return out

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, list, bytes]:
        parts = urlsplit(path)
        if parts.path == "/collinfo.json":
            return _json(self.collinfo())
        match = re.match(r"^/(CC-MAIN-\d{4}-\d{2})-index$", parts.path)
        if match and match[1] in self.crawls:
            return self.index(self.crawls[match[1]], parse_qs(parts.query))
        if parts.path in self.files:
            return self.data(self.files[parts.path], headers.get("Range", ""))
        return 404, [("Content-Type", "text/plain")], b"not found"

    def index(self, crawl: Crawl, query: dict[str, list[str]]) -> tuple[int, list, bytes]:
        url = query["url"][0]
        key = surt(url.rstrip("*"))
        prefix = url.endswith("*")
        first = query.get("from", [""])[0].ljust(14, "0")
        last = query.get("to", [""])[0].ljust(14, "9") or "9" * 14
        rows = [
            r
            for r in crawl.rows
            if (r["urlkey"].startswith(key) if prefix else r["urlkey"] == key)
            and first <= r["timestamp"] <= last
        ]
        closest = query.get("closest", [None])[0]
        if closest and query.get("sort", [""])[0] == "closest":
            rows.sort(key=lambda r: abs(int(r["timestamp"]) - int(closest)))
        for spec in query.get("filter", []):
            if spec.startswith("="):
                name, _, value = spec[1:].partition(":")
                rows = [r for r in rows if r.get(name) == value]
        pages = max(1, -(-len(rows) // self.page_size))
        if query.get("showNumPages", ["false"])[0] == "true":
            return _json({"pages": pages, "pageSize": self.page_size, "blocks": pages})
        if not rows:
            return _json({"message": f"No Captures found for: {url}"}, 404)
        if "page" in query:
            page = int(query["page"][0])
            chunk = rows[page * self.page_size : (page + 1) * self.page_size]
        else:
            chunk = rows
        chunk = chunk[: int(query.get("limit", [len(chunk)])[0])]
        body = "".join(json.dumps(r) + "\n" for r in chunk).encode()
        return 200, [("Content-Type", "text/x-ndjson")], body

    @staticmethod
    def data(blob: bytes, range_header: str) -> tuple[int, list, bytes]:
        match = re.fullmatch(r"bytes=(\d+)-(\d+)", range_header.strip())
        if not match:
            return 200, [("Content-Type", "application/octet-stream")], blob
        start, end = int(match[1]), int(match[2])
        part = blob[start : end + 1]
        headers = [
            ("Content-Type", "application/octet-stream"),
            ("Content-Range", f"bytes {start}-{start + len(part) - 1}/{len(blob)}"),
        ]
        return 206, headers, part


# --- the archive the tests read: captures of replica articles and of the real pages ---------
PERIOD = ("-a", "since=2024-01-01", "-a", "until=2025-12-31")
REAL_PAGES = {
    "184627": ("2024-04-28-classic-184627", "20240428150000"),
    "199920": ("2025-09-09-current-199920", "20250909140000"),
}


@dataclass
class Archive:
    """Captures with the record each one must give (None: it gives none)."""

    pages: list[ArchivedPage] = field(default_factory=list)
    expected: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)

    def add(self, url: str, stamp: str, body: bytes, record: dict | None, **page: Any) -> None:
        self.pages.append(ArchivedPage(url, stamp, body, **page))
        if record is not None:
            self.expected[(record["id"], stamp)] = record


def stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def build_archive() -> tuple[Archive, dict[str, str]]:
    """Captures of replica articles and real pages; and which article plays which part."""
    site = build_site(now=NOW, n_articles=30)
    archive = Archive()
    specs = sorted(site.articles.values(), key=lambda s: s.id)
    classic = next(s for s in specs if s.layout == "classic" and s.page_count == 1)
    current = next(s for s in specs if s.layout == "current" and s.page_count == 1)
    multipage = site.articles[site.edge_cases["multipage_classic"]]
    removed = next(s for s in specs if s.page_count == 1 and s.id not in (classic.id, current.id))
    roles = {"revised": classic.id, "current": current.id, "multipage": multipage.id}
    roles["removed"] = removed.id

    def capture(spec_id: str, at: datetime, *, pages: int = 1) -> None:
        spec = site.articles[spec_id]
        record = copy.deepcopy(spec.expected_record(CANONICAL_BASE, site.articles))
        record.update(source="wayback", captured_at=at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        for number in range(1, pages + 1):
            html = site._article_html(spec_id, number, CANONICAL_BASE).encode()
            when = at + timedelta(seconds=7 * (number - 1))  # later pages: seconds later
            archive.add(spec.url(page=number), stamp(when), html, record if number == 1 else None)

    day = timedelta(days=1)
    base = classic.published.astimezone(UTC).replace(microsecond=0)
    capture(classic.id, base + day)
    capture(classic.id, base + 2 * day)  # the same bytes: its digest is left out
    site.revise(classic.id, "Nachtrag: Der Hersteller hat die Angaben inzwischen bestätigt.")
    capture(classic.id, base + 3 * day)  # changed: version 2
    capture(classic.id, base + 4 * day)  # the same as version 2
    # The same article under http:// and without www: one article, one more instant.
    site.revise(classic.id, "Nachtrag 2: Auch der Händler hat sich inzwischen geäußert.")
    html = site._article_html(classic.id, 1, CANONICAL_BASE).encode()
    record = copy.deepcopy(site.articles[classic.id].expected_record(CANONICAL_BASE, site.articles))
    at = base + 5 * day
    record.update(source="wayback", captured_at=at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    archive.add(classic.url().replace("https://www.", "http://"), stamp(at), html, record)
    # No 200 page: a redirect and a 404 capture (the index filter leaves them out).
    archive.add(classic.url(), stamp(base + 6 * day), b"", None, status=301,
                location=classic.url() + "?moved")  # fmt: skip
    archive.add(removed.url(), stamp(removed.published + 9 * day), b"<html>weg</html>", None,
                status=404)  # fmt: skip
    capture(removed.id, removed.published.astimezone(UTC).replace(microsecond=0) + day)
    del site.articles[removed.id]  # gone from the site, kept by the archive
    capture(current.id, current.published.astimezone(UTC).replace(microsecond=0) + 2 * day)
    mp_at = multipage.published.astimezone(UTC).replace(microsecond=0) + day
    capture(multipage.id, mp_at, pages=multipage.page_count)
    # Outside the period: never listed.
    archive.add(current.url(), "20230101120000", b"<html>alt</html>", None)
    for _article, (name, when) in REAL_PAGES.items():
        html_path = SHARED_PAGES / f"{name}.html"
        if not html_path.exists():
            continue
        expected = json.loads((SHARED_PAGES / f"{name}.expected.json").read_text("utf-8"))
        instant = datetime.strptime(when, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        expected.update(source="wayback", captured_at=instant.strftime("%Y-%m-%dT%H:%M:%SZ"))
        archive.add(expected["url"], when, html_path.read_bytes(), expected)
    return archive, roles
