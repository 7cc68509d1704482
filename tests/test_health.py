"""The run summary and the health verdict tell what happened, in the words of what happened.

Failures count once per request however often it was retried, their share is of all requests,
an unreachable site is named as such (not as a layout change), and a missing index page shows
under errors.
"""

from __future__ import annotations

import socket
import subprocess

import pytest

from newsarchive.monitors import request_outcome
from tests.helpers import FAST, NOW, PROJECT, collect, crawl_command, run_crawl
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def offline_namespace_works() -> bool:
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


@pytest.mark.skipif(
    not offline_namespace_works(), reason="needs `unshare -n` (root) for a machine with no network"
)
def test_no_network_is_named_as_a_dns_failure_not_a_layout_change(tmp_path):
    # A network namespace of its own has no route anywhere: exactly a machine without
    # network, and no packet can leave it. The site is the real default, www.golem.de.
    settings = {**FAST, "RETRY_TIMES": 2}
    command = ["unshare", "-n", *crawl_command(tmp_path, settings=settings)]
    process = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=120)
    result = collect(tmp_path, process.returncode, process.stdout + process.stderr)
    assert result.returncode == 1
    # robots.txt of www and rss, home page, ticker, feed, sitemap index and (as it failed)
    # the two recent months' sitemaps: 8 requests, 3 tries each.
    assert "pages fetched: 0 (requests 8, attempts with retries 24)" in result.log
    assert "errors: 8 of 8 requests failed (100%): DNS lookup failed 8" in result.log
    assert "UNHEALTHY: cannot reach www.golem.de: DNS lookup failed" in result.log
    assert "UNHEALTHY: 8 of 8 requests failed (100%, limit 10%)" in result.log
    assert "no article links found" not in result.log


def test_refused_connections_are_named_and_each_request_counts_once(tmp_path):
    port = free_port()
    result = run_crawl(
        tmp_path, settings={**FAST, "GOLEM_BASE_URL": f"http://127.0.0.1:{port}", "RETRY_TIMES": 2}
    )
    assert result.returncode == 1
    # robots.txt, home page, ticker, feed, sitemap index, two sitemaps: each tried three times.
    assert "pages fetched: 0 (requests 7, attempts with retries 21)" in result.log
    assert "errors: 7 of 7 requests failed (100%): connection refused 7" in result.log
    assert f"UNHEALTHY: cannot reach 127.0.0.1:{port}: connection refused" in result.log
    assert "no article links found" not in result.log


def test_a_missing_topic_page_is_an_error_not_a_quiet_empty_run(tmp_path):
    site = build_site(now=NOW)
    with ReplicaServer(site) as server:
        result = run_crawl(
            tmp_path,
            "-a",
            "topic=no-such-topic",
            settings={
                **FAST,
                "GOLEM_BASE_URL": server.base_url,
                "NEWSARCHIVE_NOW": NOW.isoformat(),
            },
        )
    assert result.returncode == 1
    assert result.stats["newsarchive/errors/http_404"] == 1
    # robots.txt and the topic page: one of two requests failed.
    assert "errors: 1 of 2 requests failed (50%): HTTP 404 1" in result.log
    assert "UNHEALTHY: no index page, feed or sitemap could be read" in result.log
    assert "no article links found" not in result.log


@pytest.mark.parametrize(
    ("stats", "requests", "failed", "kinds"),
    [
        # Three requests, one retried twice and then failed by DNS, one 500 twice then a 200.
        (
            {
                "downloader/request_count": 7,
                "retry/count": 4,
                "newsarchive/errors/CannotResolveHostError": 1,
            },
            3,
            1,
            "DNS lookup failed 1",
        ),
        # robots.txt failed (counted by Scrapy's middleware under a class repr) and a callback raised.
        (
            {
                "downloader/request_count": 10,
                "retry/count": 2,
                "robotstxt/exception_count/<class 'scrapy.exceptions.DownloadTimeoutError'>": 1,
                "spider_exceptions/count": 2,
                "spider_exceptions/KeyError": 2,
                "newsarchive/errors/http_404": 1,
            },
            8,
            4,
            "callback raised KeyError 2, timed out 1, HTTP 404 1",
        ),
        ({}, 0, 0, ""),
    ],
)
def test_request_outcome_counts_requests_not_attempts(stats, requests, failed, kinds):
    outcome = request_outcome(stats)
    assert (outcome.requests, outcome.failed, outcome.kinds_text()) == (requests, failed, kinds)
