"""Feed files: where a run's files go, what they are named, and that records reach disk.

`archive_feeds` adds the run's own files (`NEWSARCHIVE_FEEDS`) to whatever feeds the command
line or Scrapyd gives (FEEDS), in `crawl` and `reparse` only. `uri_params` (FEED_URI_PARAMS)
lets them follow `NEWSARCHIVE_OUTPUT_DIR` even when it is changed per run.
`DurableFileFeedStorage` and `FlushingGzipPlugin` hand every record to the operating system
as it is written, so a run killed with SIGKILL keeps every record it wrote (at most a cut
last line, see README); its files are `writes.CheckedFile`s, so a failed write is reported
and never half done.
"""

from __future__ import annotations

import gzip
import json
import logging
import secrets
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scrapy.extensions.feedexport import FileFeedStorage

from newsarchive.writes import CheckedFile, ledger_for

logger = logging.getLogger(__name__)

# The commands whose runs write the archive (feeds, WARC, stats, state); they name
# themselves in NEWSARCHIVE_COMMAND. shell, fetch, parse, bench, check and view do not.
ARCHIVING_COMMANDS = frozenset({"crawl", "reparse"})


def archiving(settings: Any) -> bool:
    """Whether this process runs a command that writes into the archive.

    Components that write the archive raise NotConfigured otherwise, so `scrapy shell`,
    `fetch`, `parse`, `bench` and `check` leave the output and state folders untouched.
    """
    return settings.get("NEWSARCHIVE_COMMAND") in ARCHIVING_COMMANDS


def archive_feeds(settings: Any) -> dict[str, dict[str, Any]]:
    """FEEDS for a run of `crawl` or `reparse`: the archive's per-kind files beside the feeds
    already given (`-o`/`-O`, `-s FEEDS=…`, the one Scrapyd passes), which never replace them.
    """
    own = settings.getdict("NEWSARCHIVE_FEEDS")
    if settings.getbool("NEWSARCHIVE_GZIP"):
        own = gzipped(own)
    return {**own, **settings.getdict("FEEDS")}


def gzipped(feeds: dict[str, Any]) -> dict[str, Any]:
    """The same feeds, gzip-compressed, each record flushed to disk as it is written."""
    return {
        f"{uri}.gz": {**options, "postprocessing": ["newsarchive.feeds.FlushingGzipPlugin"]}
        for uri, options in feeds.items()
    }


def run_started(spider: Any) -> datetime:
    """The run's start instant, fixed once per spider so every file of a run shares it.

    The crawl command fixes it before the run (`NEWSARCHIVE_RUN_STARTED`), so the log file
    carries the same name; a reparse pins it to the recorded run.
    """
    started = getattr(spider, "run_started_at", None)
    if started is None:
        crawler = getattr(spider, "crawler", None)
        fixed = crawler.settings.get("NEWSARCHIVE_RUN_STARTED") if crawler else None
        started = datetime.fromisoformat(fixed) if fixed else datetime.now(UTC)
        spider.run_started_at = started
    return started


def format_run_id(started: datetime) -> str:
    """20261128T091453Z: sorts by time, no characters a shell or Windows dislikes."""
    return started.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def new_run_id(started: datetime) -> str:
    """20261128T091453Z-3fa2c1: the start second, so files sort by time, and six random hex
    digits, so runs started in the same second into one folder never share a file."""
    return f"{format_run_id(started)}-{secrets.token_hex(3)}"


def run_id(spider: Any) -> str:
    """The run's id, fixed once per spider (the crawl command chooses it before the run,
    `NEWSARCHIVE_RUN_ID`, so the log file carries it too)."""
    chosen = getattr(spider, "newsarchive_run_id", None)
    if chosen is None:
        crawler = getattr(spider, "crawler", None)
        fixed = crawler.settings.get("NEWSARCHIVE_RUN_ID") if crawler else None
        chosen = fixed or new_run_id(run_started(spider))
        spider.newsarchive_run_id = chosen
    return chosen


def uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    settings = spider.crawler.settings
    return {
        **params,
        "output_dir": settings.get("NEWSARCHIVE_OUTPUT_DIR").rstrip("/"),
        "run_id": run_id(spider),
    }


class DurableFileFeedStorage(FileFeedStorage):
    """Local feed files opened unbuffered: each record is one write() to the OS.

    Scrapy's own storage buffers in the process, and a killed process loses the buffer;
    the state store would then believe records were written that are not on disk.
    A feed with the option `exclusive` (the run's own files) is created, never appended
    to: a file of the same name from another run is an error, not a file to share.
    """

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        if (feed_options or {}).get("exclusive") and self.write_mode == "ab":
            self.write_mode = "xb"

    def open(self, spider: Any) -> IO[bytes]:
        ledger = ledger_for(spider.crawler)
        path = Path(self.path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return CheckedFile(path, self.write_mode, ledger)  # type: ignore[return-value]
        except OSError as error:
            ledger.failed("feed", path, error)
            raise

    def store(self, file: IO[bytes]) -> None:
        if isinstance(file, CheckedFile):
            file.store()
        else:
            file.close()


class FlushingGzipPlugin:
    """Gzip post-processing that ends each record with a zlib sync flush.

    Scrapy's GzipPlugin keeps compressed data in memory until the file closes; flushing per
    record costs a little compression and makes every written record readable after a kill
    (a reader stops at the cut: `zcat` warns "unexpected end of file" and prints the rest).
    """

    def __init__(self, file: IO[bytes], feed_options: dict[str, Any]) -> None:
        self.file = file
        self.gzipfile = gzip.GzipFile(fileobj=file, mode="wb", compresslevel=6, mtime=0)

    def write(self, data: bytes) -> int:
        written = self.gzipfile.write(data)
        self.gzipfile.flush()
        return written

    def close(self) -> None:
        try:
            self.gzipfile.close()
        except OSError:
            # The feed file has recorded the failure (or refuses writes after one); the
            # records before it stay readable, as after a kill.
            if not isinstance(self.file, CheckedFile):
                raise


def records_of_run(folder: str | Path, run_id: str) -> Iterator[dict[str, Any]]:
    """The article records a run wrote into `folder` that are whole: complete lines of its
    `…-<run_id>-articles.jsonl` file, or of the gzip one up to where it was cut; published,
    or still in `unfinished/` where a killed run left it (newsarchive.unfinished)."""
    pattern = f"*-{run_id}-articles.jsonl*"
    folder = Path(folder)
    for path in sorted([*folder.glob(pattern), *(folder / "unfinished").glob(pattern)]):
        if path.name.endswith(".repair"):
            continue
        try:
            data = path.read_bytes()
            if path.suffix == ".gz":
                # A decompressor object gives what precedes a cut; gzip.open would raise.
                data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
        except (OSError, zlib.error) as error:
            logger.error("feed file %s unreadable: %s", path, error)
            continue
        for line in data.split(b"\n")[:-1]:  # after the last newline: nothing, or a cut
            try:
                yield json.loads(line)
            except ValueError:
                continue
