"""WARC output of a crawl, and `scrapy reparse` rebuilding the same records from it offline.

Most tests share one crawl (module fixture): the default run (home page, ticker, feed,
sitemaps, related articles) over real HTTP against the golem.de replica, whose ticker
answers 500 once (so one URL has two responses) and whose multi-page articles are fetched
page by page. The two real golem.de pages, served gzip-encoded as the real site does, check
that stored bodies stay consistent with their Content-Encoding.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from newsarchive.warc.replay import WarcArchive
from tests.helpers import NOW, SHARED_PAGES, CrawlResult, run_crawl, run_reparse, warcio
from tests.replica import ReplicaServer, Site, build_site, render_article

# The spider's clock on the replica's "now", so it asks for the sitemaps the replica has.
FAST = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "NEWSARCHIVE_NOW": NOW.isoformat(),
}
REAL_PAGES = sorted(SHARED_PAGES.glob("*.html")) if SHARED_PAGES.is_dir() else []
needs_real_pages = pytest.mark.skipif(
    not REAL_PAGES, reason=f"real pages not available: {SHARED_PAGES} is absent"
)


# --- running things ----------------------------------------------------------------------------
@dataclass
class Crawl:
    workdir: Path
    result: CrawlResult

    @property
    def warcs(self) -> list[Path]:
        return sorted((self.workdir / "output").glob("*.warc.gz"))


def records(path: Path) -> list[tuple[Any, Any, bytes]]:
    """(WARC headers, HTTP headers, payload) of every record; payloads decoded as a reader
    would (warcio undoes Content-Encoding)."""
    found = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            found.append((record.rec_headers, record.http_headers, record.content_stream().read()))
    return found


def response_offsets(path: Path) -> dict[str, int]:
    """URL → offset of its (first) response record."""
    offsets: dict[str, int] = {}
    with path.open("rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            if record.rec_headers["WARC-Type"] in ("response", "resource"):
                url = record.rec_headers["WARC-Target-URI"]
                offsets.setdefault(url, iterator.get_record_offset())
    return offsets


def warcinfo_fields(path: Path) -> dict[str, str]:
    text = records(path)[0][2].decode("utf-8")
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def by_key(items: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: tuple(str(item[name]) for name in names))


# --- the replica crawl shared by most tests ----------------------------------------------------
@pytest.fixture(scope="module")
def site() -> Site:
    return build_site(now=NOW, n_articles=30)


@pytest.fixture(scope="module")
def replica(site: Site) -> Iterator[ReplicaServer]:
    with ReplicaServer(
        site, faults={"/ticker/": "500-then-200"}, honour_multipage_cookie=False
    ) as server:
        yield server


@pytest.fixture(scope="module")
def crawl(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    workdir = tmp_path_factory.mktemp("crawl")
    result = run_crawl(workdir, settings={"GOLEM_BASE_URL": replica.base_url, **FAST})
    assert result.returncode == 0, result.log[-3000:]
    assert len(result.articles) > 20 and result.teasers, result.log[-3000:]
    return Crawl(workdir, result)


def multi_page_ids(crawl: Crawl) -> list[str]:
    return [a["id"] for a in crawl.result.articles if a["page_count"] > 1]


# --- writing -----------------------------------------------------------------------------------
def test_crawl_writes_one_warc_that_warcio_accepts(crawl: Crawl):
    assert len(crawl.warcs) == 1
    run_id = crawl.warcs[0].name.removeprefix("golem-").removesuffix("-00000.warc.gz")
    assert (crawl.workdir / "output" / f"golem-{run_id}-articles.jsonl").exists()
    index = warcio("index", str(crawl.warcs[0]))
    assert index.returncode == 0, index.stderr
    assert len(index.stdout.splitlines()) == len(records(crawl.warcs[0]))
    check = warcio("check", "-v", str(crawl.warcs[0]))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "fail" not in check.stdout


def test_warcinfo_names_software_settings_arguments_and_run_start(
    crawl: Crawl, replica: ReplicaServer
):
    headers, _, _ = records(crawl.warcs[0])[0]
    assert headers["WARC-Type"] == "warcinfo" and headers.protocol == "WARC/1.1"
    assert headers["WARC-Filename"] == crawl.warcs[0].name
    fields = warcinfo_fields(crawl.warcs[0])
    assert fields["software"].startswith("newsarchive/") and " Scrapy/" in fields["software"]
    settings = json.loads(fields["settings"])
    assert settings["GOLEM_BASE_URL"] == replica.base_url
    assert settings["NEWSARCHIVE_NOW"] == NOW.isoformat()
    assert json.loads(fields["spider-arguments"]) == {}
    assert datetime.fromisoformat(fields["run-started"]).tzinfo is not None


def test_warc_holds_every_response_with_its_request(crawl: Crawl, replica: ReplicaServer):
    found = records(crawl.warcs[0])[1:]
    responses = [(h, http) for h, http, _ in found if h["WARC-Type"] == "response"]
    requests = {
        h["WARC-Concurrent-To"]: (h, http) for h, http, _ in found if h["WARC-Type"] == "request"
    }
    stats = crawl.result.stats
    assert len(responses) == len(requests) == stats["downloader/response_count"]
    urls = [h["WARC-Target-URI"] for h, _ in responses]
    base = replica.base_url
    for path in ("/robots.txt", "/", "/ticker/", "/rss.php?feed=RSS2.0"):
        assert base + path in urls
    assert any("/news/gsitemap-" in url for url in urls)
    # The ticker's 500 and the 200 of the retry: both kept, in that order, real status lines.
    ticker = [http.statusline for h, http in responses if h["WARC-Target-URI"] == base + "/ticker/"]
    assert ticker == ["500 Internal Server Error", "200 OK"]
    for headers, http in responses:
        request_headers, request_http = requests[headers["WARC-Record-ID"]]
        assert request_headers["WARC-Target-URI"] == headers["WARC-Target-URI"]
        assert request_headers["WARC-Date"] == headers["WARC-Date"]
        assert request_http.protocol == "GET"
        assert request_http.get_header("User-Agent").startswith("newsarchive/")
        assert http.protocol.startswith("HTTP/1.")
        assert headers["WARC-Payload-Digest"].startswith("sha1:")


def test_warc_date_is_the_fetch_instant_of_the_record(crawl: Crawl):
    dates = {
        h["WARC-Target-URI"]: h["WARC-Date"]
        for h, _, _ in records(crawl.warcs[0])
        if h["WARC-Type"] == "response"
    }
    for article in crawl.result.articles:
        date = dates[article["source_url"]]
        assert date.endswith("Z") and "." in date  # microseconds: the instant exactly
        assert date[:19] + "Z" == article["crawled_at"]


@needs_real_pages
def test_gzip_encoded_bodies_are_stored_as_sent(tmp_path: Path):
    """Content-Encoding: gzip stays, with the gzip bytes; readers and reparse decode them."""
    files = {f"/{page.name}": page.read_bytes() for page in REAL_PAGES}
    with gzip_server(files) as base:
        urls = ",".join(f"{base}/{page.name}" for page in REAL_PAGES)
        settings = {**FAST, "GOLEM_BASE_URL": base}  # the only host a run may ask
        crawl = run_crawl(tmp_path / "crawl", "-a", f"urls={urls}", settings=settings)
    assert crawl.returncode == 0 and len(crawl.articles) == len(REAL_PAGES), crawl.log[-3000:]
    warc = next((tmp_path / "crawl" / "output").glob("*.warc.gz"))
    check = warcio("check", str(warc))
    assert check.returncode == 0, check.stdout + check.stderr
    responses = [(h, http, body) for h, http, body in records(warc) if h["WARC-Type"] == "response"]
    pages = [(http, body) for h, http, body in responses if h["WARC-Target-URI"].endswith(".html")]
    assert len(pages) == len(REAL_PAGES)
    for http, body in pages:
        assert http.get_header("Content-Encoding") == "gzip"
        assert body in files.values()  # decoded by warcio: the page exactly
    reparse = run_reparse(tmp_path / "reparse", str(warc))
    assert reparse.returncode == 0, reparse.log[-3000:]
    assert by_key(reparse.articles, "id") == by_key(crawl.articles, "id")


def test_file_urls_become_resource_records(site: Site, tmp_path: Path):
    """file:// pages had no HTTP exchange: a resource record each, no request record."""
    spec = next(iter(site.articles.values()))
    page = tmp_path / "page.html"
    page.write_text(render_article(spec), "utf-8")
    crawl = run_crawl(tmp_path / "crawl", "-a", f"urls={page.as_uri()}", settings=FAST)
    assert crawl.returncode == 0 and len(crawl.articles) == 1, crawl.log[-3000:]
    warc = next((tmp_path / "crawl" / "output").glob("*.warc.gz"))
    found = records(warc)
    assert [h["WARC-Type"] for h, _, _ in found] == ["warcinfo", "resource"]
    assert found[1][0]["WARC-Target-URI"] == page.as_uri()
    assert found[1][0]["Content-Type"] == "text/html"
    assert found[1][2] == page.read_bytes()
    assert warcio("check", str(warc)).returncode == 0
    page.unlink()  # offline means without the file too
    reparse = run_reparse(tmp_path / "reparse", str(warc))
    assert reparse.returncode == 0, reparse.log[-3000:]
    assert reparse.articles == crawl.articles


def test_warc_off_writes_no_warc(replica: ReplicaServer, tmp_path: Path):
    result = run_crawl(
        tmp_path,
        "-a",
        f"urls={replica.base_url}/",
        settings={"GOLEM_BASE_URL": replica.base_url, "NEWSARCHIVE_WARC_ENABLED": "False", **FAST},
    )
    assert result.stats.get("response_received_count", 0) >= 1, result.log[-3000:]
    assert list((tmp_path / "output").glob("*.warc*")) == []


def test_warc_files_rotate_at_the_size_limit(replica: ReplicaServer, tmp_path: Path):
    crawl = run_crawl(
        tmp_path / "crawl",
        settings={
            "GOLEM_BASE_URL": replica.base_url,
            "NEWSARCHIVE_WARC_MAX_BYTES": "50000",
            **FAST,
        },
    )
    warcs = sorted((tmp_path / "crawl" / "output").glob("*.warc.gz"))
    assert len(warcs) > 2, crawl.log[-3000:]
    assert [w.name[-13:] for w in warcs[:3]] == ["00000.warc.gz", "00001.warc.gz", "00002.warc.gz"]
    for warc in warcs:
        assert records(warc)[0][0]["WARC-Type"] == "warcinfo"
        # A file ends only once it has reached the limit, and exceeds it by one pair at most.
        assert warc == warcs[-1] or 50000 <= warc.stat().st_size < 50000 + 400_000
    reparse = run_reparse(tmp_path / "reparse", *map(str, warcs))
    assert reparse.returncode == 0, reparse.log[-3000:]
    assert by_key(reparse.articles, "id") == by_key(crawl.articles, "id")


# --- reparse -------------------------------------------------------------------------------
def test_reparse_yields_the_crawls_records(crawl: Crawl, tmp_path: Path):
    result = run_reparse(tmp_path, *map(str, crawl.warcs))
    assert result.returncode == 0, result.log[-3000:]
    # Every field, crawled_at and seen_at included.
    assert by_key(result.articles, "id") == by_key(crawl.result.articles, "id")
    assert by_key(result.teasers, "page_url", "position") == by_key(
        crawl.result.teasers, "page_url", "position"
    )
    assert multi_page_ids(crawl)  # merged from pages replayed one by one
    stats = result.stats
    assert stats.get("newsarchive/reparse/missing", 0) == 0
    assert stats["newsarchive/reparse/unused"] == 0
    assert stats["retry/count"] == 1  # the ticker's 500, replayed before its 200
    # Offline: only the WARC answered, and no new WARC was written.
    assert stats["newsarchive/reparse/replayed"] == stats["downloader/response_count"]
    assert list((tmp_path / "output").glob("*.warc*")) == []
    assert "reparse: " in result.log and "0 requests not in the WARC" in result.log


def test_reparse_counts_requests_missing_from_the_warc(crawl: Crawl, tmp_path: Path):
    url = "https://www.golem.de/news/nicht-im-archiv-2510-999999.html"
    result = run_reparse(tmp_path, *map(str, crawl.warcs), "-a", f"urls={url}")
    assert result.returncode == 0, result.log[-3000:]
    assert result.stats["newsarchive/reparse/missing"] == 1
    assert "not in the WARC files: http://127.0.0.1:" in result.log  # on GOLEM_BASE_URL
    assert result.articles == []


def test_truncated_warc_is_reported_and_its_start_used(
    crawl: Crawl, site: Site, replica: ReplicaServer, tmp_path: Path
):
    """A run killed while writing leaves a cut last record; everything before it counts."""
    whole = crawl.warcs[0]
    offsets = response_offsets(whole)
    base = replica.base_url
    multi = site.articles[multi_page_ids(crawl)[0]]
    position = offsets[base + multi.path(multi.page_count)]
    cut = tmp_path / whole.name
    cut.write_bytes(whole.read_bytes()[: position + 300])

    result = run_reparse(tmp_path / "reparse", str(cut))
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log
    assert f"WARC {cut} unreadable after" in result.log and "cut short" in result.log
    assert result.stats["newsarchive/reparse/files_unreadable"] == 1
    assert result.stats["newsarchive/reparse/missing"] >= 1
    assert f"article {base + multi.path(1)} not archived" in result.log

    # Articles whose pages all lie before the cut come out as in the crawl.
    def before_cut(article: dict[str, Any]) -> bool:
        spec = site.articles[article["id"]]
        pages = [base + spec.path(n) for n in range(1, spec.page_count + 1)]
        return all(offsets.get(url, position) < position for url in pages)

    expected = [a for a in crawl.result.articles if before_cut(a)]
    assert expected and len(expected) < len(crawl.result.articles)
    assert by_key(result.articles, "id") == by_key(expected, "id")


def test_cut_anywhere_never_raises_and_keeps_whole_records(crawl: Crawl, tmp_path: Path):
    """In-process: a file cut at any byte yields the complete records before the cut."""
    data = crawl.warcs[0].read_bytes()
    complete = sorted(response_offsets(crawl.warcs[0]).values())
    cut = tmp_path / "cut.warc.gz"
    logging.disable(logging.ERROR)
    try:
        for size in range(0, len(data), max(len(data) // 150, 1)):
            cut.write_bytes(data[:size])
            archive = WarcArchive.of([str(cut)])
            try:
                stored = [s for queue in archive.by_url.values() for s in queue]
                assert all(s.offset < size for s in stored)
                for s in stored:
                    head, body = archive.load(s)
                    assert head is not None and head.status
                # Fewer only by the record the cut fell into (and the records after it).
                assert len({s.offset for s in stored}) >= sum(o < size for o in complete) - 1
            finally:
                archive.close()
    finally:
        logging.disable(logging.NOTSET)


def test_unreadable_warcs_exit_non_zero_without_traceback(tmp_path: Path):
    garbage = tmp_path / "garbage.warc.gz"
    garbage.write_bytes(b"this is no WARC file\n" * 10)
    missing = tmp_path / "missing.warc.gz"
    result = run_reparse(tmp_path / "reparse", str(garbage), str(missing))
    assert result.returncode == 1, result.log[-3000:]
    assert "Traceback" not in result.log
    assert f"WARC {missing}: no such file" in result.log
    assert f"WARC {garbage} unreadable" in result.log
    assert "nothing could be read" in result.log
    assert result.articles == []


def test_warc_cut_in_its_first_response_exits_non_zero(crawl: Crawl, tmp_path: Path):
    """The warcinfo record is whole, but not one response: the run has nothing to replay."""
    first_response = min(response_offsets(crawl.warcs[0]).values())
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(crawl.warcs[0].read_bytes()[: first_response + 100])
    result = run_reparse(tmp_path / "reparse", str(cut))
    assert result.returncode == 1, result.log[-3000:]
    assert "Traceback" not in result.log and "cut short" in result.log
    assert "nothing could be read" in result.log
    assert result.articles == [] and result.teasers == []


def test_reparse_needs_files(tmp_path: Path):
    result = run_reparse(tmp_path)
    assert result.returncode == 2 and "give one or more WARC files" in result.log


# --- a server of given files, gzip-encoded ---------------------------------------------------
class _GzipHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    files: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        body = self.files.get(self.path)
        if body is None:
            status, body, encoding = 404, b"<html><body>nicht gefunden</body></html>", None
        else:
            status, body, encoding = 200, gzip.compress(body), "gzip"
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class gzip_server:  # noqa: N801 - used like a function: `with gzip_server(files) as base`
    def __init__(self, files: dict[str, bytes]) -> None:
        handler = type("Handler", (_GzipHandler,), {"files": files})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)

    def __enter__(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
