"""Nothing off-site: robots.txt holds for every request, and every request (redirects
included) goes to GOLEM_BASE_URL's scheme, host and port, or nowhere.

Each test runs the real `scrapy crawl golem` against scripted servers on 127.0.0.1 and asks
the servers which requests arrived.
"""

from __future__ import annotations

from datetime import datetime

from newsarchive.normalise.dates import BERLIN
from tests.helpers import run_crawl
from tests.servers import Answer, ScriptedServer

NOW = datetime(2025, 10, 28, 12, 0, tzinfo=BERLIN)
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
    # home, ticker, feed and two sitemaps: each refused and counted
    assert result.stats.get("robotstxt/forbidden") == 5
