"""Discovery decisions of the spider, one callback at a time (no crawl, no network)."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse

from newsarchive.reading import tree
from newsarchive.spiders.golem import GolemSpider, page_of

A = "https://www.golem.de/news/ein-artikel-2611-100001.html"
C = "https://www.golem.de/news/noch-ein-artikel-2611-100003.html"


def follow(spider, response):
    """The links the spider follows from an article page, read from the page's tree."""
    return spider.follow_links(response, spider.article_links(response, tree(page_of(response))))


def article_page(url: str, hops: int, links: list[str]) -> HtmlResponse:
    anchors = "".join(f'<a href="{link}">Link</a>' for link in links)
    body = f"<html><body><main>{anchors}</main></body></html>".encode()
    meta = {"hops": hops, "article_id": url.rsplit("-", 1)[-1][:-5]}
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=Request(url, meta=meta))


def test_links_are_canonicalised_and_requested_once():
    spider = GolemSpider()
    first = list(spider.article_requests(A + "?utm_source=rss#cmts"))
    assert [r.url for r in first] == [A]
    assert list(spider.article_requests(A.replace("https://", "http://"))) == []
    assert list(spider.article_requests(A.replace(".html", "-2.html"))) == []
    assert list(spider.article_requests("https://video.golem.de/news/x-2611-100009.html")) == []
    assert list(spider.article_requests("https://www.golem.de/specials/security/")) == []


def test_a_sitemap_lastmod_asks_again_for_an_article_already_linked():
    spider = GolemSpider()
    list(spider.article_requests(A))
    again = list(spider.article_requests(A, lastmod="2026-11-28T10:00:00+01:00"))
    assert [(r.url, r.meta["lastmod"]) for r in again] == [(A, "2026-11-28T10:00:00+01:00")]


def test_followed_links_do_not_depend_on_the_order_pages_arrive_in():
    spider = GolemSpider()  # default run: one hop of related links
    list(spider.article_requests(A, hops=1))  # first met as a related link
    assert list(follow(spider, article_page(A, 1, [C]))) == []  # at the hop budget
    # Then the sitemap names it: it is an index article after all, and its links count.
    later = list(spider.article_requests(A, hops=0))
    assert [(r.url, r.meta["hops"]) for r in later] == [(C, 1)]


def test_runs_with_a_given_scope_follow_no_links():
    for spider in (
        GolemSpider(urls=A),
        GolemSpider(topic="security"),
        GolemSpider(since="2024-01-01"),
    ):
        assert list(follow(spider, article_page(A, 0, [C]))) == []


def test_malformed_index_pages_and_sitemaps_yield_nothing_and_raise_nothing():
    from scrapy.http import Response, TextResponse, XmlResponse

    spider = GolemSpider()
    url = "https://www.golem.de/news/gsitemap-2611.xml"
    for body in (b"", b"kein XML", b"<urlset><url><loc>"):
        sitemap = XmlResponse(url=url, body=body, request=Request(url))
        assert list(spider.parse_sitemap(sitemap)) == []
    home = Request("https://www.golem.de/")
    binary = Response(url=home.url, body=b"\x89PNG\r\n", request=home)
    assert list(spider.parse_index(binary)) == []
    plain = TextResponse(url=home.url, body=b"nur Text", encoding="utf-8", request=home)
    assert list(spider.parse_index(plain)) == []
