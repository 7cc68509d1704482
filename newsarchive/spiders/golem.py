"""The `golem` spider: which pages to fetch and where their HTML goes; nothing else.

Extraction lives in `newsarchive.parsers`, normalisation in `newsarchive.pipelines`.

    scrapy crawl golem                                home page, ticker, RSS, news sitemaps
    scrapy crawl golem -a since=2024-01-01 [-a until=2024-03-31]     backfill by month
    scrapy crawl golem -a topic=<slug>                one topic page and its pagination
    scrapy crawl golem -a urls=URL[,URL...]           exactly these article pages
    scrapy crawl golem -a source=wayback|commoncrawl -a since=… [-a until=…] [-a every=30d]
                                                      captures of a period from a web archive

Every URL the spider builds or follows points at `GOLEM_BASE_URL` (in an archive run: at
the archive's hosts, see `newsarchive.sources`); records keep the canonical golem.de URLs
the pages state.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

import scrapy
from lxml import etree
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, UsageError
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap

from newsarchive import sources
from newsarchive.arguments import ARGUMENTS, parse_day, validate_run
from newsarchive.clock import run_clock
from newsarchive.config import project_settings, setting
from newsarchive.items import TeaserItem
from newsarchive.meta import Meta, Origin, Raw
from newsarchive.normalise.dates import BERLIN
from newsarchive.parsers import (
    NotAnArticle,
    PageTooDeep,
    RawArticle,
    is_consent_wall,
    looks_like_html,
)
from newsarchive.parsers import index as index_pages
from newsarchive.parsers.common import (
    SITE,
    article_id,
    article_path_match,
    canonical_article_url,
    page_number,
)
from newsarchive.parsers.generic import NAME as GENERIC
from newsarchive.progress import BackfillProgress
from newsarchive.reading import Page, assemble, read_article, tree
from newsarchive.state import StateExtension, parse_instant

# Hosts whose URLs are the site's own and go to GOLEM_BASE_URL; everything else
# (video., forum., jobs., karrierewelt., account., glm.io, other sites) is never requested.
GOLEM_HOSTS = frozenset({"www.golem.de", "golem.de", "rss.golem.de"})
FEED_URL = "https://rss.golem.de/rss.php?feed=RSS2.0"
# Lists every monthly news sitemap with its lastmod; robots.txt names it.
SITEMAP_INDEX_URL = f"{SITE}/gsiteindex.xml"
_SITEMAP_MONTH = re.compile(r"/news/gsitemap-(\d{4})\.xml$")
# A saved article page keeps the site's name ending: <slug>-<YYMM>-<id>[-<page>].html.
ARTICLE_FILE_NAME = re.compile(r"-\d{4}-\d{4,}(?:-\d{1,3})?\.html?$")


def _month(name: str, value: str) -> date:
    return parse_day(name, value).replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def yymm(month: date) -> str:
    return month.strftime("%y%m")


def read_sitemap(body: bytes) -> tuple[Sitemap | None, bool]:
    """The sitemap in a response, and whether it is whole.

    Scrapy's Sitemap parses with lxml's recovering parser: a cut or malformed file gives the
    entries before the damage, an HTML page or feed a "sitemap" of another type with none.
    Whole is a urlset or sitemapindex that is well-formed XML; a broken one still gives what
    was read (None when it is no sitemap at all).
    """
    try:
        sitemap = Sitemap(body)
    except (etree.XMLSyntaxError, StopIteration):
        return None, False
    if sitemap.type not in ("urlset", "sitemapindex"):
        return None, False
    try:
        etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return sitemap, False
    return sitemap, True


def page_of(response: Response) -> Page:
    """A response as the page reader takes it: no Scrapy object goes further."""
    encoding = response.encoding if isinstance(response, TextResponse) else "utf-8"
    return Page(
        url=response.url,
        body=response.body,
        status=response.status,
        encoding=encoding,
        complete="dataloss" not in response.flags,
    )


class GolemSpider(scrapy.Spider):
    name = "golem"

    def __init__(
        self,
        urls: str | None = None,
        since: str | None = None,
        until: str | None = None,
        topic: str | None = None,
        source: str | None = None,
        every: str | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:  # Scrapy would make any -a an attribute, `name` (in file names) too
            known = ", ".join(sorted(ARGUMENTS))
            raise UsageError(f"unknown spider argument {min(kwargs)!r} (known: {known})")
        super().__init__()
        # As given, for the WARC's warcinfo record: `scrapy reparse` starts the same run.
        given = {"urls": urls, "since": since, "until": until, "topic": topic}
        given.update(source=source, every=every)
        self.arguments = {name: value for name, value in given.items() if value is not None}
        self.urls = [u.strip() for u in (urls or "").split(",") if u.strip()]
        self.since = _month("since", since) if since else None
        self.until = _month("until", until) if until else None
        self.topic = topic.strip("/ ") if topic else None
        # An archive run (-a source=wayback|commoncrawl): captures of days since..until.
        self.source = source or sources.LIVE
        if self.source not in sources.SOURCES:
            raise ValueError(f"source={source!r}: one of {', '.join(sources.SOURCES)}")
        self.every = sources.parse_every(every) if every else None
        if self.source != sources.LIVE and not since:
            raise ValueError(f"source={self.source} needs since=YYYY-MM-DD (and until=)")
        self.period = (
            datetime.strptime(since, "%Y-%m-%d").date() if since else None,
            datetime.strptime(until, "%Y-%m-%d").date() if until else None,
        )
        # Article id → fewest hops from an index page it was linked at, this run.
        self.article_hops: dict[str, int] = {}
        # Article id → the article links it gave (its page, or the state for a known one),
        # only in runs that follow links: when a shorter way to the article turns up, its
        # links are followed again from there (see article_requests).
        self.given_links: dict[str, list[str]] = {}
        self.sitemaps_from_indexes = 0
        # Months done of a backfill, for the progress line (newsarchive/progress.py).
        self.backfill_progress: BackfillProgress | None = None
        # Captures whose fate this process decided (read, or owed to the next run), and
        # whether the run has checked, once idle, that it lost none in a resumed queue.
        self.captures_settled: set[str] = set()
        self.archive_rechecked = False
        self.captures_counted = False  # the plan's articles counted as discovered
        # settings.py's values until from_crawler reads the run's (a spider made without a
        # crawler, as unit tests make it, runs with those).
        self.read_settings(project_settings())

    # What the crawl and reparse commands call before they start anything.
    check_run = staticmethod(validate_run)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        # Arguments and settings checked before anything is built (newsarchive/arguments.py);
        # the commands check the same earlier still, to answer with a usage error.
        validate_run(kwargs, crawler.settings)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.read_settings(crawler.settings)
        # A request the scheduler drops as seen never reaches a callback or errback.
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.archive_idle, signal=signals.spider_idle)
        if spider.since:  # known before the first request: the first status line has it
            months = spider.backfill_months()
            spider.backfill_progress = BackfillProgress([yymm(month) for month in months])
        return spider

    def backfill_months(self) -> list[date]:
        """The months of a backfill: since's to until's, or to this month (Berlin)."""
        assert self.since is not None
        until = self.until or self.now().astimezone(BERLIN).date()
        return months_between(self.since, until)

    @classmethod
    def handles_request(cls, request: scrapy.Request) -> bool:
        """golem.de's pages, and saved pages (file://): `scrapy parse`, `shell` and `fetch`
        find this spider for them without `--spider`."""
        parts = urlsplit(request.url)
        return parts.hostname in GOLEM_HOSTS or parts.scheme == "file"

    # --- settings-derived values ------------------------------------------------------------
    def read_settings(self, settings: BaseSettings) -> None:
        """The settings the spider steers by, read once (settings.py holds each default)."""
        # `GOLEM_BASE_URL`, split once: every link of every page is checked against it.
        base_url = setting(settings, "GOLEM_BASE_URL") or SITE
        self.base: SplitResult = urlsplit(base_url.rstrip("/"))
        golem = [
            f"{scheme}://{host}/" for host in sorted(GOLEM_HOSTS) for scheme in ("https", "http")
        ]
        # URL beginnings that name golem.de's hosts or the configured one.
        self.site_prefixes = (*golem, f"{self.base.scheme}://{self.base.netloc}/")
        # A reparse runs at the recorded run's start, a test on its replica's day.
        self.clock = run_clock(settings)
        self.consent_cookie: str = setting(settings, "GOLEM_CONSENT_COOKIE")
        self.multipage_single: bool = setting(settings, "GOLEM_MULTIPAGE_SINGLE", "getbool")
        self.follow_hops: int = setting(settings, "NEWSARCHIVE_FOLLOW_HOPS", "getint")
        self.max_sitemaps: int = setting(settings, "NEWSARCHIVE_MAX_SITEMAPS", "getint")
        self.max_pages: int = setting(settings, "NEWSARCHIVE_MAX_PAGES", "getint")
        self.cdx_page_size: int = setting(settings, "WAYBACK_CDX_PAGE_SIZE", "getint")
        # Runs a failing capture holds the article's later captures back for.
        self.capture_hold_runs: int = setting(settings, "NEWSARCHIVE_CAPTURE_HOLD_RUNS", "getint")
        # The hosts of the web archives (-a source=…), by setting name.
        self.archive_hosts: dict[str, str | None] = {
            name: setting(settings, name)
            for hosts in sources.ARCHIVE_SETTINGS.values()
            for name in hosts
        }

    def on_site(self, url: str) -> str:
        """The same URL on the configured host (`GOLEM_BASE_URL`) if it is a golem.de URL."""
        parts = urlsplit(url)
        real_feed = parts.hostname == "rss.golem.de" and self.base.geturl() == SITE
        if parts.hostname not in GOLEM_HOSTS or real_feed:
            # Anything else is left as it is, for the offsite middleware to refuse.
            return urlunsplit(parts._replace(fragment=""))
        return urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, ""))

    def as_golem(self, url: str) -> str:
        """The golem.de URL of a page served from the configured host (for records)."""
        parts = urlsplit(url)
        if parts.netloc != self.base.netloc:
            return url
        return urlunsplit(("https", "www.golem.de", parts.path, parts.query, ""))

    def is_site_url(self, url: str) -> bool:
        # Most links a page gives start with a site's own prefix: no split for those.
        if url.startswith(self.site_prefixes):
            return True
        host = urlsplit(url).hostname
        return host in GOLEM_HOSTS or host == self.base.hostname

    def count(self, key: str, amount: int = 1) -> None:
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(key, amount)

    def now(self) -> datetime:
        """The run's clock (`newsarchive.clock`): pinned by NEWSARCHIVE_NOW, else the wall clock."""
        return self.clock()

    # --- requests -----------------------------------------------------------------------------
    def cookies(self) -> dict[str, str]:
        """Consent (as public scrapers send it) and the one-page view of long articles."""
        today = self.now().astimezone(BERLIN).strftime("%y%m%d")
        cookies = {self.consent_cookie: f"cmp|{today}"}
        if self.multipage_single:
            cookies["golem_multipage"] = "single"
        return cookies

    def page_request(
        self,
        url: str,
        callback,
        *,
        dont_filter: bool = False,
        errback=None,
        meta: dict[str, Any] | None = None,
    ) -> scrapy.Request:
        return scrapy.Request(
            self.on_site(url),
            callback=callback,
            errback=errback or self.request_failed,
            cookies=self.cookies(),
            meta=meta or {},
            dont_filter=dont_filter,
        )

    def article_requests(
        self, url: str, hops: int = 0, lastmod: str | None = None
    ) -> Iterator[scrapy.Request]:
        """The request for an article's page 1 the first time a run meets a link to it.

        Canonicalising (page 1, https, no query or fragment) makes every link to an article
        one key, so the run requests each article once and builds no request it would only
        throw away. A later link asks again only with new evidence of change (a sitemap
        `lastmod`), for the incremental filter to judge. A link that puts an article fewer
        hops from an index page than first thought lowers its hop count, so which related
        links a run follows does not depend on the order pages happen to arrive in.
        """
        if "/news/" not in url or not self.is_site_url(url):
            return  # most links on a page are no article: the cheap test first
        canonical = canonical_article_url(url)
        if canonical is None:
            return
        article = article_id(canonical)
        known = self.article_hops.get(article)
        if known is None:
            self.article_hops[article] = hops
            self.count("newsarchive/articles/discovered")
            meta = {Meta.HOPS: hops, Meta.ARTICLE_ID: article}
            if lastmod is not None:
                meta[Meta.LASTMOD] = lastmod
            yield self.page_request(canonical, self.parse_article, meta=meta)
            return
        if hops < known:
            self.article_hops[article] = hops
            given = self.given_links.get(article)
            if given is not None:
                # Read already: its links are nearer now too, and so, in turn, theirs. A
                # link it gave at the edge of the hop budget is followed only now.
                yield from self.follow_article_links(article, hops, given)
        if lastmod:
            meta = {Meta.HOPS: min(hops, known), Meta.ARTICLE_ID: article, Meta.LASTMOD: lastmod}
            yield self.page_request(canonical, self.parse_article, meta=meta)

    def link_requests(self, urls: Iterable[str], hops: int) -> Iterator[scrapy.Request]:
        for url in urls:
            yield from self.article_requests(url, hops=hops)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.archive is not None:
            if self.archive_progress["started"]:
                return  # resumed from JOBDIR: its queue holds the requests still to make
            self.archive_progress["started"] = True
            for request in self.archive.start_requests(**self.index_callbacks()):
                self.archive_progress["pending"] += 1
                yield request
            return
        # The run's own index pages, feed and sitemaps are never filtered as seen: with a
        # JOBDIR that resumes an old queue, the run still reads today's pages.
        if self.urls:
            self.count("newsarchive/articles/discovered", len(self.urls))
            for url in self.urls:
                # Exactly these pages, nothing else; written even when unchanged.
                yield self.page_request(
                    url,
                    self.parse_article,
                    dont_filter=True,
                    meta={Meta.FOLLOW: False, Meta.FORCED: True},
                )
            return
        if self.topic:
            yield self.page_request(
                f"{SITE}/specials/{self.topic}/", self.parse_index, dont_filter=True
            )
            return
        if self.since:
            months = self.backfill_months()
            if self.backfill_progress is None:
                self.backfill_progress = BackfillProgress([yymm(month) for month in months])
            for month in months:
                yield self.sitemap_request(month)
            return
        yield self.page_request(f"{SITE}/", self.parse_index, dont_filter=True)
        yield self.page_request(f"{SITE}/ticker/", self.parse_index, dont_filter=True)
        yield self.page_request(FEED_URL, self.parse_feed, dont_filter=True)
        # The index says which monthly sitemaps changed (the incremental filter compares
        # their lastmods with the state's); without it, this month's and last month's.
        yield self.page_request(
            SITEMAP_INDEX_URL,
            self.parse_sitemap,
            errback=self.sitemap_index_failed,
            dont_filter=True,
            meta={Meta.INDEX: True},
        )

    def recent_months(self) -> tuple[date, date]:
        """This month and last month (Berlin): the sitemaps every cron run reads."""
        this_month = self.now().astimezone(BERLIN).date().replace(day=1)
        previous = months_between(date(this_month.year - 1, 12, 1), this_month)[-2]
        return this_month, previous

    def sitemap_request(self, month: date) -> scrapy.Request:
        return self.page_request(
            f"{SITE}/news/gsitemap-{yymm(month)}.xml",
            self.parse_sitemap,
            dont_filter=True,
            meta={Meta.MONTH: month},
        )

    def sitemap_index_failed(self, failure) -> Iterator[scrapy.Request]:
        """The index could not be fetched (or robots.txt forbids it): the recent months."""
        self.request_failed(failure)
        self.count("newsarchive/sitemaps/index_missing")
        for month in self.recent_months():
            yield self.sitemap_request(month)

    def index_requests(self, response: Response, sitemap: Sitemap) -> Iterator[scrapy.Request]:
        """A request per sitemap the index names, with the index's lastmod of it for the
        incremental filter; the recent months the index does not name, as without it."""
        recent = {yymm(month): month for month in self.recent_months()}
        named: set[str] = set()
        for entry in sitemap:
            url = entry.get("loc", "")
            if not self.is_site_url(url) or not self.index_may_add_sitemap():
                continue
            found = _SITEMAP_MONTH.search(urlsplit(url).path)
            month = recent.get(found[1]) if found else None
            if month is not None:
                named.add(found[1])
            yield self.page_request(
                url,
                self.parse_sitemap,
                meta={
                    Meta.SITEMAP: self.as_golem(self.on_site(url)),
                    Meta.SITEMAP_LASTMOD: entry.get("lastmod"),
                    Meta.RECENT: month is not None,
                    Meta.MONTH: month,
                },
            )
        if response.meta.get(Meta.INDEX):
            for key, month in recent.items():
                if key not in named:
                    yield self.sitemap_request(month)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Any page, by what its URL names: `scrapy parse URL` needs no `--callback`."""
        return self.callback_for(response.url)(response)

    def callback_for(self, url: str):
        """The callback for a page by its URL: article, news sitemap, feed or index page."""
        parts = urlsplit(url)
        name = parts.path.rsplit("/", 1)[-1]
        if article_path_match(url) or (
            parts.scheme not in ("http", "https") and ARTICLE_FILE_NAME.search(name)
        ):
            return self.parse_article
        if ("sitemap" in name or "siteindex" in name) and name.endswith(".xml"):
            return self.parse_sitemap
        if (
            (parts.hostname or "").startswith("rss.")
            or name.startswith("rss")
            or name.endswith((".rss", ".atom"))
        ):
            return self.parse_feed
        return self.parse_index

    # --- index pages, feeds, sitemaps -----------------------------------------------------------
    def parse_index(self, response: Response) -> Iterator[Any]:
        """Teaser records and article requests from a home, ticker, topic or archive page.

        @fixture topic-page.html
        @returns items 1
        @filled page_url block url id title summary
        """
        if response.status in (404, 410):
            self.index_gone(response)
            return
        if not isinstance(response, TextResponse) or not looks_like_html(response.body):
            self.count("newsarchive/index/not_html")
            self.logger.warning("index page %s is no HTML page", response.url)
            self.month_read(response.meta.get(Meta.ARCHIVE_MONTH))
            return
        try:
            root = tree(page_of(response))
        except PageTooDeep as error:
            self.count("newsarchive/index/too_deep")
            self.logger.warning("index page %s refused: %s", response.url, error)
            return
        if is_consent_wall(root):
            yield from self.consent_wall(response)
            return
        self.count("newsarchive/index_pages")
        fetched_at = response.meta.get(Meta.FETCHED_AT) or self.now()
        page_url = self.as_golem(response.url)
        for position, teaser in enumerate(index_pages.teasers(root), start=1):
            yield TeaserItem(
                page_url=page_url,
                block=teaser.block,
                position=position,
                url=teaser.url,
                id=article_id(teaser.url),
                kicker=teaser.kicker,
                title=teaser.title,
                summary=teaser.summary,
                image=teaser.image,
                raw={Raw.FETCHED_AT: fetched_at},
            )
        month = response.meta.get(Meta.ARCHIVE_MONTH)
        links = self.link_requests(index_pages.links(root, response.url), hops=0)
        yield from self.found_in_month(month, links)
        next_page = index_pages.next_page(root, response.url)
        if next_page and self.is_site_url(next_page):
            more = {Meta.ARCHIVE_MONTH: month} if month else {}
            yield self.page_request(next_page, self.parse_index, meta=more)
        else:
            self.month_read(month)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        """Article requests from an RSS 2.0 or Atom feed."""
        if response.status in (404, 410):
            self.index_gone(response)
            return
        self.count("newsarchive/feeds")
        response.selector.remove_namespaces()
        links = response.xpath("//item/link/text() | //entry/link/@href").getall()
        yield from self.link_requests((url.strip() for url in links), hops=0)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """Article requests from a monthly news sitemap (only its entries newer than
        `sitemap_since` where the state gave one); its archive page where it is missing;
        the sitemaps of a sitemap index. A missing or unreadable index (`index` in meta)
        falls back to this month's and last month's sitemaps."""
        month: date | None = response.meta.get(Meta.MONTH)
        index = response.meta.get(Meta.INDEX, False)
        if response.status in (404, 410):
            self.count(
                "newsarchive/sitemaps/index_missing" if index else "newsarchive/sitemaps/missing"
            )
            if index:
                yield from map(self.sitemap_request, self.recent_months())
            elif month is not None:
                yield self.page_request(
                    f"{SITE}/aa-{yymm(month)}.html",
                    self.parse_index,
                    meta={Meta.ARCHIVE_MONTH: yymm(month)},
                )
            return
        sitemap, whole = read_sitemap(response.body)
        if sitemap is None or (index and sitemap.type != "sitemapindex"):
            self.count("newsarchive/sitemaps/unreadable")
            self.logger.warning("sitemap %s is no readable sitemap", response.url)
            if index:
                self.count("newsarchive/sitemaps/index_missing")
                yield from map(self.sitemap_request, self.recent_months())
            self.month_read(month)
            return
        if not whole:  # cut or malformed: the entries before the damage are still used
            self.count("newsarchive/sitemaps/unreadable")
            self.logger.warning("sitemap %s is no whole sitemap", response.url)
        self.count("newsarchive/sitemaps/index" if index else "newsarchive/sitemaps")
        if sitemap.type == "sitemapindex":
            yield from self.index_requests(response, sitemap)
            return
        since = parse_instant(response.meta.get(Meta.SITEMAP_SINCE))
        for entry in sitemap:
            lastmod = entry.get("lastmod")
            if since is not None:
                changed = parse_instant(lastmod)
                if changed is not None and changed <= since:
                    self.count("newsarchive/sitemaps/entries_unchanged")
                    continue
            requests = self.article_requests(entry.get("loc", ""), lastmod=lastmod)
            yield from self.found_in_month(month, requests)
        # Read to the end: the incremental filter may count it as read once its articles are.
        response.meta[Meta.SITEMAP_COMPLETE] = whole
        self.month_read(month)

    def index_may_add_sitemap(self) -> bool:
        """Whether sitemap indexes may add one more sitemap this run (a bound on what a
        hostile or broken index can make the run fetch: NEWSARCHIVE_MAX_SITEMAPS)."""
        self.sitemaps_from_indexes += 1
        if self.sitemaps_from_indexes <= self.max_sitemaps:
            return True
        self.count("newsarchive/sitemaps/over_cap")
        if self.sitemaps_from_indexes == self.max_sitemaps + 1:
            self.logger.warning("sitemap indexes list more than NEWSARCHIVE_MAX_SITEMAPS sitemaps")
        return False

    # --- backfill progress ----------------------------------------------------------------------
    def month_read(self, month: date | str | None) -> None:
        if self.backfill_progress is not None and month is not None:
            self.backfill_progress.month_read(month if isinstance(month, str) else yymm(month))

    def found_in_month(
        self, month: date | str | None, requests: Iterable[scrapy.Request]
    ) -> Iterator[scrapy.Request]:
        """The requests, each article among them noted as one of the month's."""
        for request in requests:
            article = request.meta.get(Meta.ARTICLE_ID)
            if self.backfill_progress is not None and month is not None and article:
                key = month if isinstance(month, str) else yymm(month)
                self.backfill_progress.found(key, article)
            yield request

    def article_settled(self, article: str | None) -> None:
        """An article request has ended: answered, failed, dropped or skipped as known."""
        if self.backfill_progress is not None:
            self.backfill_progress.settled(article)

    def request_dropped(self, request: scrapy.Request, spider=None) -> None:
        self.article_settled(request.meta.get(Meta.ARTICLE_ID))

    # --- article pages ------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[Any]:
        """The article of an article page (after its further pages), and its related links.

        Contracts for `scrapy check`, offline on a saved page (newsarchive/contracts.py):
        @fixture classic-analyse-2501-300101.html
        @returns items 1 1
        @filled id url title summary authors body images topics layout
        """
        self.article_settled(response.meta.get(Meta.ARTICLE_ID))
        reading = read_article(page_of(response))
        page = reading.result
        if isinstance(page, NotAnArticle):
            if page.reason == "consent_wall":
                yield from self.consent_wall(response)
                return
            self.count(f"newsarchive/not_article/{page.reason}")
            self.logger.warning("no article from %s: %s", response.url, page.detail or page.reason)
            return
        self.count_reading(page)
        links = self.article_links(response, reading.root)
        yield from self.follow_links(response, links)
        origin = {
            Origin.URL: response.url,
            # What this run follows from the article, kept in the state with its record, so
            # a later run that skips the article as known still follows them (the run that
            # archived it may have been killed before it did).
            Origin.LINKS: links,
            Origin.FETCHED_AT: response.meta.get(Meta.FETCHED_AT) or self.now(),
            Origin.LASTMOD: response.meta.get(Meta.LASTMOD),
            Origin.MULTIPAGE: response.meta.get(Meta.MULTIPAGE, True),
            Origin.FORCED: response.meta.get(Meta.FORCED, False),
            # The id of the URL it was asked for, which may be an alias of the page's own.
            Origin.REQUESTED_ID: response.meta.get(Meta.ARTICLE_ID),
        }
        yield from self.continue_article([page], origin)

    def count_reading(self, page: RawArticle) -> None:
        """Stats of how an article page was read, for the drift alarm (monitors.py)."""
        self.count("newsarchive/read/articles")
        self.count(f"newsarchive/layout/{page.layout}")
        if page.fallbacks:
            self.count("newsarchive/read/with_fallbacks")
        if page.layout == GENERIC:
            return  # every field of a generic record is a fallback: the layout count says it
        for name in page.fallbacks:
            self.count(f"newsarchive/fallback/{name}")

    def parse_later_page(self, response: Response, pages: list[RawArticle], origin: dict):
        if origin.get(Origin.CAPTURE) is not None:  # an archived page: under its own URL
            capture = response.meta.get(Meta.CAPTURE, origin[Origin.CAPTURE])
            try:
                response, _ = self.archive.open_capture(response, capture)
            except sources.ArchiveResponseError as error:
                yield from self.article_failed(origin, f"page {len(pages) + 1}: {error}")
                return
        page = read_article(page_of(response)).result
        if isinstance(page, NotAnArticle) or page.id != pages[0].id:
            reason = page.reason if isinstance(page, NotAnArticle) else "another article"
            yield from self.article_failed(origin, f"page {len(pages) + 1}: {reason}")
            return
        yield from self.continue_article([*pages, page], origin)

    def continue_article(self, pages: list[RawArticle], origin: dict[str, Any]):
        """Fetch the next page of a multi-page article, or emit the merged article.

        `origin` (page 1's URL, fetch instant, lastmod) travels with the pages as plain data,
        so the request can be stored in a JOBDIR queue and resumed.
        """
        last = pages[-1]
        fetched = {page.page for page in pages}
        next_url = last.next_page_url if origin[Origin.MULTIPAGE] else None
        if next_url and page_number(next_url) not in fetched:
            if len(pages) >= self.max_pages:
                yield from self.article_failed(origin, "more pages than NEWSARCHIVE_MAX_PAGES")
                return
            yield self.later_page_request(next_url, pages, origin)
            return
        item = assemble(pages, origin[Origin.URL], origin[Origin.FETCHED_AT])
        if item.page_count > 1:
            self.count("newsarchive/multipage_articles")
        item.raw.update(
            {
                Raw.LASTMOD: origin[Origin.LASTMOD],
                Raw.FORCED: origin[Origin.FORCED],
                Raw.REQUESTED_ID: origin.get(Origin.REQUESTED_ID),
                Raw.LINKS: origin.get(Origin.LINKS),
            }
        )
        if origin.get(Origin.CAPTURE) is not None:
            item.source = origin[Origin.SOURCE]
            item.raw.update(
                {
                    Raw.CAPTURED_AT: origin[Origin.CAPTURED_AT],
                    Raw.CAPTURE: origin[Origin.CAPTURE],
                }
            )
        yield item
        yield from self.next_capture(origin)

    @property
    def hop_budget(self) -> int:
        """Article-to-article hops: the default run only; backfill, topic and URL runs keep
        to the scope they were given."""
        if self.urls or self.topic or self.since or self.archive is not None:
            return 0
        return self.follow_hops

    def article_links(self, response: Response, root: Any) -> list[str] | None:
        """The canonical URLs of the articles a page links to, in a run that follows links
        (None in one that does not: nothing to follow, nothing to keep)."""
        if not response.meta.get(Meta.FOLLOW, True) or self.hop_budget == 0:
            return None
        links = index_pages.links(root, response.url)
        canonical = {canonical_article_url(u) for u in links if self.is_site_url(u)}
        own = response.meta.get(Meta.ARTICLE_ID)
        return sorted(url for url in canonical if url and article_id(url) != own)

    def follow_links(self, response: Response, links: list[str] | None) -> Iterator[scrapy.Request]:
        """Related and next-read articles (the page's `article_links`), while the hop budget
        of the run lasts."""
        if links is None:
            return
        yield from self.follow_article_links(
            response.meta.get(Meta.ARTICLE_ID), response.meta.get(Meta.HOPS, 0), links
        )

    def follow_article_links(
        self, article: str | None, hops: int, links: list[str]
    ) -> Iterator[scrapy.Request]:
        """Requests for an article's links at one hop more (none at the edge of the hop
        budget). Used for a page just read and for a known article's links from the state
        store; the links are kept in case a shorter way to the article turns up."""
        budget = self.hop_budget
        if article is not None:
            self.given_links[article] = links
        hops = min(hops, self.article_hops.get(article, budget)) if article else hops
        if hops >= budget:
            return
        yield from self.link_requests(links, hops=hops + 1)

    # --- web archives (-a source=wayback|commoncrawl) -----------------------------------------
    @cached_property
    def archive(self) -> Any:
        """The archive this run reads captures from (newsarchive.sources), None when live."""
        if self.source == sources.LIVE:
            return None
        since, until = self.period
        return sources.open_source(
            self.source,
            lambda name, default: (
                default if self.archive_hosts[name] is None else self.archive_hosts[name]
            ),
            since,
            until or self.now().astimezone(BERLIN).date(),
            self.cdx_page_size,
        )

    @property
    def archive_progress(self) -> dict[str, Any]:
        """The captures gathered from the index so far and the index answers still awaited.

        In `spider.state` when the run has a JOBDIR, so a paused run resumes with both
        (the queued requests alone would never say when the index is complete).
        """
        state = getattr(self, "state", None)
        if state is None:
            state = self.__dict__.setdefault("_archive_state", {})
        if "archive" not in state:
            plan = sources.CapturePlan(every=self.every)
            state["archive"] = {"plan": plan, "pending": 0, "started": False}
        return state["archive"]

    @property
    def capture_plan(self) -> sources.CapturePlan:
        return self.archive_progress["plan"]

    def index_callbacks(self) -> dict[str, Any]:
        # Never filtered as seen: the run counts the index answers it awaits, and one the
        # filter dropped (a JOBDIR's `requests.seen` holds those of a killed run) would be
        # awaited for ever.
        return {
            "callback": self.parse_archive_index,
            "errback": self.archive_index_failed,
            "dont_filter": True,
        }

    def parse_archive_index(self, response: Response) -> Iterator[Any]:
        """Captures an archive index answer lists; once the last answer is in, the captures
        worth fetching, one chain per article in capture order."""
        progress = self.archive_progress
        progress["pending"] -= 1
        self.count(f"newsarchive/{self.source}/index_pages")
        try:
            captures, follow = self.archive.read_index(response, **self.index_callbacks())
        except sources.ArchiveResponseError as error:
            self.count(f"newsarchive/{self.source}/index_unreadable")
            self.logger.error("archive index %s unreadable: %s", response.url, error)
            captures, follow = [], []
        if response.status != 200:
            self.count(f"newsarchive/{self.source}/index_http_{response.status}")
        self.count(f"newsarchive/{self.source}/captures_listed", len(captures))
        self.count(f"newsarchive/{self.source}/captures_distinct", self.capture_plan.add(captures))
        progress["pending"] += len(follow)
        yield from follow
        if progress["pending"] == 0:
            yield from self.capture_chains()

    def archive_index_failed(self, failure) -> Iterator[Any]:
        """An index answer that failed after its retries: the captures it and the answers
        after it list are not in this run (the run says so; the next run lists them)."""
        self.request_failed(failure)
        self.count(f"newsarchive/{self.source}/index_failed")
        self.archive_progress["pending"] -= 1
        if self.archive_progress["pending"] == 0:
            yield from self.capture_chains()

    @property
    def state_store(self) -> Any:
        """The run's state store, or None. Asked for when used, not in from_crawler: Scrapy
        builds the spider before the extensions."""
        crawler = getattr(self, "crawler", None)
        state = crawler.get_extension(StateExtension) if crawler is not None else None
        return state.store if state is not None else None

    def capture_chains(self) -> Iterator[scrapy.Request]:
        """The first capture of each article's chain (the rest travel with it), with the
        captures of the period that earlier runs could not fetch."""
        store = self.state_store
        if store is not None:
            self.add_owed_captures(store)
        chains, left_out = self.capture_plan.chains(store.capture_known if store else None)
        for reason, amount in left_out.items():
            self.count(f"newsarchive/captures/{reason}", amount)
        self.count("newsarchive/captures/chosen", sum(map(len, chains)))
        self.captures_counted = True
        listed = len(self.capture_plan.captures)
        self.count("newsarchive/articles/discovered", listed)
        self.count("newsarchive/articles/skipped", listed - len(chains))  # all known
        self.logger.info(
            "%s: %d captures of %d articles to fetch; left out: %s",
            self.source,
            sum(map(len, chains)),
            len(chains),
            left_out or "none",
        )
        for chain in chains:
            yield self.capture_request(chain[0], chain[1:])

    def archive_idle(self, spider=None) -> None:
        """Once an archive run has nothing left to do, make sure it lost nothing: the index
        was read to its end and every capture it chose was read or owed.

        A JOBDIR run resumes from the queue its pause wrote. Killed (SIGKILL) after such a
        resume, it leaves that queue's state as the pause wrote it while the queue's files
        have moved on: the next resume finds `spider.state` saying the index was asked for,
        and a queue that gives back nothing (Scrapy writes a disk queue's state only when it
        closes). Here the index is asked again if answers are still awaited, and captures
        neither archived, owed nor read by this process are fetched.
        """
        if self.archive is None or self.archive_rechecked or not self.archive_progress["started"]:
            return
        self.archive_rechecked = True
        progress = self.archive_progress
        if progress["pending"] > 0:  # awaited answers that no queued request will bring
            self.count(f"newsarchive/{self.source}/index_asked_again")
            self.logger.warning(
                "%s: %d index answers awaited, none on their way: asking the index again",
                self.source,
                progress["pending"],
            )
            requests = self.archive.start_requests(**self.index_callbacks())
            progress["pending"] = len(requests)
        else:
            store = self.state_store

            def known(capture: sources.Capture) -> str | None:
                if capture.key in self.captures_settled:
                    return "settled"
                if store is None:
                    return None
                return store.capture_known(capture) or (
                    "owed" if store.is_owed(capture.key) else None
                )

            chains, _ = self.capture_plan.chains(known)
            if not self.captures_counted:  # resumed after the index was read: its plan counts
                self.captures_counted = True
                listed = len(self.capture_plan.captures)
                self.count("newsarchive/articles/discovered", listed)
                self.count("newsarchive/articles/skipped", listed - len(chains))
            if not chains:
                return
            self.count("newsarchive/captures/resumed_lost", sum(map(len, chains)))
            self.logger.warning(
                "%s: %d chosen captures neither read nor owed (a resumed queue lost them):"
                " fetching them",
                self.source,
                sum(map(len, chains)),
            )
            requests = [self.capture_request(chain[0], chain[1:]) for chain in chains]
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def add_owed_captures(self, store: Any) -> None:
        """Captures of this archive and period that earlier runs wanted but could not fetch,
        into the plan (the index lists them again, unless its answer failed this time)."""
        first, last = (
            datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            for stamp in sources.period_bounds(self.archive.since, self.archive.until)
        )
        owed = []
        for row in store.owed(self.source, first, last):
            try:
                owed.append(sources.Capture.from_json(row.capture))
            except (ValueError, TypeError, KeyError, sources.ArchiveResponseError) as error:
                self.count("newsarchive/captures/owed_unreadable")
                self.logger.error("owed capture %s unreadable in the state: %s", row.key, error)
        self.count("newsarchive/captures/owed_earlier", len(owed))
        self.count(f"newsarchive/{self.source}/captures_distinct", self.capture_plan.add(owed))

    def capture_not_fetched(self, capture: sources.Capture, chain: list, failure) -> Iterator[Any]:
        """A capture whose request failed after its retries: owed in the state store, so
        the next run over the period fetches it. Unless it has failed in
        NEWSARCHIVE_CAPTURE_HOLD_RUNS runs already, the article's later captures wait for
        it (owed too), so its versions are numbered in capture order; after that, the
        article's next capture of the same bytes, if the index listed one, stands in for it."""
        kind = failure_kind(failure)
        self.captures_settled.update(c.key for c in (capture, *chain))
        self.count("newsarchive/captures/failed")
        self.count(f"newsarchive/captures/failed/{kind}")
        store = self.state_store
        if store is None:  # nothing would remember it: the later captures go on
            yield from self.next_capture({Origin.CHAIN: chain})
            return
        now = self.now()
        failed_runs = store.owe_capture(capture, kind, now, failed=True)
        hold = self.capture_hold_runs
        if failed_runs >= hold:
            stand_in = self.capture_plan.same_bytes_later(capture)
            if stand_in is not None and stand_in not in chain:
                self.count("newsarchive/captures/stand_in")
                chain = [stand_in, *chain]
        if not chain or failed_runs >= hold:
            yield from self.next_capture({Origin.CHAIN: chain})
            return
        for later in chain:
            store.owe_capture(later, f"held back behind {capture.key}", now, failed=False)
        self.count("newsarchive/captures/held_back", len(chain))
        self.logger.warning(
            "capture %s not fetched (%s): it and %d later captures of article %s are owed to"
            " the next run",
            capture.key,
            kind,
            len(chain),
            capture.article_id,
        )

    def capture_request(self, capture: sources.Capture, rest: list) -> scrapy.Request:
        return self.archive.capture_request(
            capture,
            callback=self.parse_capture,
            errback=self.capture_failed,
            cb_kwargs={"chain": rest},
            # Every capture once, and those of one article strictly one after the other.
            dont_filter=True,
            priority=5,
        )

    def next_capture(self, origin: dict[str, Any]) -> Iterator[scrapy.Request]:
        chain = origin.get(Origin.CHAIN)
        if chain:
            yield self.capture_request(chain[0], chain[1:])

    def parse_capture(self, response: Response, chain: list) -> Iterator[Any]:
        capture: sources.Capture = response.meta[Meta.CAPTURE]
        self.captures_settled.add(capture.key)
        origin = {
            Origin.URL: response.url,
            Origin.FETCHED_AT: response.meta.get(Meta.FETCHED_AT) or self.now(),
            Origin.LASTMOD: None,
            Origin.MULTIPAGE: True,
            Origin.FORCED: False,
            Origin.SOURCE: self.source,
            Origin.CAPTURE: capture,
            Origin.CHAIN: chain,
        }
        try:
            page_response, origin[Origin.CAPTURED_AT] = self.archive.open_capture(response, capture)
        except sources.ArchiveResponseError as error:
            self.count("newsarchive/captures/unreadable")
            self.logger.error("capture %s unreadable: %s", capture.key, error)
            yield from self.next_capture(origin)
            return
        page = read_article(page_of(page_response)).result
        if isinstance(page, NotAnArticle):
            self.count(f"newsarchive/not_article/{page.reason}")
            self.logger.warning(
                "no article from capture %s of %s: %s",
                capture.timestamp,
                capture.url,
                page.detail or page.reason,
            )
            yield from self.next_capture(origin)
            return
        self.count_reading(page)
        yield from self.continue_article([page], origin)

    def capture_failed(self, failure) -> Iterator[Any]:
        self.request_failed(failure)
        capture = failure.request.meta[Meta.CAPTURE]
        yield from self.capture_not_fetched(
            capture, failure.request.cb_kwargs.get("chain") or [], failure
        )

    def later_page_request(self, url: str, pages: list, origin: dict) -> scrapy.Request:
        request = {
            "callback": self.parse_later_page,
            "errback": self.later_page_failed,
            "cb_kwargs": {"pages": pages, "origin": origin},
            # Finish started articles first: fewer half-fetched ones when a run is cut.
            "priority": 10,
            "dont_filter": True,
        }
        capture = origin.get(Origin.CAPTURE)
        if capture is None:
            return scrapy.Request(self.on_site(url), cookies=self.cookies(), **request)
        lookup = self.archive.later_page_lookup(url, capture)
        if lookup is None:
            return self.archive.later_page_request(url, capture, **request)
        # The archive's index names the page's own capture first.
        request["cb_kwargs"] = {**request["cb_kwargs"], "url": url}
        return scrapy.Request(lookup, **{**request, "callback": self.parse_later_page_index})

    def parse_later_page_index(self, response: Response, pages: list, origin: dict, url: str):
        try:
            capture = self.archive.later_page_capture(response, url, origin[Origin.CAPTURE])
        except sources.ArchiveResponseError as error:
            yield from self.article_failed(origin, f"page {len(pages) + 1}: {error}")
            return
        yield self.archive.capture_request(
            capture,
            callback=self.parse_later_page,
            errback=self.later_page_failed,
            cb_kwargs={"pages": pages, "origin": origin},
            priority=10,
            dont_filter=True,
        )

    # --- what goes wrong ------------------------------------------------------------------------
    def consent_wall(self, response: Response) -> Iterator[scrapy.Request]:
        """Retry a consent interstitial once (with the cookie again), then report it."""
        if not response.meta.get(Meta.CONSENT_RETRY):
            self.count("newsarchive/consent_wall/retried")
            yield response.request.replace(
                dont_filter=True, meta={**response.meta, Meta.CONSENT_RETRY: True}
            )
            return
        self.count("newsarchive/consent_wall")
        self.logger.error("consent wall instead of %s, not archived", response.url)

    def article_failed(self, origin: dict[str, Any], why: str) -> Iterator[Any]:
        self.count("newsarchive/multipage_failed")
        self.logger.error("article %s not archived: %s", origin[Origin.URL], why)
        return self.next_capture(origin)

    def later_page_failed(self, failure) -> Iterator[Any]:
        self.request_failed(failure)
        origin = failure.request.cb_kwargs["origin"]
        pages = failure.request.cb_kwargs["pages"]
        if origin.get(Origin.CAPTURE) is not None:  # the whole capture is owed, page 1 and all
            self.count("newsarchive/multipage_failed")
            yield from self.capture_not_fetched(
                origin[Origin.CAPTURE], origin.get(Origin.CHAIN) or [], failure
            )
            return
        yield from self.article_failed(origin, f"page {len(pages) + 1}: {failure.value!r}")

    def index_gone(self, response: Response) -> None:
        """An index page or feed that answers 404/410 failed as a request: a missing article
        is news (counted as a page without article), a missing topic page or feed is not.
        A month's archive page, asked for because its sitemap is missing, may be missing too."""
        month = response.meta.get(Meta.ARCHIVE_MONTH)
        if month is not None:
            # Neither sitemap nor archive page: a month the site has nothing for.
            self.month_read(month)
            self.count("newsarchive/months/missing")
            self.logger.warning("month %s has neither a news sitemap nor an archive page", month)
            return
        kind = f"http_{response.status}"
        self.count(f"newsarchive/errors/{kind}")
        self.logger.error("request failed (%s): %s", kind, response.url)

    def request_failed(self, failure) -> None:
        """Count a failed request by kind (HTTP status or exception) and log it once."""
        kind = failure_kind(failure)
        self.count(f"newsarchive/errors/{kind}")
        self.logger.error("request failed (%s): %s", kind, failure.request.url)
        self.article_settled(failure.request.meta.get(Meta.ARTICLE_ID))


def failure_kind(failure) -> str:
    """A failed request's kind for the stats: `http_<status>` or the exception's name."""
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    return type(failure.value).__name__
