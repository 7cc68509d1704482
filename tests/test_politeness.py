"""A hostile or overloaded server: Retry-After is honoured within a bound, a body that
inflates beyond what a golem.de page can be is refused, sitemap indexes add a bounded number
of sitemaps, and a broken sitemap is counted as unreadable."""

from __future__ import annotations

import gzip
import time

from scrapy import Request
from scrapy.http import XmlResponse
from scrapy.utils.test import get_crawler

from newsarchive.spiders.golem import GolemSpider
from tests.helpers import run_crawl
from tests.servers import Answer, ScriptedServer

ARTICLE = "/news/ein-artikel-2510-100001.html"
FAST = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "NEWSARCHIVE_WARC_ENABLED": "False",
    "NEWSARCHIVE_STATE_ENABLED": "False",
}
PAGE = b"<!doctype html><html><head><title>x</title></head><body><p>x</p></body></html>"


def crawl(tmp_path, server: ScriptedServer, *args: str, **settings: str):
    return run_crawl(
        tmp_path, *args, settings={**FAST, "GOLEM_BASE_URL": server.base_url, **settings}
    )


class Busy:
    """Answers `status` with Retry-After `wait` the first time, then a page; notes when."""

    def __init__(self, status: int, wait: str) -> None:
        self.status, self.wait, self.times = status, wait, []

    def __call__(self, target: str, headers: dict[str, str], hit: int) -> Answer:
        self.times.append(time.monotonic())
        if hit == 1:
            return Answer(self.status, b"busy", {"Retry-After": self.wait})
        return Answer(200, PAGE, {"Content-Type": "text/html"})


def test_retry_after_is_honoured_on_429_and_503(tmp_path):
    busy = {429: Busy(429, "2"), 503: Busy(503, "2")}
    routes = {f"/news/busy-2510-10000{s // 100}.html": route for s, route in busy.items()}
    with ScriptedServer(routes) as server:
        urls = ",".join(server.base_url + path for path in routes)
        result = crawl(tmp_path, server, "-a", f"urls={urls}")
    for status, route in busy.items():
        assert len(route.times) == 2, (status, result.log[-3000:])
        assert route.times[1] - route.times[0] >= 1.9, status
    assert result.stats["newsarchive/retry_after/waited"] == 2


def test_a_retry_after_beyond_the_bound_is_not_waited_for(tmp_path):
    route = Busy(503, "3600")
    with ScriptedServer({ARTICLE: route}) as server:
        started = time.monotonic()
        result = crawl(
            tmp_path,
            server,
            "-a",
            f"urls={server.base_url}{ARTICLE}",
            NEWSARCHIVE_RETRY_AFTER_MAX="5",
        )
        took = time.monotonic() - started
    assert len(route.times) == 1 and took < 60
    assert result.stats["newsarchive/retry_after/too_long"] == 1


def test_a_gzip_bomb_is_refused_before_it_fills_memory(tmp_path):
    """64 MiB of zeros in 64 KB of gzip: more than a golem.de page can be."""
    bomb = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
    with ScriptedServer({ARTICLE: Answer(200, bomb, headers)}) as server:
        result = crawl(tmp_path, server, "-a", f"urls={server.base_url}{ARTICLE}")
    assert "DOWNLOAD_MAXSIZE" in result.log, result.log[-3000:]
    assert not result.stats.get("newsarchive/not_article/not_html")


# --- sitemaps, one callback at a time ------------------------------------------------------
def spider_with(**settings) -> GolemSpider:
    crawler = get_crawler(GolemSpider, settings)
    crawler.spider = spider = GolemSpider.from_crawler(crawler)
    crawler.stats.open_spider()
    return spider


def sitemap(body: bytes, url: str = "https://www.golem.de/news/gsitemap-2510.xml"):
    return XmlResponse(url=url, body=body, request=Request(url))


def index_of(count: int) -> bytes:
    entries = "".join(
        f"<sitemap><loc>https://www.golem.de/news/gsitemap-{n:04d}.xml</loc></sitemap>"
        for n in range(count)
    )
    return (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</sitemapindex>"
    ).encode()


def test_sitemap_indexes_add_at_most_the_cap_of_sitemaps_per_run():
    spider = spider_with(NEWSARCHIVE_MAX_SITEMAPS=30)
    first = list(spider.parse_sitemap(sitemap(index_of(20))))
    second = list(spider.parse_sitemap(sitemap(index_of(50), url="https://www.golem.de/x.xml")))
    assert len(first) == 20 and len(second) == 10
    assert spider.crawler.stats.get_value("newsarchive/sitemaps/over_cap") == 40


URLSET = '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
BROKEN_SITEMAPS = {
    "an HTML page": b"<html><body>Wartungsarbeiten</body></html>",
    "an RSS feed": b"<rss><channel><title>x</title></channel></rss>",
    "cut short": (
        URLSET + "<url><loc>https://www.golem.de/news/ein-artikel-2510-100001.html</loc></url>"
        "<url><loc>https://www.gol"
    ).encode(),
    "empty": b"",
    "no XML": b"Service Unavailable",
}


def test_a_broken_sitemap_is_counted_as_unreadable():
    for name, body in BROKEN_SITEMAPS.items():
        spider = spider_with()
        requests = list(spider.parse_sitemap(sitemap(body)))
        stats = spider.crawler.stats
        assert stats.get_value("newsarchive/sitemaps/unreadable") == 1, name
        # what a cut sitemap held before the cut is still used
        expected = (
            ["https://www.golem.de/news/ein-artikel-2510-100001.html"]
            if name == "cut short"
            else []
        )
        assert [r.url for r in requests] == expected, name
