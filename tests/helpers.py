"""Running the real `scrapy crawl golem` in a subprocess and reading what it wrote."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

PROJECT = Path(__file__).resolve().parents[1]
SHARED_PAGES = PROJECT.parent / "shared" / "golem-pages"

# The instant dated tests take as now: the replica's clock, and the crawl's through
# NEWSARCHIVE_NOW, so a test gives the same pages and records on any day it runs.
NOW = datetime(2025, 10, 28, 11, 0, tzinfo=UTC)

# Politeness off, so a crawl of the replica takes seconds; WARC off where not under test.
FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "NEWSARCHIVE_WARC_ENABLED": False,
}


def fast(server, output: Path, **extra) -> dict[str, Any]:
    """FAST settings for a crawl of `server` writing into `output`, on the clock of a replica
    built for NOW (`extra` may move the clock: NEWSARCHIVE_NOW)."""
    return {
        **FAST,
        "GOLEM_BASE_URL": server.base_url,
        "NEWSARCHIVE_OUTPUT_DIR": output,
        "NEWSARCHIVE_NOW": NOW.isoformat(),
        **extra,
    }


def article_paths(server, since: int = 0) -> list[str]:
    """Paths of the article pages a test server was asked for (from request `since` on)."""
    return [
        p for _, p, _ in server.requests[since:] if p.startswith("/news/") and p.endswith(".html")
    ]


def months_of_run(now: datetime) -> list[str]:
    """The sitemap months (YYMM) a run at `now` reads: this month and the one before, in
    Berlin time as the spider counts them."""
    this = now.astimezone(ZoneInfo("Europe/Berlin"))
    previous = this.replace(day=1).toordinal() - 1
    return [this.strftime("%y%m"), datetime.fromordinal(previous).strftime("%y%m")]


@dataclass
class CrawlResult:
    returncode: int
    log: str
    articles: list[dict[str, Any]] = field(default_factory=list)
    teasers: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSON Lines file, as the README tells readers to read them: a last line
    without its newline is a record cut by a killed run and is skipped."""
    lines = path.read_bytes().split(b"\n")
    # The part after the last newline is empty or a cut record, which may end inside a
    # multi-byte character: only whole lines are decoded.
    complete = lines[:-1]
    return [json.loads(line.decode("utf-8")) for line in complete if line.strip()]


def crawl_command(workdir: Path, *args: str, settings: dict[str, Any] | None = None) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "golem", *args]
    merged = {
        "NEWSARCHIVE_OUTPUT_DIR": str(workdir / "output"),
        "NEWSARCHIVE_STATE_DIR": str(workdir / "state"),
        "NEWSARCHIVE_LOG_DIR": str(workdir / "logs"),
        **(settings or {}),
    }
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    return command


def collect(
    workdir: Path, returncode: int = 0, output: str = "", folder: Path | str | None = None
) -> CrawlResult:
    """What runs wrote into `folder` (default `workdir/output`): every record, the stats of
    the last run, and the logs of all runs in `workdir`."""
    logs = "".join(
        p.read_text("utf-8", "replace") for p in sorted((workdir / "logs").glob("*.log"))
    )
    result = CrawlResult(returncode, output + logs)
    out = Path(folder) if folder else workdir / "output"
    for path in sorted(out.glob("*-articles.jsonl")):
        result.articles += read_jsonl(path)
    for path in sorted(out.glob("*-teasers.jsonl")):
        result.teasers += read_jsonl(path)
    stats_files = sorted(out.glob("*-stats.json"))
    if stats_files:
        result.stats = json.loads(stats_files[-1].read_text("utf-8"))
    return result


def start_crawl(workdir: Path, *args: str, settings: dict[str, Any] | None = None):
    """A crawl running in the background (to kill, interrupt or overlap it)."""
    return subprocess.Popen(
        crawl_command(workdir, *args, settings=settings),
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_crawl(
    workdir: Path,
    *args: str,
    settings: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> CrawlResult:
    """`scrapy crawl golem ARGS` with its output, state and logs under `workdir`.

    Each call gets its own output folder (`workdir/output`), so use a fresh `workdir` per
    run unless the records of several runs are meant to be read together.
    """
    process = subprocess.run(
        crawl_command(workdir, *args, settings=settings),
        cwd=PROJECT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    folder = (settings or {}).get("NEWSARCHIVE_OUTPUT_DIR")
    return collect(workdir, process.returncode, process.stdout + process.stderr, folder)


# Image fields a page does not decide: where the stored copy is (schema version 2). An
# expected image that leaves them out expects no stored copy (null).
STORAGE_FIELDS = ("path", "checksum")


def _page_decided_images(images: Any, expected: Any) -> Any:
    if not isinstance(images, list) or not isinstance(expected, list):
        return images
    out = []
    for image, wanted in zip(images, expected + [{}] * len(images), strict=False):
        if isinstance(image, dict) and isinstance(wanted, dict):
            left_out = [f for f in STORAGE_FIELDS if f not in wanted]
            if all(image.get(f) is None for f in left_out):
                image = {k: v for k, v in image.items() if k not in left_out}
        out.append(image)
    return out


def assert_same_fields(record: dict[str, Any], expected: dict[str, Any]) -> None:
    """Compare field by field, so a failure names the field and shows both values."""
    if "images" in expected and "images" in record:
        record = {**record, "images": _page_decided_images(record["images"], expected["images"])}
    mismatched = {
        name: {"got": record.get(name), "expected": value}
        for name, value in expected.items()
        if record.get(name) != value
    }
    assert not mismatched, json.dumps(mismatched, ensure_ascii=False, indent=1)[:4000]


def wait_for_records(folder: Path, count: int, timeout: float = 60) -> None:
    """Until a running crawl has `count` article records on disk in `folder`, counting the
    file it is still writing (in `unfinished/` until the run closes it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = [*folder.glob("*-articles.jsonl"), *folder.glob("unfinished/*-articles.jsonl")]
        if sum(len(read_jsonl(p)) for p in files if p.exists()) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {count} records in {folder} within {timeout} s")


def run_reparse(workdir: Path, *args: str, settings: dict[str, Any] | None = None):
    """`scrapy reparse ARGS` with its output under `workdir`: exit status, log and files."""
    output = workdir / "output"
    command = [sys.executable, "-m", "scrapy", "reparse", *args]
    for name, value in {"NEWSARCHIVE_OUTPUT_DIR": str(output), **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    process = subprocess.run(
        command, cwd=PROJECT, capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )
    return collect(workdir, process.returncode, process.stdout + process.stderr, output)


def warcio(*args: str) -> subprocess.CompletedProcess:
    """The `warcio` command line tool installed beside this Python."""
    script = Path(sys.executable).with_name("warcio")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "warcio.cli"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=60)


# Capabilities by which root passes file permissions (linux/capability.h), and prctl's
# PR_CAPBSET_DROP: dropped from the bounding set, a program run by root lacks them.
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3
PR_CAPBSET_DROP = 24


def bound_by_permissions() -> Callable[[], None] | None:
    """Permissions do not bind root: as root, the crawl runs without the capabilities that
    pass them (still root, so it can run the project's Python under /root)."""
    if os.geteuid() != 0:
        return None

    def drop() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER):
            if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")

    return drop
