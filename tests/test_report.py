"""`scrapy report`: the HTML file is parsed back and every plot checked against the records
and stats files the runs wrote."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser

import pytest

from newsarchive.archive import feed_files, read_records
from newsarchive.report import PARSED_FIELDS
from tests.helpers import FAST, NOW, PROJECT, fast, run_crawl
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site

PLOTS = (
    "articles-per-day",
    "articles-per-month",
    "authors-over-time",
    "topics-over-time",
    "front-page-dwell",
    "runs-over-time",
    "unhealthy-reasons",
    "fallback-share",
    "layouts-per-month",
)


class Plots(HTMLParser):
    """Figures by name, each with its drawn elements' (tag, class, label, value)."""

    def __init__(self) -> None:
        super().__init__()
        self.plots: dict[str, list[tuple[str, str, str, str]]] = {}
        self.current: str | None = None
        self.tags: Counter = Counter()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags[tag] += 1
        if tag == "figure":
            self.current = attrs["data-plot"]
            self.plots[self.current] = []
        elif self.current and "data-value" in attrs:
            self.plots[self.current].append(
                (tag, attrs.get("class", ""), attrs.get("data-label", ""), attrs["data-value"])
            )

    def handle_endtag(self, tag):
        if tag == "figure":
            self.current = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    output = tmp / "output"
    site = build_site(now=NOW)
    with ReplicaServer(site) as server:
        for name in ("backfill", "first", "second"):
            args = ("-a", "since=2024-01-01") if name == "backfill" else ()
            run = run_crawl(
                tmp / name,
                *args,
                settings=fast(server, output, NEWSARCHIVE_STATE_DIR=tmp / "state"),
            )
            assert run.returncode == 0, run.log[-2000:]
    # A run against a host where nothing answers: unhealthy, with its reasons in its stats.
    down = run_crawl(
        tmp / "down",
        settings={
            **FAST,
            "GOLEM_BASE_URL": f"http://127.0.0.1:{free_port()}",
            "NEWSARCHIVE_OUTPUT_DIR": output,
            "NEWSARCHIVE_STATE_DIR": tmp / "state",
            "RETRY_TIMES": 0,
        },
    )
    assert down.returncode == 1
    target = tmp / "report.html"
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "report",
            str(target),
            "-s",
            f"NEWSARCHIVE_OUTPUT_DIR={output}",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    parser = Plots()
    text = target.read_text("utf-8")
    parser.feed(text)
    articles, teasers = [], []
    for feed in feed_files(output):
        (articles if feed.kind == "article" else teasers).extend(read_records(feed.path))
    stats = [json.loads(p.read_text()) for p in sorted(output.glob("*-stats.json"))]
    return {
        "plots": parser.plots,
        "tags": parser.tags,
        "text": text,
        "articles": articles,
        "teasers": teasers,
        "stats": stats,
        "site": site,
    }


def values(plot, cls):
    return [(label, json.loads(value)) for tag, c, label, value in plot if c == cls]


def test_every_plot_is_there_with_data(report):
    assert set(report["plots"]) == set(PLOTS)
    for name in PLOTS:
        assert report["plots"][name], f"{name} has no data"
    # Self-contained: no script, no stylesheet or image fetched from anywhere.
    assert report["tags"]["script"] == 0 and report["tags"]["link"] == 0
    assert report["tags"]["img"] == 0 and "src=" not in report["text"]


def test_articles_per_day_and_month_count_every_article_and_mark_gaps(report):
    current = {r["id"]: r for r in report["articles"]}
    assert set(current) == set(report["site"].articles)
    days = Counter(r["published"][:10] for r in current.values())
    per_day = values(report["plots"]["articles-per-day"], "bar")
    assert {label: v for label, v in per_day if v} == dict(days)
    assert per_day[0][0] == min(days) and per_day[-1][0] == max(days)
    gaps = [
        label
        for _, c, label, _ in [(*p[:2], p[2], p[3]) for p in report["plots"]["articles-per-day"]]
        if c == "gap"
    ]
    assert gaps == [label for label, v in per_day if v == 0] and gaps
    months = Counter(r["published"][:7] for r in current.values())
    per_month = values(report["plots"]["articles-per-month"], "bar")
    assert {label: v for label, v in per_month if v} == dict(months)


def test_authors_and_topics_over_time_count_the_most_frequent(report):
    current = {r["id"]: r for r in report["articles"]}
    names = Counter(a["name"] for r in current.values() for a in r["authors"])
    cells = values(report["plots"]["authors-over-time"], "cell")
    top, count = names.most_common(1)[0]
    assert sum(v for label, v in cells if label.startswith(top + " ")) == count
    topics = Counter(t for r in current.values() for t in r["topics"])
    cells = values(report["plots"]["topics-over-time"], "cell")
    top, count = topics.most_common(1)[0]
    assert sum(v for label, v in cells if label.startswith(top + " ")) == count


def test_front_page_dwell_covers_every_article_seen_on_the_home_page(report):
    home = {t["id"] for t in report["teasers"] if t["page_url"] == "https://www.golem.de/"}
    bins = values(report["plots"]["front-page-dwell"], "bar")
    assert sum(v for _, v in bins) == len(home) > 0


def test_runs_over_time_and_unhealthy_reasons_come_from_the_stats_files(report):
    series = {
        label: value for _, c, label, value in report["plots"]["runs-over-time"] if c == "series"
    }
    stats = report["stats"]
    assert json.loads(series["pages"]) == [s.get("response_received_count", 0) for s in stats]
    assert json.loads(series["new"]) == [s.get("newsarchive/articles/new", 0) for s in stats]
    reasons = Counter(r for s in stats for r in s.get("newsarchive/health/failures", []))
    assert reasons, "the down run was unhealthy"
    assert dict(values(report["plots"]["unhealthy-reasons"], "bar")) == dict(reasons)


def test_fallback_share_per_month_and_layouts(report):
    share = values(report["plots"]["fallback-share"], "bar")
    by_month: dict[str, list] = {}
    for r in report["articles"]:
        by_month.setdefault(r["captured_at"][:7], []).append(r)
    expected = {
        m: sum(
            len(PARSED_FIELDS)
            if r["layout"] == "generic"
            else len(set(r["fallbacks"]) & set(PARSED_FIELDS))
            for r in rs
        )
        / (len(PARSED_FIELDS) * len(rs))
        for m, rs in by_month.items()
    }
    assert dict(share) == pytest.approx(expected)
    layouts = {
        label: value for _, c, label, value in report["plots"]["layouts-per-month"] if c == "series"
    }
    assert sum(sum(json.loads(v)) for v in layouts.values()) == len(report["articles"])
    assert set(layouts) == {r["layout"] for r in report["articles"]}


def test_a_report_of_healthy_runs_says_so():
    from newsarchive.report import Archive, render

    runs = [{"run": "20261201T000000Z", "finish_reason": "finished"}]
    parser = Plots()
    text = render(Archive({}, [], [], runs), "now")
    parser.feed(text)
    assert set(parser.plots) == set(PLOTS)
    assert "All 1 runs were healthy." in text
