"""End to end: the real `scrapy crawl golem` against the replica site over HTTP on 127.0.0.1.

The replica's expected records come from its article specs, so every comparison here is
the crawl's output against an independent truth, field by field.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.helpers import FAST, NOW, assert_same_fields, months_of_run, run_crawl
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site

CRAWL_FIELDS_ONLY = ("source_url", "crawled_at", "captured_at", "content_hash", "version")


@pytest.fixture(scope="module")
def site():
    return build_site(now=NOW)


def crawl(tmp_path, server, *args, **settings):
    return run_crawl(
        tmp_path,
        *args,
        settings={
            **FAST,
            "GOLEM_BASE_URL": server.base_url,
            "NEWSARCHIVE_NOW": NOW.isoformat(),
            **settings,
        },
    )


def assert_records_match(site, records):
    expected = site.expected_articles()
    ids = [record["id"] for record in records]
    assert len(ids) == len(set(ids)), "an article was archived twice"
    for record in records:
        assert_same_fields(record, expected[record["id"]])
        assert record["version"] == 1
        assert urlsplit(record["source_url"]).hostname == "127.0.0.1"


def assert_stayed_on_server(result, server):
    """Every request the crawl made arrived at the replica: none went anywhere else."""
    assert result.stats["downloader/request_count"] == len(server.requests)
    paths = [path for _, path, _ in server.requests]
    assert not [p for p in paths if p.startswith(("/forum-mirror", "/suche"))]
    return paths


def test_default_run_archives_every_reachable_article_once(tmp_path, site):
    with ReplicaServer(site) as server:
        result = crawl(tmp_path, server, NEWSARCHIVE_FOLLOW_HOPS=20)
        paths = assert_stayed_on_server(result, server)
    assert result.returncode == 0, result.log[-3000:]
    reachable = site.reachable_ids("default", follow_related=True)
    reachable |= site.reachable_ids("backfill", months=months_of_run(NOW))
    reachable |= {
        linked for i in set(reachable) for linked in site.linked_ids(site.articles[i].path())
    }
    assert {record["id"] for record in result.articles} == reachable
    assert_records_match(site, result.articles)
    multipage = [r for r in result.articles if r["page_count"] > 1]
    assert multipage, "the replica's multi-page articles are reachable"
    article_paths = [p for p in paths if p.startswith("/news/") and p.endswith(".html")]
    assert len(article_paths) == len(set(article_paths)), "an article page was fetched twice"
    # Teasers of the index pages read: home page and ticker, with blocks and positions.
    expected = [t for t in site.expected_teasers() if t["page_url"] in ("/", "/ticker/")]
    got = [{**t, "page_url": urlsplit(t["page_url"]).path} for t in result.teasers]
    assert len(got) == len(expected)
    for teaser, truth in zip(
        sorted(got, key=lambda t: (t["page_url"], t["position"])),
        sorted(expected, key=lambda t: (t["page_url"], t["position"])),
        strict=True,
    ):
        assert_same_fields(teaser, truth)


def test_backfill_run_walks_sitemaps_and_archive_pages(tmp_path, site):
    with ReplicaServer(site) as server:
        result = crawl(tmp_path, server, "-a", "since=2024-01-01")
        paths = assert_stayed_on_server(result, server)
    assert result.returncode == 0, result.log[-3000:]
    assert {r["id"] for r in result.articles} == set(site.articles)
    assert_records_match(site, result.articles)
    # The month without a sitemap was read from its archive page.
    missing = site.missing_sitemap_month
    assert f"/news/gsitemap-{missing}.xml" in paths and f"/aa-{missing}.html" in paths
    assert result.stats["newsarchive/sitemaps/missing"] >= 1
    # DST-edge articles live only in old months: their dates carry the right offsets.
    dst = {
        r["id"]: r["published"]
        for r in result.articles
        if r["published"][:10] in ("2024-03-31", "2024-10-27")
    }
    assert (
        sorted(dst.values()) == sorted(site.expected_articles()[i]["published"] for i in dst)
        and len(dst) == 4
    )


def test_topic_run_archives_a_topic_and_its_pagination(tmp_path, site):
    slug = max(
        (s for _, s in site.topics()),
        key=lambda s: len(site.topic_pages(s)[0]) + 10 * len(site.topic_pages(s)),
    )
    with ReplicaServer(site) as server:
        result = crawl(tmp_path, server, "-a", f"topic={slug}")
        paths = assert_stayed_on_server(result, server)
    assert result.returncode == 0, result.log[-3000:]
    assert {r["id"] for r in result.articles} == site.reachable_ids("topic", topic=slug)
    assert_records_match(site, result.articles)
    assert f"/specials/{slug}/2/" in paths
    assert {urlsplit(t["page_url"]).path for t in result.teasers} >= {f"/specials/{slug}/"}


def test_multipage_articles_merge_by_following_next_links(tmp_path, site):
    ids = [site.edge_cases["multipage_classic"], site.edge_cases["multipage_current"]]
    urls = ",".join(f"https://www.golem.de{site.articles[i].path()}" for i in ids)
    with ReplicaServer(site, honour_multipage_cookie=False) as server:
        result = crawl(tmp_path, server, "-a", f"urls={urls}")
        paths = assert_stayed_on_server(result, server)
    assert sorted(r["id"] for r in result.articles) == sorted(ids)
    assert_records_match(site, result.articles)
    assert all(r["page_count"] == 3 for r in result.articles)
    assert sum(p.endswith(("-2.html", "-3.html")) for p in paths) == 4


def test_a_failed_later_page_fails_its_article_visibly(tmp_path, site):
    spec = site.articles[site.edge_cases["multipage_current"]]
    with ReplicaServer(site, honour_multipage_cookie=False, faults={spec.path(2): "404"}) as server:
        result = crawl(tmp_path, server, "-a", f"urls=https://www.golem.de{spec.path()}")
    assert result.articles == []
    assert result.stats["newsarchive/multipage_failed"] == 1
    assert "not archived: page 2" in result.log


def test_faults_are_survived_and_counted(tmp_path, site):
    home_ids = sorted(set(site.linked_ids("/")))
    flaky, gone, moved, slow = (site.articles[i].path() for i in home_ids[:4])
    faults = {
        flaky: "500-then-200",
        gone: "404",
        moved: ("301", site.articles[home_ids[5]].path()),
        slow: ("slow", 6),
    }
    with ReplicaServer(site, faults=faults) as server:
        result = crawl(tmp_path, server, DOWNLOAD_TIMEOUT=2.5, RETRY_TIMES=1)
    stats = result.stats
    archived = {r["id"] for r in result.articles}
    assert home_ids[0] in archived  # retried after the 500
    assert home_ids[1] not in archived and stats["newsarchive/not_article/http_404"] == 1
    assert home_ids[5] in archived  # reached through the redirect as well
    assert stats["retry/count"] >= 2
    # The slow page timed out on every try: not archived, counted as an error by kind (a
    # loaded machine may time out another page too; the run goes on regardless).
    assert home_ids[3] not in archived
    assert stats["newsarchive/errors/DownloadTimeoutError"] >= 1
    assert stats["finish_reason"] == "finished"
    assert_records_match(site, result.articles)


def test_consent_cookie_passes_the_wall(tmp_path, site):
    with ReplicaServer(site, consent_wall=True) as server:
        result = crawl(tmp_path, server, "-a", "since=2025-10-01")
        cookies = [
            headers.get("Cookie", "")
            for _, path, headers in server.requests
            if path.startswith("/news/")
        ]
    assert result.returncode == 0, result.log[-3000:]
    assert result.articles and "newsarchive/consent_wall" not in result.stats
    assert all("golem_consent20=" in cookie for cookie in cookies)


def test_a_wall_the_cookie_cannot_pass_is_reported_not_archived(tmp_path, site):
    with ReplicaServer(site, consent_wall=True) as server:
        result = crawl(tmp_path, server, GOLEM_CONSENT_COOKIE="wrong_cookie")
    assert result.articles == [] and result.teasers == []
    assert result.stats["newsarchive/consent_wall"] >= 1
    assert result.returncode == 1
    assert "UNHEALTHY: consent wall hit" in result.log
