"""Running the real `scrapy crawl golem` in a subprocess and reading what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
SHARED_PAGES = PROJECT.parent / "shared" / "golem-pages"


@dataclass
class CrawlResult:
    returncode: int
    log: str
    articles: list[dict[str, Any]] = field(default_factory=list)
    teasers: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def run_crawl(
    workdir: Path,
    *args: str,
    settings: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> CrawlResult:
    """`scrapy crawl golem ARGS` with its output, state and logs under `workdir`."""
    output = workdir / "output"
    command = [sys.executable, "-m", "scrapy", "crawl", "golem", *args]
    merged = {
        "NEWSARCHIVE_OUTPUT_DIR": str(output),
        "NEWSARCHIVE_STATE_DIR": str(workdir / "state"),
        "NEWSARCHIVE_LOG_DIR": str(workdir / "logs"),
        **(settings or {}),
    }
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    process = subprocess.run(
        command,
        cwd=PROJECT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    logs = "".join(
        p.read_text("utf-8", "replace") for p in sorted((workdir / "logs").glob("*.log"))
    )
    result = CrawlResult(process.returncode, process.stdout + process.stderr + logs)
    for path in sorted(output.glob("*-articles.jsonl")):
        result.articles += read_jsonl(path)
    for path in sorted(output.glob("*-teasers.jsonl")):
        result.teasers += read_jsonl(path)
    stats_files = sorted(output.glob("*-stats.json"))
    if stats_files:
        result.stats = json.loads(stats_files[-1].read_text("utf-8"))
    return result


def assert_same_fields(record: dict[str, Any], expected: dict[str, Any]) -> None:
    """Compare field by field, so a failure names the field and shows both values."""
    mismatched = {
        name: {"got": record.get(name), "expected": value}
        for name, value in expected.items()
        if record.get(name) != value
    }
    assert not mismatched, json.dumps(mismatched, ensure_ascii=False, indent=1)[:4000]
