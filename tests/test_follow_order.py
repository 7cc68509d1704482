"""Which articles a run reaches through related links does not depend on the order in which
pages arrive, nor on which articles are known already (their links read from the state).

A model of a crawl drives the real spider's navigation in-process: index pages name the
articles at hop 0; an article the state knows gives its kept links at once (as
`IncrementalMiddleware.known_links` does); a new article is fetched, and its page, read in
an order hypothesis chooses, gives its links (as `parse_article` does). Whatever the order,
the run meets exactly the articles within the hop budget, each at its shortest distance.
"""

from __future__ import annotations

from collections import deque
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.utils.test import get_crawler

from newsarchive.spiders.golem import GolemSpider


def url(article: int) -> str:
    return f"https://www.golem.de/news/artikel-2611-{100000 + article}.html"


@cache
def crawler_with_budget(hops: int):
    return get_crawler(GolemSpider, {"NEWSARCHIVE_FOLLOW_HOPS": hops})


def spider_with_budget(hops: int) -> GolemSpider:
    return GolemSpider.from_crawler(crawler_with_budget(hops))


def distances(links: dict[int, list[int]], roots: set[int], budget: int) -> dict[int, int]:
    """Each article's fewest hops from an index article, up to the budget."""
    found = {root: 0 for root in roots}
    level = list(roots)
    for hop in range(1, budget + 1):
        level = [b for a in level for b in links[a] if b not in found]
        for article in level:
            found.setdefault(article, hop)
    return found


@st.composite
def crawls(draw):
    n = draw(st.integers(2, 14))
    links = {
        a: draw(st.lists(st.integers(0, n - 1).filter(lambda b, a=a: b != a), max_size=4))
        for a in range(n)
    }
    # Index pages (home, ticker, feed, sitemaps), each naming some articles at hop 0.
    pages = draw(st.lists(st.lists(st.integers(0, n - 1), min_size=1, max_size=4), max_size=4))
    known = draw(st.sets(st.integers(0, n - 1)))
    return links, pages, known, draw(st.integers(1, 3))


@settings(max_examples=400, deadline=None)
@given(crawl=crawls(), data=st.data())
def test_related_links_reach_the_same_articles_in_any_order(crawl, data):
    links, pages, known, budget = crawl
    spider = spider_with_budget(budget)
    by_url = {url(a): a for a in links}

    waiting: list[tuple[str, object]] = [("index", page) for page in pages]

    def passed(requests) -> None:
        """The incremental filter: a known article gives its kept links at once."""
        queue = deque(requests)
        while queue:
            request = queue.popleft()
            article = by_url[request.url]
            if article in known:
                queue.extend(
                    spider.follow_article_links(
                        request.meta["article_id"],
                        request.meta["hops"],
                        [url(b) for b in links[article]],
                    )
                )
            else:
                waiting.append(("article", request))

    while waiting:
        kind, what = waiting.pop(data.draw(st.integers(0, len(waiting) - 1)))
        if kind == "index":
            passed(spider.link_requests([url(a) for a in what], hops=0))
        else:  # an article page arrives: its links, as parse_article follows them
            article = by_url[what.url]
            passed(
                spider.follow_article_links(
                    what.meta["article_id"], what.meta["hops"], [url(b) for b in links[article]]
                )
            )

    roots = {a for page in pages for a in page}
    expected = distances(links, roots, budget)
    met = {int(article) - 100000: hops for article, hops in spider.article_hops.items()}
    assert met == expected
