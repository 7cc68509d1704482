"""`python -m benchmarks crawl`: the archive crawl against a bare download-only crawl.

For each replica size (`--articles 1000,10000`), in one run: a replica of that many articles
is served on 127.0.0.1 (each page rendered when it is requested); the full default crawl
(`scrapy crawl golem`, home page, ticker, feed and the news sitemaps of the replica's
current and previous month, one hop of related links) runs in a subprocess with politeness
off and WARC files written, as users run it (`--no-warc` leaves them out), its state, feeds,
WARC and logs in a temporary folder; then a bare Scrapy spider (in this module, no project
settings, middlewares or pipelines) fetches exactly the requests the archive crawl made,
with the same cookies, and does nothing with the responses: the archive crawl's ceiling on
this machine (`--no-bare` leaves it out, for a large replica's memory alone). Printed per
run: pages/s (responses over the crawl's own elapsed time), archived articles/s, peak RSS
of the crawl process (its own rusage), and the archive/bare ratios; at the end the archive
crawl's peak RSS per size. Targets: the archive crawl at least 0.5x the bare crawl's
pages/s; peak RSS within 20% from the smallest to the largest replica.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
# The replica's clock, and the crawl's (NEWSARCHIVE_NOW): late in a month, so that the
# current and previous month (what a default run reads) hold two thirds of the articles.
NOW = "2025-10-28T12:00:00+01:00"
KEEP_PAGES_UP_TO = 10_000
POLITENESS_OFF = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
}


@dataclass
class Run:
    label: str
    pages: int
    articles: int
    seconds: float
    wall_seconds: float
    peak_rss_mb: float

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0


# Runs the crawl and reports its peak RSS from wait4. A small process of its own: Linux
# counts in a child's ru_maxrss the memory of the process it was forked from, up to its
# exec, so forking the crawl from this (large, replica-holding) process would overstate it.
_PEAK_RSS_WRAPPER = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def run_child(
    command: list[str], *, cwd: Path, log: Path, env: dict[str, str] | None = None
) -> tuple[int, float, float]:
    """Run a command to its end: (exit status, wall seconds, peak RSS in MB of the command)."""
    peak_file = log.with_suffix(".peak")
    start = time.perf_counter()
    with log.open("wb") as output:
        status = subprocess.call(
            [sys.executable, "-c", _PEAK_RSS_WRAPPER, str(peak_file), *command],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    wall = time.perf_counter() - start
    peak_kb = int(peak_file.read_text()) if peak_file.exists() else 0
    return status, wall, peak_kb / 1024


def archive_crawl(
    base_url: str, folder: Path, concurrency: int, extra: list[str], warc: bool
) -> Run:
    """`scrapy crawl golem` against the replica, as a user would run it (defaults kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = {
        **POLITENESS_OFF,
        "NEWSARCHIVE_WARC_ENABLED": str(warc),
        "GOLEM_BASE_URL": base_url,
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "NEWSARCHIVE_NOW": datetime.fromisoformat(NOW).astimezone(UTC).isoformat(),
        "NEWSARCHIVE_OUTPUT_DIR": str(folder / "output"),
        "NEWSARCHIVE_STATE_DIR": str(folder / "state"),
        "NEWSARCHIVE_LOG_DIR": str(folder / "logs"),
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "golem", *extra]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    status, wall, rss = run_child(command, cwd=PROJECT, log=folder / "archive.out")
    stats_files = sorted((folder / "output").glob("*-stats.json"))
    if status not in (0, 1) or not stats_files:  # 1: a health monitor failed; still a run
        tail = (folder / "archive.out").read_text("utf-8", "replace")[-3000:]
        raise RuntimeError(f"archive crawl failed (exit {status}):\n{tail}")
    stats = json.loads(stats_files[-1].read_text("utf-8"))
    articles = sum(
        sum(1 for line in path.open("rb") if line.strip())
        for path in (folder / "output").glob("*-articles.jsonl")
    )
    return Run(
        "archive",
        int(stats.get("downloader/response_count", 0)),
        articles,
        float(stats.get("elapsed_time_seconds", wall)),
        wall,
        rss,
    )


def bare_crawl(requests_file: Path, folder: Path, concurrency: int) -> Run:
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "benchmarks.crawl", str(requests_file)]
    command += [str(concurrency), str(folder / "bare-stats.json")]
    # Run from its own folder, away from the project's scrapy.cfg; the checkout on the path
    # is what makes `benchmarks` importable there.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")])),
    }
    status, wall, rss = run_child(command, cwd=folder, log=folder / "bare.out", env=env)
    if status != 0:
        tail = (folder / "bare.out").read_text("utf-8", "replace")[-3000:]
        raise RuntimeError(f"bare crawl failed (exit {status}):\n{tail}")
    stats = json.loads((folder / "bare-stats.json").read_text("utf-8"))
    return Run(
        "bare",
        int(stats.get("downloader/response_count", 0)),
        0,
        float(stats.get("elapsed_time_seconds", wall)),
        wall,
        rss,
    )


def recorded_requests(server: Any, base_url: str) -> list[dict[str, str]]:
    """What the crawl asked the replica for, in order: URL and the Cookie header it sent."""
    return [
        {"url": base_url + target, "cookie": headers.get("Cookie", "")}
        for method, target, headers in server.requests
        if method == "GET"
    ]


def measure(
    n_articles: int, concurrency: int, extra: list[str], repeat: int, *, warc: bool, bare: bool
) -> tuple[list[Run], list[Run], int]:
    """`repeat` archive crawls (each from empty state) and as many bare ones, interleaved
    archive-bare, bare-archive, ... so that both see the machine's ups and downs alike."""
    from tests.replica import ReplicaServer, build_site

    start = time.perf_counter()
    site = build_site(now=datetime.fromisoformat(NOW), n_articles=n_articles)
    built = time.perf_counter() - start
    # Every crawl sees the replica answer from memory, where its pages fit (~25 KB each);
    # a larger replica renders each page when it is requested.
    site.keep_pages = n_articles <= KEEP_PAGES_UP_TO
    archives: list[Run] = []
    bares: list[Run] = []
    with ReplicaServer(site) as server, tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        serving = "rendered per request"
        if site.keep_pages:
            site.pages(server.base_url)
            serving = "every page rendered in advance"
        print(f"{n_articles:>8} replica built in {built:.1f} s, {serving}", flush=True)

        def archive(run_folder: Path) -> None:
            archives.append(archive_crawl(server.base_url, run_folder, concurrency, extra, warc))

        archive(folder / "archive-0")
        requests = recorded_requests(server, server.base_url)
        requests_file = folder / "requests.json"
        requests_file.write_text(json.dumps(requests), "utf-8")
        if bare:
            bares.append(bare_crawl(requests_file, folder / "bare-0", concurrency))
        for turn in range(1, repeat):
            for label in ("bare", "archive") if turn % 2 else ("archive", "bare"):
                run_folder = folder / f"{label}-{turn}"
                if label == "archive":
                    archive(run_folder)
                elif bare:
                    bares.append(bare_crawl(requests_file, run_folder, concurrency))
    return archives, bares, len(requests)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks crawl", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--articles",
        default="1000,10000",
        help="replica sizes, comma-separated (1000,10000; at most 100000)",
    )
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS")
    parser.add_argument(
        "--backfill",
        action="store_true",
        help="crawl every month of the replica (-a since=...) instead of the default run",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="archive and bare crawls per size, interleaved; medians are compared (3)",
    )
    parser.add_argument(
        "--no-warc", action="store_true", help="the archive crawl writes no WARC files"
    )
    parser.add_argument(
        "--no-bare", action="store_true", help="no bare crawls: the archive crawl's figures only"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the archive crawl (repeatable), e.g. NEWSARCHIVE_QUEUE_ON_DISK=False",
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.articles.split(",") if size.strip()]
    extra = ["-a", "since=2024-03-01"] if args.backfill else []
    for setting in args.set:
        extra += ["-s", setting]
    mode = "backfill of every month (-a since=2024-03-01)" if args.backfill else "default run"
    print(
        f"scrapy crawl golem ({mode}) against the replica on 127.0.0.1, politeness off, "
        f"CONCURRENT_REQUESTS(_PER_DOMAIN)={args.concurrency}, "
        f"WARC {'off' if args.no_warc else 'on'}"
        + ("" if args.no_bare else "; then a bare download-only spider fetching the same requests")
    )
    header = (
        f"{'articles':>8} {'crawl':<8} {'pages':>6} {'archived':>8} {'seconds':>8} "
        f"{'pages/s':>8} {'articles/s':>10} {'peak RSS MB':>11}"
    )
    print(header)
    print("-" * len(header))
    peaks: dict[int, float] = {}
    for size in sizes:
        archives, bares, requests = measure(
            size,
            args.concurrency,
            extra,
            max(1, args.repeat),
            warc=not args.no_warc,
            bare=not args.no_bare,
        )
        for run in archives + bares:
            archived = str(run.articles) if run.label == "archive" else "-"
            per_article = f"{run.articles_per_second:10.1f}" if run.label == "archive" else "-"
            print(
                f"{size:>8} {run.label:<8} {run.pages:>6} {archived:>8} {run.seconds:8.2f} "
                f"{run.pages_per_second:8.1f} {per_article:>10} {run.peak_rss_mb:11.1f}"
            )
        peaks[size] = max(run.peak_rss_mb for run in archives)
        if bares:
            archive_rate = statistics.median(run.pages_per_second for run in archives)
            bare_rate = statistics.median(run.pages_per_second for run in bares)
            ratio = archive_rate / bare_rate
            print(
                f"{size:>8} ratio    archive/bare pages/s, medians of {len(archives)} runs each: "
                f"{archive_rate:.1f} / {bare_rate:.1f} = {ratio:.2f}x (target >= 0.5x); "
                f"{requests} requests replayed"
            )
    low = min(peaks)
    print(
        "peak RSS of the archive crawl (highest of its runs): "
        + ", ".join(
            f"{peak:.1f} MB at {size} articles ({peak / peaks[low] - 1:+.0%})"
            for size, peak in sorted(peaks.items())
        )
        + (" (target within 20%)" if len(peaks) > 1 else "")
    )
    return 0


# --- the bare spider, run as `python -m benchmarks.crawl REQUESTS CONCURRENCY OUT` --


def bare_main(requests_file: str, concurrency: int, stats_file: str) -> int:
    """Fetch every recorded request once, do nothing with it, write the crawl's stats."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    requests = json.loads(Path(requests_file).read_text("utf-8"))

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):
            for request in requests:
                headers = {"Cookie": request["cookie"]} if request["cookie"] else {}
                yield scrapy.Request(
                    request["url"], headers=headers, dont_filter=True, callback=self.parse
                )

        def parse(self, response):
            return None

        def closed(self, reason):
            stats = dict(self.crawler.stats.get_stats())
            Path(stats_file).write_text(json.dumps(stats, default=str), "utf-8")

    process = CrawlerProcess(
        settings={
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "ROBOTSTXT_OBEY": False,  # robots.txt is one of the recorded requests
            "COOKIES_ENABLED": False,  # the recorded Cookie header is sent as it was
            "HTTPERROR_ALLOW_ALL": True,
            "RETRY_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "INFO",
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        }
    )
    process.crawl(BareSpider)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(bare_main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
