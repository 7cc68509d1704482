"""Downloader middlewares of newsarchive."""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial

from scrapy import Request, signals

from newsarchive.clock import run_clock
from newsarchive.items import ArticleItem
from newsarchive.meta import Meta, Raw
from newsarchive.state import StateExtension, parse_instant
from newsarchive.warc.replay import replay_holds
from newsarchive.writes import ledger_for


class FetchTimeMiddleware:
    """Stamp every response with the instant it arrived (meta `Meta.FETCHED_AT`).

    That instant is the record's `crawled_at` / `seen_at` and the base for relative dates on
    the page ("heute, 10:15 Uhr"), so re-parsing a stored page later gives the same record.
    Each response gets its own instant (a retry or redirect copies the request's meta, and
    with it the instant of the earlier answer); one replayed from WARC keeps its WARC-Date.
    """

    def process_response(self, request, response, spider=None):
        if "warc" not in response.flags:
            request.meta[Meta.FETCHED_AT] = datetime.now(UTC)
        return response


class IncrementalMiddleware:
    """Spider middleware: leave out requests the state says are not worth making, and teach
    the state what responses show about ids.

    Articles: the spider marks every article request with `article_id` (the id in its URL)
    and `lastmod` where a sitemap or feed gave one. The id is resolved to the article it
    stands for (a known alias), and the state store says whether that article is new, has
    evidence of change or is due for a recheck (`state.RefetchPolicy`); one article is
    fetched once a run, whichever of its URLs comes first. An article page that states
    another id than its URL's makes that URL an alias; a 404/410 marks the article gone.
    Requests the user named (`-a urls=`) carry no `article_id` and always pass.

    Sitemaps of the index (`sitemap` in meta, with the index's `sitemap_lastmod`): one is
    read when its lastmod moved past the one it was last read to the end at; the spider
    then needs only its entries newer than that (`sitemap_since`). A sitemap counts as read
    to the end, and its lastmod is stored, when the run closes with every article it asked
    for archived, unchanged or gone; otherwise the next run reads it again. This month's
    and last month's (`recent`) are read on every run, whole; an older one the state has
    never seen is only remembered (a cron run is no backfill).
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        # Extensions are built before the engine builds the middlewares: the state is there.
        state = crawler.get_extension(StateExtension)
        self.store = state.store if state is not None else None
        self.policy = state.policy if state is not None else None
        self.now = run_clock(crawler.settings)
        # Article id -> the URL id it is being fetched under, this run.
        self.fetching: dict[str, str] = {}
        self.skipped: set[str] = set()
        # URL id -> article id, learnt this run (also stored).
        self.aliases: dict[str, str] = {}
        # Sitemaps of the index read this run: url -> (index lastmod, [(id, lastmod)]).
        self.sitemaps_read: dict[str, tuple[datetime | None, list[tuple[str, datetime]]]] = {}
        crawler.signals.connect(self.commit_sitemaps, signal=signals.spider_idle)
        crawler.signals.connect(self.commit_sitemaps, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def count(self, key: str) -> None:
        self.crawler.stats.inc_value(key)

    def write(self, change: Callable[[], None]) -> bool:
        """Make a change to the state store. A failed one (a full disk, a store turned
        read-only) is a failed state write of the run (newsarchive.writes): on the terminal,
        the run stopped and unhealthy; what it would have recorded, the next run learns again.
        """
        try:
            change()
        except sqlite3.Error as error:
            ledger_for(self.crawler).failed("state", self.store.path, error)
            return False
        return True

    def resolve(self, article: str) -> str:
        if article in self.aliases:
            return self.aliases[article]
        return self.store.resolve(article) if self.store is not None else article

    def wanted(self, request) -> bool:
        wanted = self.decide(request)
        if not wanted and isinstance(request, Request) and Meta.ARTICLE_ID in request.meta:
            settled = getattr(self.crawler.spider, "article_settled", None)
            if settled is not None:  # a backfill's progress counts the article as done
                settled(request.meta[Meta.ARTICLE_ID])
        return wanted

    def decide(self, request) -> bool:
        if not isinstance(request, Request):
            return True
        if Meta.SITEMAP in request.meta:
            return self.sitemap_wanted(request)
        requested = request.meta.get(Meta.ARTICLE_ID)
        if requested is None or self.store is None:
            return True
        article = self.resolve(requested)
        if article in self.fetching:
            # The same URL again (a later link with a lastmod) is the dupefilter's to drop;
            # another URL of an article this run fetches already is dropped here.
            return self.fetching[article] == requested
        gone = self.store.lookup_gone(article)
        fetch, why = self.policy.should_fetch(
            self.store.lookup(article),
            parse_instant(request.meta.get(Meta.LASTMOD)),
            self.now(),
            gone,
        )
        if fetch:
            self.fetching[article] = requested
            if gone is not None:
                request.meta[Meta.GONE_RECHECK] = True
            if why != "new":
                self.count(f"newsarchive/refetch/{why}")
        elif article not in self.skipped:
            # A later link may still bring a newer lastmod; count the article once.
            self.skipped.add(article)
            gone_or_known = "gone/skipped" if why == "gone" else "articles/skipped"
            self.count(f"newsarchive/{gone_or_known}")
        return fetch

    def sitemap_wanted(self, request) -> bool:
        """Whether a sitemap the index names is worth reading (see the class docstring)."""
        url, recent = request.meta[Meta.SITEMAP], request.meta.get(Meta.RECENT, False)
        lastmod = parse_instant(request.meta.get(Meta.SITEMAP_LASTMOD))
        if self.store is None:
            # Nothing to compare with: the cron scope only, or, replaying a WARC, what the
            # crawl read (the replay answers nothing else).
            return recent or replay_holds(self.crawler, request.url)
        known = self.store.lookup_sitemap(url)
        if recent:
            pass  # read on every run: its links give young articles their rechecks
        elif known is None:
            if lastmod is None:
                self.count("newsarchive/sitemaps/no_lastmod")
                return False
            if self.write(lambda: self.store.record_sitemap(url, lastmod, self.now())):
                self.count("newsarchive/sitemaps/first_seen")
            return False
        elif known.lastmod is not None:
            if lastmod is None:
                self.count("newsarchive/sitemaps/no_lastmod")
                return False
            if lastmod <= known.lastmod:
                self.count("newsarchive/sitemaps/unchanged")
                return False
            request.meta[Meta.SITEMAP_SINCE] = known.lastmod.isoformat()
        # Marked as being read before it is: a run killed now leaves it to be read again.
        return self.write(lambda: self.store.record_sitemap(url, None, self.now()))

    def learn(self, output) -> None:
        """An article page that states another id than the URL it was requested by makes
        that URL id an alias of the article."""
        if self.store is None or not isinstance(output, ArticleItem):
            return
        requested = output.raw.get(Raw.REQUESTED_ID)
        if requested and output.id and requested != output.id:
            if self.aliases.get(requested) != output.id:
                self.aliases[requested] = output.id
                if self.write(lambda: self.store.record_alias(requested, output.id)):
                    self.count("newsarchive/articles/aliases")
            self.fetching.setdefault(output.id, requested)

    def response_seen(self, response) -> None:
        """A 404/410 marks the article its request was for gone; an answer to a recheck of
        a gone article ends that."""
        requested = response.meta.get(Meta.ARTICLE_ID)
        if self.store is None or requested is None:
            return
        article = self.resolve(requested)
        if response.status in (404, 410):
            status, url = response.status, response.url
            if self.write(lambda: self.store.record_gone(article, url, status, self.now())):
                self.count("newsarchive/gone/recorded")
        elif response.meta.get(Meta.GONE_RECHECK):
            self.write(lambda: self.store.forget_gone(article))

    def passed(self, output) -> Iterator:
        """The output, unless the filter leaves it out; for a known article left out, the
        requests for the articles it links to (kept in the state), filtered in turn."""
        pending = deque([output])
        while pending:
            current = pending.popleft()
            if self.wanted(current):
                yield current
            else:
                pending.extend(self.known_links(current))

    def known_links(self, request: Request) -> Iterator[Request]:
        """What the spider would follow from a known article it does not fetch again, from
        the links the state kept for it: the run that archived it may have been killed
        before it followed them, and no later run would ever meet them otherwise."""
        spider = self.crawler.spider
        requested = request.meta.get(Meta.ARTICLE_ID) if isinstance(request, Request) else None
        if requested is None or self.store is None or spider is None:
            return iter(())  # a sitemap left out, or no state to keep links in
        article = self.resolve(requested)
        if article in self.fetching or not request.meta.get(Meta.FOLLOW, True):
            return iter(())  # fetched this run under another URL: its page gives the links
        if spider.hop_budget == 0:
            return iter(())
        links = self.store.links_of(article)
        if not links:
            return iter(())
        return spider.follow_article_links(article, request.meta.get(Meta.HOPS, 0), links)

    async def process_start(self, start):
        async for request in start:
            for passed in self.passed(request):
                yield passed

    async def process_spider_output(self, response, result, spider=None):
        self.response_seen(response)
        sitemap = response.meta.get(Meta.SITEMAP) if response.status == 200 else None
        asked: list[tuple[str, datetime]] = []
        async for output in result:
            self.learn(output)
            for passed in self.passed(output):
                if sitemap is not None and isinstance(passed, Request):
                    lastmod = parse_instant(passed.meta.get(Meta.LASTMOD))
                    if passed.meta.get(Meta.ARTICLE_ID) and lastmod is not None:
                        asked.append((passed.meta[Meta.ARTICLE_ID], lastmod))
                yield passed
        if sitemap is not None and response.meta.get(Meta.SITEMAP_COMPLETE):
            lastmod = parse_instant(response.meta.get(Meta.SITEMAP_LASTMOD))
            self.sitemaps_read[sitemap] = (lastmod, asked)

    def commit_sitemaps(self, spider=None, reason=None) -> None:
        """Store the lastmod of each sitemap read this run whose articles are all settled.

        Whether an article is settled is read from the state, so this is right at any time;
        it runs when the spider goes idle (all requests answered, all items processed, and
        before the run's stats are written) and again when it closes, for a run that ends
        without going idle. The state extension closes the store only once the engine has
        stopped, after every spider_closed handler.
        """
        if self.store is None:
            return
        at = self.now()
        for url, (lastmod, asked) in list(self.sitemaps_read.items()):
            if all(self.settled(article, entry) for article, entry in asked):
                mark = partial(self.store.record_sitemap, url, lastmod, at)
                if lastmod is not None and not self.write(mark):
                    break  # the run stops; the sitemap is read again next run
                del self.sitemaps_read[url]
                self.count("newsarchive/sitemaps/read_to_end")
        self.crawler.stats.set_value("newsarchive/sitemaps/to_read_again", len(self.sitemaps_read))

    def settled(self, requested: str, lastmod: datetime) -> bool:
        """Whether the state holds an article at least as new as a sitemap entry."""
        article = self.resolve(requested)
        _, why = self.policy.should_fetch(
            self.store.lookup(article), lastmod, self.now(), self.store.lookup_gone(article)
        )
        return why not in ("new", "lastmod")
