"""The golem.de replica: served over real HTTP, faithful to the real markup, self-consistent."""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import re
import time
import unicodedata
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import lxml.html
import pytest

from tests.helpers import SHARED_PAGES
from tests.replica import ReplicaServer, build_site, render_article
from tests.replica.render_current import render_consent_wall
from tests.replica.site import MAX_ARTICLES, _Draft, _ids
from tests.replica.specs import BERLIN, CREDIT_TYPES, ArticleSpec

NOW = datetime(2025, 10, 28, 12, 0, tzinfo=BERLIN)
REAL_PAGES = SHARED_PAGES
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def site():
    return build_site(now=NOW)


@pytest.fixture(scope="module")
def server(site):
    faults = {
        "/flaky.html": "500-then-200",
        "/ticker/": "500-then-200",
        "/gone.html": "404",
        "/old-home.html": ("301", "/"),
        "/robots.txt": ("slow", 0.2),
    }
    with ReplicaServer(site, faults=faults) as srv:
        yield srv


def get(server: ReplicaServer, path: str, cookie: str | None = None, method: str = "GET"):
    """One request over a real socket; no redirects are followed."""
    parts = urlsplit(server.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request(method, path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), body


def normalise(text: str) -> str:
    """The record-schema.md normalisation, written here independently of the parsers."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00ad", "").replace("\u200b", "").replace("\u00a0", " ")
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r" ([,.;:!?)])", r"\1", text)
    return text.replace("( ", "(")


def visible_text(html: bytes | str) -> str:
    """Normalised text of a page body without screen-reader-only spans, scripts and styles."""
    body = lxml.html.fromstring(html).find("body")
    for element in body.cssselect(".go-vh, script, style"):
        element.drop_tree()
    return normalise(body.text_content())


def spec_of(site, name: str) -> ArticleSpec:
    return site.articles[site.edge_cases[name]]


# -- serving ----------------------------------------------------------------------------------


def test_serves_home_robots_feed_and_articles(site, server):
    status, headers, body = get(server, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'href="/forum-mirror/"' in body
    status, headers, robots = get(server, "/robots.txt")
    assert status == 200 and b"Disallow: /forum-mirror/" in robots
    assert f"Sitemap: {server.base_url}/gsiteindex.xml".encode() in robots
    for path in ("/rss.php?feed=RSS2.0", "/rss"):
        status, headers, feed = get(server, path)
        items = ET.fromstring(feed).findall("./channel/item")
        assert status == 200 and len(items) == 20
        assert items[0].findtext("link").startswith(server.url(site.newest()[0].path()))
    spec = site.newest()[0]
    status, _, page = get(server, spec.path())
    assert status == 200
    assert f'content="{spec.url()}"'.encode() in page  # twitter:url stays www.golem.de
    assert get(server, "/forum-mirror/")[0] == 200
    assert get(server, "/nowhere.html")[0] == 404
    assert get(server, spec.path(), method="HEAD")[2] == b""


def test_sitemaps_list_every_article_but_one_month_is_missing(site, server):
    _, _, index = get(server, "/gsiteindex.xml")
    locs = [e.text for e in ET.fromstring(index).findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert locs == [server.url(f"/news/gsitemap-{m}.xml") for m in site.months()]
    missing = site.missing_sitemap_month
    assert missing in site.months()
    for month in site.months():
        specs = site.month_articles(month)
        status, _, body = get(server, f"/news/gsitemap-{month}.xml")
        if month == missing:
            assert status == 404
            _, _, archive = get(server, f"/aa-{month}.html")
            assert all(server.url(s.path()).encode() in archive for s in specs)
            continue
        entries = {
            e.findtext("sm:loc", namespaces=SITEMAP_NS): e.findtext(
                "sm:lastmod", namespaces=SITEMAP_NS
            )
            for e in ET.fromstring(body).findall("sm:url", SITEMAP_NS)
        }
        assert entries == {server.url(s.path()): s.modified.isoformat() for s in specs}


def test_article_paths_are_canonical_only(site, server):
    spec = spec_of(site, "multipage_current")
    assert get(server, spec.path(2))[0] == 200
    assert get(server, spec.path(3))[0] == 200
    assert get(server, spec.path(4))[0] == 404
    assert get(server, spec.path().replace(".html", "-1.html"))[0] == 404
    assert get(server, spec.path().replace(spec.slug, "falscher-slug"))[0] == 404
    plain = get(server, spec.path())[2]
    assert get(server, spec.path() + "?utm_source=rss&utm_medium=feed")[2] == plain


def test_faults(server):
    assert get(server, "/ticker/")[0] == 500
    assert get(server, "/ticker/")[0] == 200
    assert get(server, "/gone.html")[0] == 404
    status, headers, _ = get(server, "/old-home.html")
    assert status == 301 and headers["Location"] == server.url("/")
    started = time.monotonic()
    assert get(server, "/robots.txt")[0] == 200
    assert time.monotonic() - started >= 0.2


def test_requests_are_recorded(server):
    get(server, "/rss.php?feed=RSS2.0", cookie="golem_consent20=cmp|251028")
    method, path, headers = server.requests[-1]
    assert (method, path) == ("GET", "/rss.php?feed=RSS2.0")
    assert headers["Cookie"] == "golem_consent20=cmp|251028"


def test_consent_wall_until_the_consent_cookie(site):
    spec = site.newest()[0]
    with ReplicaServer(site, consent_wall=True) as server:
        for path in ("/", spec.path()):
            status, _, body = get(server, path)
            assert status == 200 and b"<h1>Willkommen auf Golem.de</h1>" in body
            assert b"go-article" not in body
        assert get(server, "/robots.txt")[2].startswith(b"User-agent")
        _, _, body = get(server, spec.path(), cookie="golem_consent20=cmp|251028")
        assert b"go-article" in body and b"Willkommen" not in body


def test_multipage_cookie_returns_all_pages(site, server):
    for name in ("multipage_classic", "multipage_current"):
        spec = spec_of(site, name)
        last_block = spec.pages[-1][-1]["text"]
        _, _, page1 = get(server, spec.path())
        _, _, single = get(server, spec.path(), cookie="golem_multipage=single; golem_consent20=x")
        assert last_block not in visible_text(page1)
        assert all(
            b["text"] in visible_text(single) for b in spec.blocks if b["type"] == "paragraph"
        )
        # No way on to a next page; the page list stays, so the page count is visible.
        assert b"atoc_next" not in single and b"go-pagination__item--next" not in single
    spec = spec_of(site, "multipage_classic")
    with ReplicaServer(site, honour_multipage_cookie=False) as plain:
        _, _, ignored = get(plain, spec.path(), cookie="golem_multipage=single")
        assert ignored == get(plain, spec.path())[2]


# -- the pages follow the real markup ------------------------------------------------------


CLASSIC_SELECTORS = [
    "header.cluster-header hgroup h1 span.dh2.head1 + span.implied + span.dh1.head5",
    "header.cluster-header hgroup > p",
    "div.authors span.authors__type",
    "div.authors time.authors__pubdate[datetime]",
    "div.authors span.authors__name a[rel=author]",
    "figure.hero img",
    "figure.hero figcaption span.big-image-sub + span.big-image-lic",
    "div.formatted > section > p",
    "div.formatted > section > h2",
    "div.formatted aside #iqadtile8",
    "div.formatted aside.supplementary#job-market",
    "div.formatted aside.supplementary#seminars",
    "div.formatted figure figcaption",
    "a.comments-link",
    "#comments .dh1 a",
    "#breadcrumbs ul.tags__list a",
    "div.teaser-widget hgroup .dh3.head1 + .dh2.head2",
    "ol.list-articles > li header.cluster-header a hgroup .dh3.head1 + .dh2.head2",
    'meta[property="article:content_tier"]',
    'meta[property="article:opinion"]',
    'meta[name="news_keywords"]',
    'meta[name="twitter:url"]',
    'script[type="application/ld+json"]',
]
CURRENT_SELECTORS = [
    "article.go-article header.go-article-header h1 span.go-article-header__kicker span.go-vh",
    "h1 span.go-article-header__title",
    "div.go-article-header__intro a",
    "div.go-article-header__meta time[datetime]",
    "div.go-article-header__meta .go-article-header__byline",
    ".go-article-header__authors a.go-article-header__author",
    "figure.go-media img.go-media__img",
    "figure.go-media figcaption span.go-media__caption + span.go-media__credit",
    "figure.go-video figcaption .go-video__caption a",
    "article.go-article > div.go-richtext > p",
    "article.go-article > p",
    "article.go-article h2.go-heading",
    "article.go-article .go-ad-slot",
    "article.go-article .go-teaser-block--career a.go-jobs-teaser",
    "article.go-article .go-teaser-block--career article.go-teaser a.go-teaser__link",
    "article.go-article ul.go-alink-list",
    ".go-tag-list__tags a.go-tag",
    ".go-teaser-block__heading h3",
    "article.go-teaser.go-teaser--nextread a.go-teaser__link span.go-teaser__kicker span.go-vh",
    "article.go-teaser--nextread span.go-teaser__title",
    "article.go-teaser--nextread .go-teaser__text",
    "article.go-teaser--nextread .go-comment-button__count",
    "article.go-teaser--nextread .go-teaser__actions-text",
    ".go-breadcrumb__item",
    'meta[property="article:content_tier"]',
    'script[type="application/ld+json"]',
]
SHOWN_DATE = {
    "classic": r"\d{1,2}\. [A-Za-zä]+ \d{4}, \d{2}:\d{2} Uhr",
    "current": r"\d{1,2}\. [A-Za-zä]+ \d{4} um \d{2}:\d{2} Uhr",
}
JSONLD_DATE = {
    "classic": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
    "current": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z",
}


def _conforms(html: bytes | str, layout: str) -> None:
    doc = lxml.html.fromstring(html)
    missing = [
        sel
        for sel in (CLASSIC_SELECTORS if layout == "classic" else CURRENT_SELECTORS)
        if not doc.cssselect(sel)
    ]
    assert not missing
    time_el = doc.cssselect("time[datetime]")[0]
    assert re.fullmatch(SHOWN_DATE[layout], time_el.text_content().strip())
    ld = json.loads(doc.cssselect('script[type="application/ld+json"]')[0].text)
    assert re.fullmatch(JSONLD_DATE[layout], ld["datePublished"])
    assert ld["headline"].endswith(" - Golem.de")


@pytest.mark.parametrize(
    ("layout", "real"),
    [("classic", "2024-04-28-classic-184627.html"), ("current", "2025-09-09-current-199920.html")],
)
def test_markup_matches_the_real_pages(site, layout, real):
    """Every selector the replica relies on matches both the saved real page and the replica."""
    path = REAL_PAGES / real
    if not path.exists():
        pytest.skip(f"real golem.de pages not available at {REAL_PAGES}")
    _conforms(path.read_bytes(), layout)
    # The conditional parts (intro links, comment counts, related teasers, videos) depend on
    # the article, so at least one article of the layout must show all of them.
    candidates = [
        s
        for s in site.articles.values()
        if s.layout == layout
        and s.related
        and s.comment_count
        and s.images
        and s.kicker
        and (s.videos or layout == "classic")
    ]
    rendered = [
        render_article(s, related=site.related_of(s), most_read=site.most_read_for(s))
        for s in candidates
    ]
    assert any(_matches_all(page, layout) for page in rendered)


def _matches_all(html: str, layout: str) -> bool:
    try:
        _conforms(html, layout)
    except AssertionError:
        return False
    return True


# -- the expectations are the truth and agree with the pages --------------------------------


def test_expected_records_are_self_consistent(site):
    expected = site.expected_articles()
    assert set(expected) == set(site.articles)
    for article_id, record in expected.items():
        spec = site.articles[article_id]
        assert (
            record["url"] == f"https://www.golem.de/news/{spec.slug}-{spec.yymm}-{article_id}.html"
        )
        assert record["short_url"] == f"https://glm.io/{article_id}"
        assert record["headline"] == (
            f"{record['kicker']}: {record['title']}" if record["kicker"] else record["title"]
        )
        assert record["text"] == "\n\n".join(block["text"] for block in record["body"])
        assert record["word_count"] == len(record["text"].split())
        assert record["page_count"] == len(spec.pages)
        for block in record["body"]:
            if block["type"] == "list":
                assert block["text"] == "\n".join(block["items"])
        for stamp in (record["published"], record["modified"]):
            parsed = datetime.fromisoformat(stamp)
            assert parsed.second and parsed.utcoffset() == parsed.astimezone(BERLIN).utcoffset()
        assert all(
            re.fullmatch(r"PT(\d+H)?(\d+M)?(\d+S)?", v["duration"]) for v in record["videos"]
        )
        for related in record["related"]:
            target = site.articles[related["id"]]
            assert related == {
                "url": target.url(),
                "id": target.id,
                "kicker": target.kicker,
                "title": target.title,
            }
            assert target.published.timestamp() < spec.published.timestamp()
        assert record["layout"] == spec.layout and record["language"] == "de"
        assert not {"source_url", "crawled_at", "captured_at", "content_hash", "version"} & set(
            record
        )


def test_edge_cases_exist(site):
    cases = site.edge_cases
    stamps = {
        name: site.articles[cases[name]].expected_record(articles=site.articles)["published"]
        for name in ("dst_spring_cet", "dst_spring_cest", "dst_fall_cest", "dst_fall_cet")
    }
    assert stamps == {
        "dst_spring_cet": "2024-03-31T01:30:17+01:00",
        "dst_spring_cest": "2024-03-31T03:30:41+02:00",
        "dst_fall_cest": "2024-10-27T02:30:23+02:00",
        "dst_fall_cet": "2024-10-27T02:30:52+01:00",
    }
    assert spec_of(site, "dst_fall_current").published.isoformat() == "2025-10-26T02:30:17+01:00"
    assert spec_of(site, "multipage_classic").layout == "classic"
    assert spec_of(site, "multipage_current").layout == "current"
    assert {spec_of(site, n).page_count for n in ("multipage_classic", "multipage_current")} == {3}
    assert spec_of(site, "paywall").paywall and spec_of(site, "sponsored").sponsored
    assert spec_of(site, "opinion").opinion and spec_of(site, "no_kicker").kicker is None
    specs = list(site.articles.values())
    assert {s.layout for s in specs} == {"classic", "current"}
    assert sum(len(s.authors) == 2 for s in specs) >= 3
    assert {s.genre for s in specs} >= {"Analyse", "Test", "Interview", "Kommentar", "Bericht"}
    assert {i["credit_type"] for s in specs for i in s.images} == set(CREDIT_TYPES)
    assert any(i["caption"] is None for s in specs for i in s.images)
    assert {b["type"] for s in specs for b in s.blocks} == {
        "paragraph",
        "heading",
        "list",
        "quote",
        "code",
        "table",
    }
    assert sum(len(s.videos) for s in specs) >= 3


def test_reachability(site):
    default = site.reachable_ids()
    assert {s.id for s in site.newest()[:30]} <= default
    hidden = {
        site.edge_cases[n]
        for n in ("dst_spring_cet", "dst_spring_cest", "dst_fall_cest", "dst_fall_cet")
    }
    assert not hidden & site.reachable_ids(follow_related=True)
    assert site.edge_cases["multipage_classic"] in site.reachable_ids(follow_related=True) - default
    assert site.reachable_ids("backfill") == set(site.articles)
    slug = site.topics()[0][1]
    assert site.reachable_ids("topic", topic=slug) == {
        s.id for s in site.articles.values() if slug in dict(map(reversed, s.topics))
    }


def test_rendered_pages_decode_to_the_spec(site):
    """The noise on every page normalises back to the spec's texts, in both layouts."""
    pages = site.pages()
    noise = b"".join(body for path, (_, _, body) in pages.items() if path.startswith("/news/"))
    for marker in (
        b"&shy;",
        b"\xc2\xad",
        b"&nbsp;",
        b"&#160;",
        b"&#8203;",
        b"&quot;",
        b"&auml;",
        b"&#x",
    ):
        assert marker in noise
    assert "\u0308".encode() in noise  # a decomposed umlaut (NFD)
    for spec in site.articles.values():
        text = " ".join(visible_text(pages[spec.path(n)][2]) for n in range(1, spec.page_count + 1))
        pieces = [
            spec.title,
            spec.kicker,
            spec.summary,
            *(a for a, _ in spec.authors),
            *(t for t, _ in spec.topics),
        ]
        for block in spec.blocks:
            if block["type"] == "list":
                pieces += block["items"]
            elif block["type"] == "table":
                pieces += [cell for row in block["text"].split("\n") for cell in row.split(" | ")]
            else:
                pieces.append(block["text"])
        pieces += [i["caption"] for i in spec.images] + [i["credit"] for i in spec.images]
        pieces += [v["title"] for v in spec.videos]
        assert [p for p in pieces if p and normalise(p) not in text] == [], spec.id


def test_page_markers_follow_the_spec(site):
    pages = site.pages()
    paywall = spec_of(site, "paywall")
    body = pages[paywall.path()][2]
    assert b'content="locked"' in body and b'class="go-paywall"' in body
    assert b'"isAccessibleForFree":false' in body
    sponsored = lxml.html.fromstring(pages[spec_of(site, "sponsored").path()][2])
    assert sponsored.cssselect("span.go-article-header__kicker span.go-label--sponsored")
    opinion = pages[spec_of(site, "opinion").path()][2]
    assert b'<meta property="article:opinion" content="true">' in opinion
    classic = spec_of(site, "dst_fall_cet")
    doc = lxml.html.fromstring(pages[classic.path()][2])
    assert doc.cssselect("time")[0].get("datetime") == "2024-10-27T02:30:52+01:00"
    assert (
        json.loads(doc.cssselect('script[type="application/ld+json"]')[0].text)["datePublished"]
        == "2024-10-27T02:30:52Z"
    )
    current = lxml.html.fromstring(pages[spec_of(site, "dst_fall_current").path()][2])
    assert current.cssselect("time")[0].get("datetime") == "2025-10-26T01:30:17.000Z"
    for name in ("multipage_classic", "multipage_current"):
        spec = spec_of(site, name)
        doc = lxml.html.fromstring(pages[spec.path(2)][2])
        nxt = doc.cssselect("a#atoc_next, li.go-pagination__item--next a")[0].get("href")
        assert nxt.endswith(spec.path(3))
    no_count = spec_of(site, "table")
    assert not lxml.html.fromstring(pages[no_count.path()][2]).cssselect(
        ".go-article-header__button-bar .go-comment-button__count"
    )


def test_expected_teasers_match_the_index_pages(site):
    pages = site.pages()
    teasers = site.expected_teasers()
    by_page: dict[str, list[dict]] = {}
    for teaser in teasers:
        by_page.setdefault(teaser["page_url"], []).append(teaser)
    assert {"/", "/ticker/"} <= set(by_page)
    assert [t["block"] for t in by_page["/"]] == ["Aktuell auf der Startseite"] * 15 + [
        "Meistgelesen"
    ] * 5
    for path, expected in by_page.items():
        doc = lxml.html.fromstring(pages[path][2])
        links = [
            a.get("href")
            for a in doc.cssselect("a.go-teaser__link, ol.list-articles header.cluster-header a")
        ]
        assert [urlsplit(link).path for link in links] == [
            urlsplit(t["url"]).path for t in expected
        ]
        assert [t["position"] for t in expected] == list(range(1, len(expected) + 1))
    paged = next(slug for _, slug in site.topics() if len(site.topic_pages(slug)) > 1)
    doc = lxml.html.fromstring(pages[f"/specials/{paged}/"][2])
    assert doc.cssselect("li.go-pagination__item--next a")[0].get("href") == f"/specials/{paged}/2/"
    home = by_page["/"][0]
    spec = site.articles[home["id"]]
    assert home["image"] == {k: spec.images[0][k] for k in ("url", "caption", "credit")}
    assert by_page["/ticker/"][0]["image"] is None


def test_render_options(site):
    spec = site.newest()[0]
    assert "application/ld+json" not in render_article(spec, jsonld=False)
    assert (
        'datetime="'
        not in render_article(spec, time_datetime=False).split("<time", 1)[1].split(">")[0]
    )
    assert len(render_article(spec, truncate_at=5000).encode()) <= 5000
    assert "<h1>Willkommen auf Golem.de</h1>" in render_consent_wall()
    with pytest.raises(ValueError):
        render_article(spec, spec.page_count + 1)


def test_build_is_deterministic():
    def digest(site):
        return hashlib.sha256(
            b"".join(p.encode() + b[2] for p, b in sorted(site.pages().items()))
        ).hexdigest()

    assert digest(build_site(now=NOW)) == digest(build_site(now=NOW))
    assert digest(build_site(now=NOW, seed=2)) != digest(build_site(now=NOW))


def test_publish_and_revise_show_on_the_served_site():
    site = build_site(now=NOW)
    with ReplicaServer(site) as server:
        fresh = site.new_spec(NOW + timedelta(minutes=30, seconds=5))
        site.publish(fresh)
        month = fresh.yymm
        assert fresh.path().encode() in get(server, "/")[2]
        assert fresh.path().encode() in get(server, "/rss")[2]
        assert fresh.path().encode() in get(server, f"/news/gsitemap-{month}.xml")[2]
        old = site.articles[site.newest()[3].id]
        revised = site.revise(
            old.id, "Nachtrag: Der Hersteller hat inzwischen ein Update verteilt."
        )
        assert revised.modified > old.modified
        assert "Nachtrag: Der Hersteller" in visible_text(get(server, old.path())[2])
        assert (
            revised.modified.isoformat().encode()
            in get(server, f"/news/gsitemap-{old.yymm}.xml")[2]
        )
        assert site.expected_articles()[old.id]["text"].endswith("ein Update verteilt.")


@pytest.mark.parametrize("n_articles", [40, 1000])
def test_every_article_has_its_own_six_digit_id_growing_with_time(n_articles):
    """More than 130 articles a month do not fit golem.de's monthly id span; such a replica
    numbers its articles through instead of giving two articles one id (and losing one)."""
    site = build_site(now=NOW, n_articles=n_articles)
    assert len(site.articles) == n_articles
    by_time = sorted(site.articles.values(), key=lambda s: s.published.timestamp())
    ids = [int(spec.id) for spec in by_time]
    assert ids == sorted(set(ids))
    assert 100000 <= ids[0] and ids[-1] <= 999999


def test_ids_of_the_largest_replica_stay_six_digits():
    drafts = [_Draft(NOW - timedelta(seconds=7 * k + 1)) for k in range(MAX_ARTICLES)][::-1]
    ids = [int(i) for i in _ids(drafts, random.Random(1))]
    assert ids == sorted(set(ids))
    assert 100000 <= ids[0] and ids[-1] <= 999999
    with pytest.raises(ValueError, match="from 30 to"):
        build_site(now=NOW, n_articles=MAX_ARTICLES + 1)


def test_every_path_is_served_as_listed(site):
    """`page()` renders on request what `paths()` lists; unknown paths are no page."""
    with ReplicaServer(site) as server:
        pages = site.pages(server.base_url)
        assert list(pages) == site.paths()
        for path, (status, content_type, body) in pages.items():
            served = get(server, path)
            assert (served[0], served[1]["Content-Type"], served[2]) == (
                status,
                content_type,
                body,
            )
    assert site.page("/news/no-such-article-2510-999999.html") is None
    assert site.page(f"/news/gsitemap-{site.missing_sitemap_month}.xml") is None


def test_an_alias_url_stands_in_the_sitemap_and_serves_the_article():
    site = build_site(now=NOW)
    spec = site.newest()[2]
    alias = site.add_alias(spec.id)
    assert alias not in site.articles
    with ReplicaServer(site) as server:
        _, _, sitemap = get(server, f"/news/gsitemap-{spec.yymm}.xml")
        locs = [e.text for e in ET.fromstring(sitemap).findall("sm:url/sm:loc", SITEMAP_NS)]
        status, _, page = get(server, site.alias_path(alias))
        canonical = get(server, spec.path())[2]
        alias_url, own_url = server.url(site.alias_path(alias)), server.url(spec.path())
    assert alias_url in locs and own_url not in locs
    assert site.alias_path(alias).endswith(f"-{spec.yymm}-{alias}.html")
    assert status == 200 and page == canonical  # the page names its own canonical URL


def test_a_correction_moves_the_lastmod_of_its_month_in_the_index():
    site = build_site(now=NOW)
    old = site.articles[site.edge_cases["classic_interview"]]
    with ReplicaServer(site) as server:
        before = ET.fromstring(get(server, "/gsiteindex.xml")[2])
        site.revise(old.id, "Korrektur: Das Gerät kostet 20 Euro mehr.", at=NOW.replace(second=7))
        after = ET.fromstring(get(server, "/gsiteindex.xml")[2])

    def lastmods(index):
        return {
            e.findtext("sm:loc", namespaces=SITEMAP_NS).rsplit("-", 1)[1][:4]: e.findtext(
                "sm:lastmod", namespaces=SITEMAP_NS
            )
            for e in index.findall("sm:sitemap", SITEMAP_NS)
        }

    changed = {m for m, value in lastmods(after).items() if lastmods(before)[m] != value}
    assert changed == {old.yymm}
    assert lastmods(after)[old.yymm] == NOW.replace(second=7).isoformat()


@pytest.mark.parametrize("status", ["404", "410", "500"])
def test_faults_answer_with_their_status_every_time(status):
    site = build_site(now=NOW)
    path = site.newest()[0].path()
    with ReplicaServer(site, faults={path: status}) as server:
        assert [get(server, path)[0] for _ in range(2)] == [int(status)] * 2


def test_a_new_article_can_be_published_on_a_full_minute():
    """Tests publish at "now minus five minutes"; once a minute that is a full minute."""
    site = build_site(now=NOW)
    fresh = site.new_spec(NOW.replace(second=0) + timedelta(minutes=3))
    assert fresh.published.second != 0
    site.publish(fresh)


def test_kept_pages_are_the_rendered_ones_until_the_site_changes():
    site, kept = build_site(now=NOW), build_site(now=NOW)
    kept.keep_pages = True
    assert kept.pages() == kept.pages() == site.pages()
    spec = kept.newest()[2]
    kept.revise(spec.id, "Nachtrag: Der Hersteller hat ein Update verteilt.")
    assert "Nachtrag: Der Hersteller" in visible_text(kept.page(spec.path())[2])
