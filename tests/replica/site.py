"""A deterministic golem.de replica: articles, index pages, feeds and sitemaps, all from a seed.

`build_site(now=…, seed=…)` spreads generated articles over the month of `now` and the two
before it (classic layout before 2025-09-01, current from then on) and adds fixed 2024
articles around the DST switches and a classic multi-page article, which only the sitemaps
and archive pages (and, for the multi-page one, a related link) lead to.

What links where:
- home `/`: the newest 15 ("Aktuell auf der Startseite") and the 5 most commented of those
  ("Meistgelesen"); RSS (`/rss.php?feed=RSS2.0`, `/rss`): newest 20; `/ticker/`: newest 30;
- `/news/gsitemap-<YYMM>.xml`: every article of its month, listed in `/gsiteindex.xml`,
  except `missing_sitemap_month`, which is listed but answers 404; `/aa-<YYMM>.html`: every
  article of its month, for every month;
- `/specials/<slug>/` (then `/specials/<slug>/2/` …): 10 teasers a page per topic;
- article pages: related teasers (always older articles) and a "most read" box;
- `/forum-mirror/` (disallowed by robots.txt, linked from home): one backfill-only article;
- `add_alias(id)`: the article's sitemap entry becomes a URL with another id serving its page.
"""

from __future__ import annotations

import copy
import random
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

from . import render_classic, render_current
from .feeds import lastmod, render_robots, render_rss, render_sitemap, render_sitemap_index
from .markup import attr, slugify
from .specs import (
    BERLIN,
    CANONICAL_BASE,
    CREDIT_TYPES,
    ArticleSpec,
    Block,
    Image,
    heading,
    list_block,
    paragraph,
    table_block,
)
from .textgen import AUTHORS, PRODUCTS, TOPICS, TextGen

LAYOUT_SWITCH = datetime(2025, 9, 1, tzinfo=BERLIN)
# golem.de's ids grow by about this much a month.
MONTH_ID_SPAN = 1300
# Six-digit ids, nine apart, run out above this many articles.
MAX_ARTICLES = 100_000
# Related articles are drawn from this many articles published before (all of them on
# the replicas the tests build).
RELATED_WINDOW = 200
HOME_SIZE, MOST_READ_SIZE, FEED_SIZE, TICKER_SIZE, TOPIC_PAGE_SIZE = 15, 5, 20, 30, 10
FEED_PATHS = ("/rss.php?feed=RSS2.0", "/rss")

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
JPEG = "image/jpeg"

Page = tuple[int, str, bytes]  # status, content type, body
T = TypeVar("T")

# Edge cases placed on generated current-layout articles, and on classic ones where the
# months include some: (name, features).
CURRENT_ROLES: list[tuple[str, dict]] = [
    ("video", {"videos": 1, "authors": 2}),
    ("sponsored", {"sponsored": True}),
    ("multipage_current", {"pages": 3, "genre": "Test", "body_images": 2, "videos": 1,
                           "blocks": ("list", "table")}),
    ("opinion", {"opinion": True, "genre": "Kommentar", "blocks": ("quote",)}),
    ("paywall", {"paywall": True, "genre": "Analyse", "authors": 2, "no_comment_count": True}),
    ("no_kicker", {"no_kicker": True, "blocks": ("code",)}),
    ("caption_none", {"caption_none": True, "genre": "Interview", "blocks": ("quote",)}),
    ("two_authors", {"authors": 2, "body_images": 1, "blocks": ("list",)}),
    ("two_videos", {"genre": "Bericht", "videos": 2}),
    ("table", {"blocks": ("table",), "no_comment_count": True}),
]  # fmt: skip
CLASSIC_ROLES: list[tuple[str, dict]] = [
    ("classic_report", {"genre": "Bericht", "authors": 2, "body_images": 1, "blocks": ("list",)}),
    ("classic_no_comments", {"no_comment_count": True, "blocks": ("table",)}),
]
# Fixed 2024 articles (classic): (name, published, modified - published, features).
OLD_ARTICLES: list[tuple[str, datetime, timedelta, dict]] = [
    ("dst_spring_cet", datetime(2024, 3, 31, 1, 30, 17, tzinfo=BERLIN),
     timedelta(hours=2, minutes=4, seconds=9), {}),
    ("dst_spring_cest", datetime(2024, 3, 31, 3, 30, 41, tzinfo=BERLIN),
     timedelta(minutes=52, seconds=3), {"authors": 2}),
    ("dst_fall_cest", datetime(2024, 10, 27, 2, 30, 23, tzinfo=BERLIN),
     timedelta(hours=3, minutes=11, seconds=5), {}),
    ("dst_fall_cet", datetime(2024, 10, 27, 2, 30, 52, fold=1, tzinfo=BERLIN),
     timedelta(hours=1, minutes=40, seconds=30), {"no_images": True}),
    ("multipage_classic", datetime(2024, 10, 15, 9, 12, 34, tzinfo=BERLIN),
     timedelta(hours=5, seconds=41), {"pages": 3, "genre": "Test", "authors": 2,
                                      "body_images": 2, "blocks": ("list", "table", "code")}),
    ("classic_interview", datetime(2024, 10, 22, 16, 5, 9, tzinfo=BERLIN),
     timedelta(minutes=17, seconds=22), {"genre": "Interview", "blocks": ("quote",),
                                         "caption_none": True, "no_comment_count": True}),
]  # fmt: skip
# Old articles that nothing but sitemaps, archive pages and /forum-mirror/ link to.
BACKFILL_ONLY = ("dst_spring_cet", "dst_spring_cest", "dst_fall_cest", "dst_fall_cet")


def render_article(spec: ArticleSpec, page: int = 1, **options) -> str:
    """Render a page of `spec` in its own layout (options as in the layout modules)."""
    module = render_classic if spec.layout == "classic" else render_current
    return module.render_article(spec, page, **options)


def layout_for(published: datetime) -> str:
    """The layout golem.de used at that time."""
    return "current" if published >= LAYOUT_SWITCH else "classic"


@dataclass(frozen=True)
class IndexPage:
    """A page listing teasers: its blocks (heading or None, articles) and how to render it."""

    path: str
    blocks: list[tuple[str | None, list[ArticleSpec]]]
    images: bool  # whether its teasers show images (current layout)
    render: Callable[..., str]  # called with base=


@dataclass
class Site:
    """The replica's content; `pages()` renders it, the expectations derive from the specs."""

    now: datetime
    seed: int
    articles: dict[str, ArticleSpec]
    edge_cases: dict[str, str]
    missing_sitemap_month: str
    revision: int = 0
    # Alias id -> article id: the article's sitemap entry names `alias_path(alias id)`, a
    # URL with another id that serves the article's page (its canonical URL unchanged).
    aliases: dict[str, str] = field(default_factory=dict)
    # Keep article pages once rendered, too (a benchmark serving the same pages again).
    keep_pages: bool = field(default=False, compare=False)
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    # -- selections ----------------------------------------------------------------------

    # Each selection is memoised per revision: article pages are rendered per request, and
    # every one of them shows the most-read box, which needs all articles sorted.

    def newest(self) -> list[ArticleSpec]:
        """All articles, newest first."""
        return list(self._newest())

    def _newest(self) -> list[ArticleSpec]:
        return self._cached(
            "newest",
            lambda: sorted(
                self.articles.values(), key=lambda s: (instant(s.published), s.id), reverse=True
            ),
        )

    def home(self) -> list[ArticleSpec]:
        return self._newest()[:HOME_SIZE]

    def most_read(self) -> list[ArticleSpec]:
        """The most commented of the home-page articles (so the box adds no new links)."""
        return list(self._cached("most_read", self._rank_most_read))

    def _rank_most_read(self) -> list[ArticleSpec]:
        ranked = sorted(self.home(), key=lambda s: (s.comment_count or 0, s.id), reverse=True)
        return ranked[:MOST_READ_SIZE]

    def months(self) -> list[str]:
        """Every YYMM that has articles, oldest first."""
        return sorted(self._by_month())

    def month_articles(self, yymm: str) -> list[ArticleSpec]:
        return list(self._by_month().get(yymm, ()))

    def _by_month(self) -> dict[str, list[ArticleSpec]]:
        """YYMM -> its articles, newest first."""

        def group() -> dict[str, list[ArticleSpec]]:
            months: dict[str, list[ArticleSpec]] = {}
            for spec in self._newest():
                months.setdefault(spec.yymm, []).append(spec)
            return months

        return self._cached("by_month", group)

    def topics(self) -> list[tuple[str, str]]:
        """Every topic some article has, by slug."""
        return sorted({t for s in self.articles.values() for t in s.topics}, key=lambda t: t[1])

    def topic_pages(self, slug: str) -> list[list[ArticleSpec]]:
        tagged = self._by_topic().get(slug, [])
        return [tagged[i : i + TOPIC_PAGE_SIZE] for i in range(0, len(tagged), TOPIC_PAGE_SIZE)]

    def _by_topic(self) -> dict[str, list[ArticleSpec]]:
        """Topic slug -> its articles, newest first."""

        def group() -> dict[str, list[ArticleSpec]]:
            topics: dict[str, list[ArticleSpec]] = {}
            for spec in self._newest():
                for slug in dict.fromkeys(t for _, t in spec.topics):
                    topics.setdefault(slug, []).append(spec)
            return topics

        return self._cached("by_topic", group)

    def related_of(self, spec: ArticleSpec) -> list[ArticleSpec]:
        return [self.articles[rid] for rid in spec.related]

    def most_read_for(self, spec: ArticleSpec) -> list[ArticleSpec]:
        """The 'most read' box on an article page: never the article or its related ones."""
        return [s for s in self.most_read() if s.id != spec.id and s.id not in spec.related][:3]

    # -- pages ---------------------------------------------------------------------------

    def _cached(self, name: str, build: Callable[[], T]) -> T:
        """Memoise per site revision: pages are rebuilt only after changes."""
        hit = self._cache.get(name)
        if hit is None or hit[0] != self.revision:
            hit = self._cache[name] = (self.revision, build())
        return hit[1]

    def index_pages(self) -> list[IndexPage]:
        """Home, ticker, monthly archives and topic pages, in a stable order."""
        return self._cached("index_pages", self._build_index_pages)

    def _index_by_path(self) -> dict[str, IndexPage]:
        return self._cached("index_by_path", lambda: {i.path: i for i in self.index_pages()})

    def _build_index_pages(self) -> list[IndexPage]:
        home_blocks: list[tuple[str | None, list[ArticleSpec]]] = [
            ("Aktuell auf der Startseite", self.home()),
            ("Meistgelesen", self.most_read()),
        ]
        topics = self.topics()
        ticker = self._newest()[:TICKER_SIZE]
        pages = [
            IndexPage(
                "/",
                home_blocks,
                True,
                partial(render_current.render_home, home_blocks, topics=topics),
            ),
            IndexPage(
                "/ticker/", [(None, ticker)], False, partial(render_classic.render_ticker, ticker)
            ),
        ]
        months = self.months()
        for k, yymm in enumerate(months):
            specs = self.month_articles(yymm)
            older = months[k - 1] if k else None
            newer = months[k + 1] if k + 1 < len(months) else None
            render = partial(render_classic.render_archive, yymm, specs, older=older, newer=newer)
            pages.append(IndexPage(f"/aa-{yymm}.html", [(None, specs)], False, render))
        for name, slug in topics:
            chunks = self.topic_pages(slug)
            for number, specs in enumerate(chunks, 1):
                path = f"/specials/{slug}/" + (f"{number}/" if number > 1 else "")
                render = partial(
                    render_current.render_topic,
                    name,
                    slug,
                    specs,
                    page=number,
                    page_count=len(chunks),
                )
                pages.append(IndexPage(path, [(None, specs)], True, render))
        return pages

    def article_paths(self) -> dict[str, tuple[str, int]]:
        """Every article page path -> (id, page number)."""
        return self._cached(
            "article_paths",
            lambda: {
                spec.path(n): (spec.id, n)
                for spec in self.articles.values()
                for n in range(1, spec.page_count + 1)
            },
        )

    def paths(self) -> list[str]:
        """Every path the site serves, in a stable order."""
        sitemaps = [
            f"/news/gsitemap-{yymm}.xml"
            for yymm in self.months()
            if yymm != self.missing_sitemap_month
        ]
        return [
            *(index.path for index in self.index_pages()),
            "/specials/",
            "/forum-mirror/",
            *FEED_PATHS,
            "/gsiteindex.xml",
            *sitemaps,
            "/robots.txt",
            *self.article_paths(),
            *map(self.alias_path, self.aliases),
        ]

    def pages(self, base: str = CANONICAL_BASE) -> dict[str, Page]:
        """Every path the site serves -> (status, content type, body), all rendered now."""
        pages = {path: self.page(path, base) for path in self.paths()}
        return {path: page for path, page in pages.items() if page is not None}

    def page(self, path: str, base: str = CANONICAL_BASE) -> Page | None:
        """(status, content type, body) of one path, or None where the site has no such page.

        Article pages are rendered at each call unless `keep_pages` (a large replica could
        not hold them all); the other pages, few and requested again and again, are kept
        until the site changes.
        """
        kept: dict[str, Page] = self._cached(f"pages {base}", dict)
        page = kept.get(path)
        if page is not None:
            return page
        article = self.article_paths().get(path)
        if article is None and path in self._alias_paths():
            article = (self._alias_paths()[path], 1)
        if article is not None:
            page = 200, HTML, self._article_html(*article, base).encode()
            if self.keep_pages:
                kept[path] = page
            return page
        if path in self.image_paths():
            return 200, JPEG, image_bytes(path)
        page = self._render_listing(path, base)
        if page is not None:
            kept[path] = page
        return page

    def image_paths(self) -> frozenset[str]:
        """Paths of the articles' own images (hero and body), which the site serves."""
        return self._cached(
            "image_paths",
            lambda: frozenset(
                urlsplit(image["url"]).path
                for spec in self.articles.values()
                for image in spec.images
            ),
        )

    def _render_listing(self, path: str, base: str) -> Page | None:
        """A page that is no article: index pages, feeds, sitemaps, robots.txt."""
        index = self._index_by_path().get(path)
        if index is not None:
            return 200, HTML, index.render(base=base).encode()
        if path == "/specials/":
            return 200, HTML, render_current.render_topic_index(self.topics()).encode()
        if path == "/forum-mirror/":
            return 200, HTML, self._forum_mirror(base).encode()
        if path in FEED_PATHS:
            return 200, RSS, render_rss(self._newest()[:FEED_SIZE], base=base).encode()
        if path == "/gsiteindex.xml":
            by_month = self._by_month()
            months = [(m, max(lastmod(s) for s in by_month[m])) for m in self.months()]
            return 200, XML, render_sitemap_index(months, base=base).encode()
        if path.startswith("/news/gsitemap-") and path.endswith(".xml"):
            yymm = path[len("/news/gsitemap-") : -len(".xml")]
            specs = self._by_month().get(yymm)
            if specs is None or yymm == self.missing_sitemap_month:
                return None
            paths = {spec_id: self.alias_path(alias) for alias, spec_id in self.aliases.items()}
            return 200, XML, render_sitemap(specs, base=base, paths=paths).encode()
        if path == "/robots.txt":
            return 200, TEXT, render_robots(base=base).encode()
        return None

    def single_page(self, path: str, base: str = CANONICAL_BASE) -> bytes | None:
        """All pages of a multi-page article on one page (cookie golem_multipage=single)."""
        found = self.article_paths().get(path)
        if found is None or self.articles[found[0]].page_count == 1:
            return None
        return self._article_html(found[0], 1, base, single=True).encode()

    def _article_html(self, article_id: str, number: int, base: str, **options) -> str:
        spec = self.articles[article_id]
        return render_article(
            spec,
            number,
            related=self.related_of(spec),
            most_read=self.most_read_for(spec),
            base=base,
            **options,
        )

    def _forum_mirror(self, base: str) -> str:
        spec = self.articles[self._forum_mirror_id()]
        link = f'<a href="{base}{spec.path()}">{attr(spec.headline)}</a>'
        return (
            '<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8">'
            "<title>Forum-Archiv</title></head><body><h1>Forum-Archiv</h1>"
            f"<ul><li>{link}</li></ul></body></html>"
        )

    def _forum_mirror_id(self) -> str:
        return self.edge_cases.get("dst_fall_cet") or self._newest()[-1].id

    # -- links and expectations ----------------------------------------------------------

    def linked_ids(self, path: str) -> list[str]:
        """Article ids a page links to as articles (teasers, feed items, related teasers)."""
        if path in FEED_PATHS:
            return [s.id for s in self._newest()[:FEED_SIZE]]
        if path == "/forum-mirror/":
            return [self._forum_mirror_id()]
        if path.startswith("/news/gsitemap-"):
            yymm = path[len("/news/gsitemap-") : -len(".xml")]
            if yymm == self.missing_sitemap_month:
                return []
            return [s.id for s in self.month_articles(yymm)]
        found = self.article_paths().get(path)
        if found:
            spec = self.articles[found[0]]
            return [s.id for s in self.related_of(spec) + self.most_read_for(spec)]
        index = self._index_by_path().get(path)
        if index is not None:
            return [s.id for _, specs in index.blocks for s in specs]
        raise KeyError(path)

    def reachable_ids(
        self,
        run: str = "default",
        *,
        topic: str | None = None,
        months: Iterable[str] | None = None,
        follow_related: bool = False,
    ) -> set[str]:
        """Articles a run can find.

        default: what home, ticker and feed link to; backfill: every article of `months`
        (default all) through sitemaps, or the archive page where the sitemap is missing;
        topic: every page of topic `topic`. follow_related adds the articles reachable
        from those through related and most-read teasers, transitively.
        """
        if run == "default":
            found = {i for p in ("/", "/ticker/", FEED_PATHS[0]) for i in self.linked_ids(p)}
        elif run == "backfill":
            wanted = set(self.months() if months is None else months)
            found = {s.id for s in self.articles.values() if s.yymm in wanted}
        elif run == "topic":
            if topic is None:
                raise ValueError("run='topic' needs topic=<slug>")
            found = {s.id for chunk in self.topic_pages(topic) for s in chunk}
        else:
            raise ValueError(f"unknown run {run!r}")
        todo = list(found) if follow_related else []
        while todo:
            for linked in self.linked_ids(self.articles[todo.pop()].path()):
                if linked not in found:
                    found.add(linked)
                    todo.append(linked)
        return found

    def expected_articles(self, base: str = CANONICAL_BASE) -> dict[str, dict]:
        """id -> expected article record, for every article."""
        return {
            aid: s.expected_record(base, self.articles) for aid, s in sorted(self.articles.items())
        }

    def expected_teasers(self, base: str = CANONICAL_BASE) -> list[dict]:
        """Expected teaser records of every index page, in page order; page_url is the path."""
        records = []
        for index in self.index_pages():
            position = 0
            for heading_text, specs in index.blocks:
                for spec in specs:
                    position += 1
                    records.append(
                        spec.expected_teaser(
                            index.path, heading_text, position, with_image=index.images, base=base
                        )
                    )
        return records

    # -- mutations for incremental runs --------------------------------------------------

    def alias_path(self, alias_id: str) -> str:
        """The path of an alias: the article's slug and month with the alias id."""
        spec = self.articles[self.aliases[alias_id]]
        return f"/news/{spec.slug}-{spec.yymm}-{alias_id}.html"

    def _alias_paths(self) -> dict[str, str]:
        return {self.alias_path(alias): article for alias, article in self.aliases.items()}

    def add_alias(self, article_id: str) -> str:
        """List `article_id` in its sitemap under a URL with another id (the next free
        one) that serves the article's page; returns the alias id."""
        taken = {*self.articles, *self.aliases}
        alias = str(max(int(i) for i in taken) + 7)
        self.aliases[alias] = article_id
        self.revision += 1
        return alias

    def new_spec(self, published: datetime, **overrides) -> ArticleSpec:
        """A fresh article (next free id) published at `published` (a second later where
        that falls on a full minute: golem.de's seconds are never all zero), not yet on the
        site."""
        published = published.astimezone(BERLIN)
        published += timedelta(seconds=published.second == 0)
        article_id = str(max(int(i) for i in self.articles) + 11)
        rng = random.Random(zlib.crc32(f"{self.seed}:{article_id}".encode()))
        spec = _make_spec(
            TextGen(rng), rng, article_id, published, _later(published, rng), {}, _CreditCycle()
        )
        return replace(spec, **overrides)

    def publish(self, spec: ArticleSpec) -> None:
        """Add an article: it shows on home, feed, ticker, sitemap and archive by its date."""
        if spec.id in self.articles:
            raise ValueError(f"article {spec.id} exists already")
        missing = [rid for rid in spec.related if rid not in self.articles]
        if missing:
            raise ValueError(f"unknown related ids {missing}")
        self.articles[spec.id] = spec
        self.revision += 1

    def revise(
        self, article_id: str, new_paragraph_text: str, *, at: datetime | None = None
    ) -> ArticleSpec:
        """Append a paragraph to an article's last page and bump its modified time.

        `at` defaults to an hour and seven seconds after the previous change.
        """
        spec = self.articles[article_id]
        if at is None:
            at = _plus(spec.modified or spec.published, timedelta(hours=1, seconds=7))
            at += timedelta(seconds=at.second == 0)
        pages = copy.deepcopy(spec.pages)
        pages[-1].append(paragraph(new_paragraph_text))
        revised = replace(spec, pages=pages, modified=at.astimezone(BERLIN))
        self.articles[article_id] = revised
        self.revision += 1
        return revised


# -- building --------------------------------------------------------------------------------


def build_site(*, now: datetime, n_articles: int = 40, seed: int = 1) -> Site:
    """A deterministic site: the same `now`, `n_articles` and `seed` give the same bytes.

    `now` must be timezone-aware and at least two weeks after the 2025-09-01 layout switch
    (the current-layout edge cases need current-layout articles); n_articles counts the six
    fixed 2024 articles too and must be from 30 to MAX_ARTICLES (100,000).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(BERLIN)
    if now < LAYOUT_SWITCH + timedelta(days=14):
        raise ValueError("now must be 2025-09-15 or later")
    if not 30 <= n_articles <= MAX_ARTICLES:
        raise ValueError(f"n_articles must be from 30 to {MAX_ARTICLES}")
    rng = random.Random(seed)
    windows = _month_windows(now)
    drafts = [_Draft(t) for t in _regular_times(rng, windows, n_articles - len(OLD_ARTICLES))]
    _place_dst(drafts, windows[0][0], now)
    _assign_roles(drafts)
    for name, published, delta, features in OLD_ARTICLES:
        drafts.append(_Draft(published, [name], dict(features), _plus(published, delta)))
    drafts.sort(key=lambda d: instant(d.published))
    gen, credits = TextGen(rng), _CreditCycle()
    specs: list[ArticleSpec] = []
    edge_cases: dict[str, str] = {}
    for article_id, draft in zip(_ids(drafts, rng), drafts, strict=True):
        modified = draft.modified or _later(draft.published, rng, now)
        specs.append(
            _make_spec(gen, rng, article_id, draft.published, modified, draft.features, credits)
        )
        edge_cases.update(dict.fromkeys(draft.names, article_id))
    _link_related(
        specs, rng, {edge_cases[n] for n in BACKFILL_ONLY}, edge_cases["multipage_classic"]
    )
    return Site(
        now=now,
        seed=seed,
        articles={s.id: s for s in specs},
        edge_cases=edge_cases,
        missing_sitemap_month=f"{windows[0][0]:%y%m}",
    )


@dataclass
class _Draft:
    published: datetime
    names: list[str] = field(default_factory=list)
    features: dict = field(default_factory=dict)
    modified: datetime | None = None


class _CreditCycle:
    """Hands out credit form words in turn, so every form appears."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return CREDIT_TYPES[(self.count - 1) % len(CREDIT_TYPES)]


def instant(dt: datetime) -> float:
    """POSIX time of an aware datetime; unlike comparing Berlin datetimes, it honours `fold`.

    (Python compares and subtracts datetimes that share a tzinfo by wall-clock time, so
    02:30 CEST and 02:30 CET on the autumn switch day would look equal.)
    """
    return dt.timestamp()


def _plus(dt: datetime, delta: timedelta) -> datetime:
    """Add real elapsed time (not wall-clock time) to a Berlin datetime."""
    return (dt.astimezone(UTC) + delta).astimezone(BERLIN)


def _later(published: datetime, rng: random.Random, now: datetime | None = None) -> datetime:
    """A modification a few minutes to hours after publication, not after `now`."""
    limit = (
        300 if now is None else max(2, min(300, int(instant(now) - instant(published)) // 60 - 1))
    )
    modified = _plus(
        published, timedelta(minutes=rng.randint(1, limit), seconds=rng.randint(1, 59))
    )
    return modified + timedelta(seconds=modified.second == 0)


def _month_start(year: int, month: int) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=BERLIN)


def _month_windows(now: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end) of the month of `now` and the two before it; the last ends before now."""
    starts = [_month_start(now.year, now.month - k) for k in (2, 1, 0)]
    ends = [starts[1], starts[2], now - timedelta(minutes=15)]
    return [(s, e) for s, e in zip(starts, ends, strict=True) if e - s >= timedelta(hours=1)]


def _regular_times(
    rng: random.Random, windows: list[tuple[datetime, datetime]], count: int
) -> list[datetime]:
    """Distinct publication times, round-robin over the months, mostly in the daytime."""
    times: set[datetime] = set()
    k = 0
    while len(times) < count:
        start, end = windows[k % len(windows)]
        k += 1
        times.add(_random_time(rng, start, end))
    return sorted(times)


def _random_time(rng: random.Random, start: datetime, end: datetime) -> datetime:
    days = (end.date() - start.date()).days
    for _ in range(50):
        day = start.date() + timedelta(days=rng.randint(0, days))
        hour, minute, second = rng.randint(6, 21), rng.randint(0, 59), rng.randint(1, 59)
        t = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=BERLIN)
        if start <= t < end:
            return t
    t = _plus(start, timedelta(seconds=rng.randrange(int((end - start).total_seconds()))))
    return t.replace(second=t.second or 1)


def _place_dst(drafts: list[_Draft], start: datetime, now: datetime) -> None:
    """Move the draft nearest to a DST switch inside the months to the switch's odd hour.

    Autumn: 02:30 of the second pass (CET, fold=1); spring: 03:30 CEST right after the gap.
    """
    day: date = start.date()
    while day < now.date():
        before = datetime(day.year, day.month, day.day, tzinfo=BERLIN).utcoffset()
        after = datetime(day.year, day.month, day.day, 23, tzinfo=BERLIN).utcoffset()
        if before != after:
            autumn = after < before
            hour, fold, name = (
                (2, 1, "dst_fall_current") if autumn else (3, 0, "dst_spring_current")
            )
            target = datetime(day.year, day.month, day.day, hour, 30, 17, fold=fold, tzinfo=BERLIN)
            if instant(target) < instant(now) - 15 * 60:
                nearest = min(drafts, key=lambda d: abs(instant(d.published) - instant(target)))
                if instant(target) not in {instant(d.published) for d in drafts}:
                    nearest.published = target
                    nearest.names.append(name)
                    drafts.sort(key=lambda d: instant(d.published))
            return
        day += timedelta(days=1)


def _assign_roles(drafts: list[_Draft]) -> None:
    """Spread the edge-case roles over the generated articles of each layout, newest first."""
    for layout, roles in (("current", CURRENT_ROLES), ("classic", CLASSIC_ROLES)):
        pool = [d for d in reversed(drafts) if layout_for(d.published) == layout]
        if not pool:
            continue
        step = max(1, len(pool) // len(roles))
        for k, (name, features) in enumerate(roles):
            draft = pool[(k * step) % len(pool)]
            draft.names.append(name)
            draft.features.update(features)


def _ids(drafts: list[_Draft], rng: random.Random) -> list[str]:
    """Six-digit ids growing with publication time, as golem.de's do: a month's ids from
    1,300 above the last month's, ten apart within the month. A month of more than 130
    articles has no room in that span, so a larger replica numbers its articles through,
    nine apart (room for MAX_ARTICLES)."""
    months = [(d.published.year - 2015) * 12 + d.published.month for d in drafts]
    if max(Counter(months).values(), default=0) > MONTH_ID_SPAN // 10:
        return [str(100000 + k * 9 + rng.randint(1, 9) - 1) for k in range(len(drafts))]
    ids, rank = [], {}
    for month in months:
        rank[month] = rank.get(month, -1) + 1
        ids.append(str(100000 + month * MONTH_ID_SPAN + rank[month] * 10 + rng.randint(1, 9)))
    return ids


def _make_spec(
    gen: TextGen,
    rng: random.Random,
    article_id: str,
    published: datetime,
    modified: datetime,
    features: dict,
    credits: _CreditCycle,
) -> ArticleSpec:
    layout = layout_for(published)
    yymm = f"{published:%y%m}"
    product = rng.choice(PRODUCTS)
    kicker = None if features.get("no_kicker") else gen.kicker()
    title = gen.title(product)
    slug = slugify(f"{kicker} {title}" if kicker else title)
    topics = rng.sample(TOPICS, rng.randint(2, 5))
    authors = rng.sample(AUTHORS, features.get("authors", 2 if rng.random() < 0.15 else 1))
    page_count = features.get("pages", 1)
    extras = list(features.get("blocks", ()))
    if features.get("paywall"):
        # Only the free part is on the page.
        pages = [[paragraph(gen.paragraph(product)), paragraph(gen.paragraph(product))]]
    else:
        pages = [
            _page_blocks(gen, rng, product, first=n == 0, extras=extras[n::page_count])
            for n in range(page_count)
        ]
    images: list[Image] = []
    if not features.get("no_images"):
        number = int(article_id) * 3 % 800000 + 100000
        for k in range(1 + features.get("body_images", 0)):
            caption = None if k == 0 and features.get("caption_none") else gen.caption(product)
            images.append(
                {
                    "url": f"{CANONICAL_BASE}/{yymm}/{article_id}-{number + k + 1}-{number}_rc.jpg",
                    "caption": caption,
                    "credit": gen.credit(),
                    "credit_type": credits.next(),
                }
            )
    comment_count = None if features.get("no_comment_count") else rng.randint(1, 250)
    comments_url = None
    if layout == "classic":
        thread = 170000 + int(article_id) % 90000
        comments_url = f"https://forum.golem.de/kommentare/{topics[0][1]}/{slug}/{thread},list.html"
    return ArticleSpec(
        id=article_id,
        yymm=yymm,
        slug=slug,
        layout=layout,
        kicker=kicker,
        title=title,
        summary=gen.summary(product),
        authors=authors,
        genre=features.get("genre"),
        published=published,
        modified=modified,
        pages=pages,
        images=images,
        videos=[gen.video(product) for _ in range(features.get("videos", 0))],
        topics=topics,
        paywall=features.get("paywall", False),
        opinion=features.get("opinion", False),
        sponsored=features.get("sponsored", False),
        comment_count=comment_count,
        comments_url=comments_url,
    )


def _page_blocks(
    gen: TextGen, rng: random.Random, product: str, *, first: bool, extras: list[str]
) -> list[Block]:
    """Paragraphs around a sub-heading; later pages open with a heading; extras before the end."""
    blocks = [] if first else [heading(gen.heading(product))]
    blocks += [paragraph(gen.paragraph(product)) for _ in range(rng.randint(2, 3))]
    blocks.append(heading(gen.heading(product)))
    for kind in extras:
        if kind == "list":
            blocks.append(list_block(gen.list_items()))
        elif kind == "table":
            blocks.append(table_block(gen.table()))
        else:
            blocks.append({"type": kind, "text": gen.quote() if kind == "quote" else gen.code()})
    blocks += [paragraph(gen.paragraph(product)) for _ in range(rng.randint(1, 2))]
    return blocks


def _link_related(
    specs: list[ArticleSpec], rng: random.Random, hidden: set[str], promoted: str
) -> None:
    """Give articles up to three related articles among the RELATED_WINDOW published before
    them, preferring shared topics (the window keeps a large replica's build linear).

    `hidden` articles are never related (backfill only); `promoted` is related from the
    newest article, so a default run that follows related links finds it.
    """
    entries = [(s, frozenset(s.topics), s.id in hidden) for s in specs]
    for k, (spec, topics, _) in enumerate(entries):
        window = entries[max(0, k - RELATED_WINDOW) : k]
        older = [s for s, _, is_hidden in window if not is_hidden]
        shared = [
            s for s, theirs, is_hidden in window if not is_hidden and not topics.isdisjoint(theirs)
        ]
        pool = shared or older
        chosen = rng.sample(pool, min(len(pool), rng.choice([0, 1, 2, 3])))
        chosen.sort(key=lambda s: instant(s.published), reverse=True)
        spec.related = [s.id for s in chosen]
    newest = specs[-1]
    if promoted not in newest.related:
        newest.related = [promoted, *newest.related][:3]


def image_bytes(path: str) -> bytes:
    """A small JPEG file of its own for each image path: start and end markers, a JFIF
    header and a comment segment naming the path (no pixel data: nothing here decodes
    images, and the bytes differ per image, so storing by content is put to the test)."""
    comment = f"newsarchive replica image {path}".encode() * 4
    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return (
        b"\xff\xd8"
        + b"\xff\xe0"
        + (len(jfif) + 2).to_bytes(2, "big")
        + jfif
        + b"\xff\xfe"
        + (len(comment) + 2).to_bytes(2, "big")
        + comment
        + b"\xff\xd9"
    )
