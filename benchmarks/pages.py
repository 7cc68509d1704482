"""`python -m benchmarks [pages]`: `newsarchive.extract` against a bare lxml parse.

Times, in one process, `newsarchive.extract(body, url)` and `lxml.html.fromstring(body)` of
the same bytes on each page, alternately (so both see the same machine load), and prints
the median of each per page, per page set and overall, with their ratio. The page sets:
the real golem.de pages of the shared folder (when present), the project's article
fixtures, and a few pages the replica renders. Target: extraction at most 2.0x the parse.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html

PROJECT = Path(__file__).resolve().parents[1]
REAL_PAGES = PROJECT.parent / "shared" / "golem-pages"
FIXTURES = PROJECT / "tests" / "fixtures"
# Relative dates on a page resolve against the fetch instant: a fixed one keeps runs alike.
FETCHED_AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
REPLICA_NOW = "2025-10-28T12:00:00+01:00"
TARGET = 2.0


@dataclass
class Page:
    group: str
    name: str
    url: str
    body: bytes


@dataclass
class Timing:
    page: Page
    parse_ms: float
    extract_ms: float

    @property
    def ratio(self) -> float:
        return self.extract_ms / self.parse_ms


def html_pages(folder: Path, group: str) -> list[Page]:
    return [
        Page(group, path.name, path.resolve().as_uri(), path.read_bytes())
        for path in sorted(folder.glob("*.html"))
    ]


def article_pages(pages: list[Page]) -> list[Page]:
    """The pages extract gives a record for: no consent wall, topic page or undated stub."""
    import newsarchive

    kept = []
    for page in pages:
        try:
            if newsarchive.extract(page.body, page.url) is not None:
                kept.append(page)
        except newsarchive.ExtractionError:
            pass
    return kept


def replica_pages(per_layout: int = 3) -> list[Page]:
    """A few article pages of each layout as the replica renders them (page 1 each)."""
    from tests.replica import build_site
    from tests.replica.specs import CANONICAL_BASE

    site = build_site(now=datetime.fromisoformat(REPLICA_NOW), n_articles=40)
    rendered = site.pages(CANONICAL_BASE)
    chosen: list[Page] = []
    for layout in ("classic", "current"):
        specs = [s for s in sorted(site.articles.values(), key=lambda s: s.id)]
        for spec in [s for s in specs if s.layout == layout][:per_layout]:
            path = spec.path()
            chosen.append(
                Page("replica", path.rsplit("/", 1)[-1], CANONICAL_BASE + path, rendered[path][2])
            )
    return chosen


def alternating_medians(steps: list[Callable[[], Any]], runs: int, warmup: int) -> list[float]:
    """Median ms of each step over `runs` rounds that call every step in turn (so all see
    the same machine load), after `warmup` untimed rounds."""
    for _ in range(warmup):
        for step in steps:
            step()
    gc.collect()
    samples: list[list[int]] = [[] for _ in steps]
    clock = time.perf_counter_ns
    for _ in range(runs):
        for step, sample in zip(steps, samples, strict=True):
            start = clock()
            step()
            sample.append(clock() - start)
    return [statistics.median(sample) / 1e6 for sample in samples]


def time_page(page: Page, runs: int, warmup: int) -> Timing:
    """Medians of `runs` alternating parse and extract runs, after `warmup` of each."""
    import newsarchive

    body, url = page.body, page.url
    parse_ms, extract_ms = alternating_medians(
        [
            lambda: lxml.html.fromstring(body),
            lambda: newsarchive.extract(body, url, fetched_at=FETCHED_AT),
        ],
        runs,
        warmup,
    )
    return Timing(page, parse_ms, extract_ms)


# Where an extraction's time goes: each stage timed from the page's bytes, on a fresh tree
# (as extract has it), so a stage's share is the difference between two neighbours.
STAGES = ("tree", "+ layout parser", "+ items, pipelines, validation")


def time_stages(page: Page, runs: int, warmup: int) -> list[float]:
    """Median ms of the bare parse, then of each cumulative stage of `extract`, alternating."""
    import newsarchive
    from newsarchive.parsers import page_tree, parse_page

    body, url = page.body, page.url

    def extract() -> Any:
        return newsarchive.extract(body, url, fetched_at=FETCHED_AT)

    steps: list[Callable[[], Any]] = [
        lambda: lxml.html.fromstring(body),
        lambda: page_tree(body),
        lambda: parse_page(page_tree(body), url),
        extract,
    ]
    return alternating_medians(steps, runs, warmup)


def print_stages(pages: list[Page], runs: int, warmup: int) -> None:
    print()
    print(
        f"where extract's time goes, as a share of the bare parse (median of {runs} runs "
        "of each stage, alternating; each stage includes the ones above it)"
    )
    for page in pages:
        bare, *cumulative = time_stages(page, runs, warmup)
        print(f"{page.group}/{page.name}: bare parse {bare:.3f} ms")
        before = 0.0
        for name, ms in zip(STAGES, cumulative, strict=True):
            share = (ms - before) / bare
            print(f"  {name:<32} {ms:8.3f} ms  {ms / bare:5.2f}x  (this stage {share:+.2f}x)")
            before = ms


def count_calls(module: Any, name: str) -> Callable[[], int]:
    """Count calls of module.name from now on (this process only); returns a reader."""
    original = getattr(module, name)
    calls = [0]

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    setattr(module, name, counted)
    return lambda: calls[0]


def dateparser_start_up() -> tuple[float, float]:
    """(ms of the first warm-up in this process, ms of a second one): once, then cached."""
    from newsarchive.normalise import dates

    start = time.perf_counter()
    dates.warm_up()
    first = time.perf_counter()
    dates.warm_up()
    return (first - start) * 1e3, (time.perf_counter() - first) * 1e3


def summary_line(label: str, timings: list[Timing]) -> str:
    parse = sum(t.parse_ms for t in timings)
    extract = sum(t.extract_ms for t in timings)
    worst = max(timings, key=lambda t: t.ratio)
    return (
        f"{label:<46} {'':>8} {parse:9.3f} {extract:10.3f} {extract / parse:6.2f}x"
        f"   (worst page {worst.ratio:.2f}x)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks pages", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--runs", type=int, default=200, help="timed runs per page (200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed runs first (20)")
    parser.add_argument("--real", type=Path, default=REAL_PAGES, help="real pages folder")
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="fixture folder")
    parser.add_argument("--pages", type=Path, action="append", default=[], help="more pages")
    parser.add_argument("--no-real", action="store_true", help="leave out the real pages")
    parser.add_argument("--no-fixtures", action="store_true", help="leave out the fixtures")
    parser.add_argument("--no-replica", action="store_true", help="leave out replica pages")
    parser.add_argument(
        "--stages",
        action="store_true",
        help="also time extract's stages (tree, parser, pipelines) on each real page",
    )
    args = parser.parse_args(argv)

    start_up, again = dateparser_start_up()
    from newsarchive.normalise import dates

    dateparser_calls = count_calls(dates, "_date_parser")

    groups: list[tuple[str, list[Page]]] = []
    notes: list[str] = []
    if not args.no_real:
        if args.real.is_dir() and list(args.real.glob("*.html")):
            groups.append(("real", html_pages(args.real, "real")))
        else:
            notes.append(f"real pages: absent ({args.real} has none), not measured")
    if not args.no_fixtures:
        if args.fixtures.is_dir():
            groups.append(("fixtures", article_pages(html_pages(args.fixtures, "fixture"))))
        else:
            notes.append(f"fixtures: absent ({args.fixtures}), not measured")
    for folder in args.pages:
        groups.append((folder.name, article_pages(html_pages(folder, folder.name))))
    if not args.no_replica:
        try:
            groups.append(("replica", replica_pages()))
        except ImportError as error:  # the replica is optional for this benchmark
            notes.append(f"replica pages: not available ({error}), not measured")
    groups = [(name, pages) for name, pages in groups if pages]

    print(
        f"newsarchive.extract() against lxml.html.fromstring() of the same bytes: median "
        f"of {args.runs} alternating runs each, after {args.warmup} warm-up runs"
    )
    for note in notes:
        print(note)
    header = f"{'page':<46} {'bytes':>8} {'parse ms':>9} {'extract ms':>10} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    calls_before = dateparser_calls()
    everything: list[Timing] = []
    for name, pages in groups:
        timings = [time_page(page, args.runs, args.warmup) for page in pages]
        for timing in timings:
            label = f"{timing.page.group}/{timing.page.name}"[:46]
            print(
                f"{label:<46} {len(timing.page.body):>8} {timing.parse_ms:9.3f} "
                f"{timing.extract_ms:10.3f} {timing.ratio:6.2f}x"
            )
        print(summary_line(f"overall {name} ({len(timings)} pages)", timings))
        everything += timings
    if not everything:
        print("no pages to measure")
        return 1
    print(summary_line(f"overall, all {len(everything)} pages", everything))
    measured_runs = len(everything) * (args.runs + args.warmup)
    print(f"target: extraction at most {TARGET:.1f}x the parse of the page")
    print(
        f"dateparser: loaded once per process ({start_up:.0f} ms at start-up, "
        f"{again:.3f} ms when asked again); dateparser parses during "
        f"{measured_runs} extractions: {dateparser_calls() - calls_before}"
    )
    if args.stages:
        real = [t.page for t in everything if t.page.group == "real"]
        print_stages(real or [t.page for t in everything], args.runs, args.warmup)
    return 0
