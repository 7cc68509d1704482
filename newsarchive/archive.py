"""The archive as its readers see it: every run's feed and stats files in the output folder.

Shared by `scrapy export` and `scrapy report`. Files in the folder are complete (see
`newsarchive.unfinished`); a line that is no JSON object is skipped and counted, never fatal.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from newsarchive.unfinished import recover

logger = logging.getLogger(__name__)

# <spider>-<run_id>-<kind>s.jsonl[.gz] and <spider>-<run_id>-stats.json; a run id is the UTC
# start and a random suffix (20261128T091453Z-3fa2c1), or the start alone in older files.
RUN_ID = r"\d{8}T\d{6}Z(?:-[0-9a-f]{6})?"
FEED_NAME = re.compile(
    rf"^(?P<spider>.+)-(?P<run>{RUN_ID})-(?P<kind>articles|teasers)\.jsonl(\.gz)?$"
)
STATS_NAME = re.compile(rf"^(?P<spider>.+)-(?P<run>{RUN_ID})-stats\.json$")


@dataclass(frozen=True)
class FeedFile:
    path: Path
    kind: str  # "article" or "teaser"
    run: str  # the run's id (UTC start and suffix, 20261128T091453Z-3fa2c1)

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def feed_files(folder: Path, kind: str | None = None) -> list[FeedFile]:
    """The run feed files in `folder`, oldest run first."""
    found = []
    for path in folder.iterdir() if folder.is_dir() else []:
        match = FEED_NAME.match(path.name)
        if match and path.is_file():
            found.append(FeedFile(path, match["kind"][:-1], match["run"]))
    found.sort(key=lambda f: (f.run, f.path.name))
    return [f for f in found if kind is None or f.kind == kind]


def open_feed(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of one feed file, in file order; unreadable lines logged and skipped."""
    with open_feed(path) as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                logger.warning("%s line %d is no JSON record: skipped", path, number)
                continue
            if isinstance(record, dict):
                yield record


def run_stats(folder: Path) -> list[dict[str, Any]]:
    """Every run's stats file, oldest first, each with its `run` id added."""
    runs = []
    for path in sorted(folder.glob("*-stats.json")):
        match = STATS_NAME.match(path.name)
        if not match:
            continue
        try:
            stats = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as error:
            logger.warning("stats file %s unreadable: %s", path, error)
            continue
        runs.append({**stats, "run": match["run"], "spider": match["spider"]})
    return runs


def recover_quietly(folder: Path) -> int:
    """Move in the feeds killed runs left unfinished, so readers see their records too."""
    try:
        return len(recover(folder))
    except OSError as error:
        logger.warning("unfinished feeds in %s left as they are: %s", folder, error)
        return 0
