"""Nothing off-site: robots.txt holds for every request, and every request (redirects
included) goes to GOLEM_BASE_URL's scheme, host and port, or nowhere.

Each test runs the real `scrapy crawl golem` against scripted servers on 127.0.0.1 and asks
the servers which requests arrived.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive.offsite import SiteOnlyMiddleware
from newsarchive.spiders.golem import GolemSpider
from tests.helpers import NOW, PROJECT, run_crawl
from tests.replica import build_site
from tests.servers import Answer, ScriptedServer

FAST = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "NEWSARCHIVE_NOW": NOW.isoformat(),
    "NEWSARCHIVE_WARC_ENABLED": "False",
}
HTML = {"Content-Type": "text/html; charset=utf-8"}
TEXT = {"Content-Type": "text/plain"}


def crawl(tmp_path, server: ScriptedServer, *args: str, **settings: str):
    return run_crawl(
        tmp_path, *args, settings={**FAST, "GOLEM_BASE_URL": server.base_url, **settings}
    )


def test_robots_txt_disallowing_everything_holds_for_every_start_request(tmp_path):
    """Scrapy lets through all but the first of the requests waiting for one robots.txt."""
    routes = {"/robots.txt": Answer(200, b"User-agent: *\nDisallow: /\n", TEXT)}
    with ScriptedServer(routes) as server:
        result = crawl(tmp_path, server)
    assert server.paths == ["/robots.txt"], result.log[-3000:]
    # home, ticker, feed, sitemap index and sitemaps: each refused and counted
    assert result.stats["robotstxt/forbidden"] == result.stats["scheduler/enqueued"] >= 5


def site_routes(site, base: str) -> dict[str, Answer]:
    """The replica's pages with every absolute link pointing at `base`."""
    return {
        path: Answer(status, body, {"Content-Type": content_type})
        for path, (status, content_type, body) in site.pages(base).items()
    }


def test_no_request_leaves_the_base_origin(tmp_path):
    """Next-page links to another port, and a redirect to another host, are refused."""
    site = build_site(now=NOW)
    multi_page = next(spec for spec in site.articles.values() if spec.page_count > 1)
    moved = next(spec for spec in site.newest() if spec.page_count == 1)
    with ScriptedServer() as elsewhere, ScriptedServer() as server:
        other_port = elsewhere.base_url  # same host, another port
        other_host = f"http://localhost:{elsewhere.port}"
        elsewhere.routes.update(site_routes(site, other_port))
        server.routes.update(site_routes(site, other_port))
        server.routes["/robots.txt"] = Answer(200, b"User-agent: *\nDisallow:\n", TEXT)
        server.routes[moved.path()] = Answer(
            301, b"", {"Location": other_host + moved.path(), **HTML}
        )
        result = crawl(
            tmp_path,
            server,
            "-a",
            f"urls={server.base_url}{multi_page.path()},{server.base_url}{moved.path()}",
            GOLEM_MULTIPAGE_SINGLE="False",
        )
    assert elsewhere.requests == [], result.log[-3000:]
    assert moved.path() in server.paths and multi_page.path(2) not in server.paths
    assert not result.articles
    assert result.stats["newsarchive/offsite/refused"] == 2


SCHEMES = st.sampled_from(["http", "https", "HTTP", "ftp", "file", "ws"])
HOSTS = st.sampled_from(["127.0.0.1", "localhost", "www.golem.de", "rss.golem.de", "golem.de"])
PORTS = st.one_of(st.none(), st.sampled_from([80, 443, 8000, 8001]))


def effective(scheme: str, host: str, port: int | None) -> tuple[str, str, int | None]:
    scheme = scheme.lower()
    return (scheme, host, port or {"http": 80, "https": 443}.get(scheme))


@settings(max_examples=300, deadline=None)
@given(
    base=st.tuples(st.sampled_from(["http", "https"]), HOSTS, PORTS),
    url=st.tuples(SCHEMES, HOSTS, PORTS, st.sampled_from(["/", "/news/a-2510-1234.html?x=1"])),
)
def test_a_request_passes_only_on_the_base_origin(base, url):
    """Same scheme, host and port (default ports filled in) as GOLEM_BASE_URL, or refused;
    the real site's feed host is the one addition, and only for the real site."""
    base_url = f"{base[0]}://{base[1]}" + (f":{base[2]}" if base[2] else "")
    crawler = get_crawler(GolemSpider, {"GOLEM_BASE_URL": base_url, "NEWSARCHIVE_COMMAND": "crawl"})
    crawler.spider = GolemSpider.from_crawler(crawler)
    middleware = SiteOnlyMiddleware.from_crawler(crawler)
    middleware.spider_opened(crawler.spider)
    scheme, host, port, path = url
    request = Request(f"{scheme}://{host}" + (f":{port}" if port else "") + path)
    wanted = {effective(*base)}
    if effective(*base) == ("https", "www.golem.de", 443):
        wanted.add(("https", "rss.golem.de", 443))
    allowed = effective(scheme, host, port) in wanted
    if allowed:
        assert middleware.process_request(request) is None
    else:
        with pytest.raises(IgnoreRequest):
            middleware.process_request(request)


# --- reparse: a crafted WARC is input like any other -------------------------------------------
def crafted_warc(path, arguments: dict, settings: dict | None = None) -> None:
    """A WARC whose warcinfo records the given arguments, with one harmless response."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        info = {
            "spider": "golem",
            "spider-arguments": json.dumps(arguments),
            "run-started": "2025-10-28T11:00:00.000000Z",
            "settings": json.dumps(settings or {}),
        }
        writer.write_record(writer.create_warcinfo_record(path.name, info))
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                "https://www.golem.de/",
                "response",
                payload=BytesIO(b"<html><body>x</body></html>"),
                http_headers=http,
            )
        )


def reparse(workdir, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "scrapy", "reparse", *args]
    command += ["-s", f"NEWSARCHIVE_OUTPUT_DIR={workdir / 'output'}"]
    return subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=60)


class Listener:
    """A TCP port on 127.0.0.1 that counts the connections made to it."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self.accept, daemon=True)

    def accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.running = False
        self.thread.join()
        self.socket.close()


def test_reparse_of_a_crafted_warc_opens_no_connection(tmp_path):
    """`urls: ftp://…` recorded in a warcinfo: refused, and no scheme reaches the network."""
    with Listener() as listener:
        warc = tmp_path / "crafted.warc.gz"
        crafted_warc(warc, {"urls": f"ftp://127.0.0.1:{listener.port}/news/a-2510-1234.html"})
        process = reparse(tmp_path, str(warc))
    assert listener.connections == 0, process.stderr[-3000:]
    assert process.returncode == 2, process.stderr[-3000:]
    assert process.stderr.splitlines()[-1].startswith("error: urls:")


def test_reparse_of_a_crafted_warc_writes_nothing_outside_the_output_folder(tmp_path):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    warc = work / "crafted.warc.gz"
    crafted_warc(warc, {"name": "../../escaped"})
    process = reparse(work, str(warc))
    assert not list(tmp_path.rglob("escaped*")), process.stderr[-3000:]
    assert process.returncode == 2
    assert process.stderr.splitlines()[-1].startswith("error: unknown spider argument 'name'")


def test_reparse_answers_every_scheme_from_the_warc():
    from newsarchive.commands.reparse import HANDLER, REPLAY_SETTINGS

    handlers = REPLAY_SETTINGS["DOWNLOAD_HANDLERS"]
    assert set(handlers) >= set(Settings().getdict("DOWNLOAD_HANDLERS_BASE"))
    assert set(handlers.values()) == {HANDLER}


# --- the User-Agent names the contact the run was given ----------------------------------------
def user_agents(server: ScriptedServer) -> set[str]:
    return {headers.get("User-Agent", "") for _, headers in server.requests}


def test_user_agent_names_the_contact_given_with_s(tmp_path):
    with ScriptedServer() as server:
        crawl(tmp_path, server, NEWSARCHIVE_CONTACT="you@example.org")
    agents = user_agents(server)
    assert len(agents) == 1 and "mailto:you@example.org" in agents.pop()


def test_an_explicit_user_agent_wins_over_the_contact(tmp_path):
    with ScriptedServer() as server:
        crawl(tmp_path, server, NEWSARCHIVE_CONTACT="you@example.org", USER_AGENT="custom/1.0")
    assert user_agents(server) == {"custom/1.0"}


def test_reparse_checks_the_recorded_settings(tmp_path):
    warc = tmp_path / "crafted.warc.gz"
    crafted_warc(warc, {}, settings={"GOLEM_BASE_URL": "ftp://127.0.0.1:21", "RETRY_TIMES": 5})
    process = reparse(tmp_path, str(warc))
    assert process.returncode == 2, process.stderr[-3000:]
    assert process.stderr.splitlines()[-1].startswith("error: GOLEM_BASE_URL:")


def test_a_next_page_link_to_another_port_is_refused(tmp_path):
    """A topic page whose pagination points at the same host on another port."""
    site = build_site(now=NOW)
    slug = next(slug for _, slug in site.topics() if len(site.topic_pages(slug)) > 1)
    with ScriptedServer() as elsewhere, ScriptedServer() as server:
        elsewhere.routes.update(site_routes(site, elsewhere.base_url))
        server.routes.update(site_routes(site, elsewhere.base_url))
        result = crawl(tmp_path, server, "-a", f"topic={slug}")
    assert f"/specials/{slug}/" in server.paths, result.log[-3000:]
    assert elsewhere.requests == [], result.log[-3000:]
    assert result.stats["newsarchive/offsite/refused"] >= 1
