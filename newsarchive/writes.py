"""Every write of a run checked: what failed stops the run, and nothing unwritten counts.

A run writes records to its feed files, waiting requests to its disk queue, pages to its
WARC files, marks to the state store and its stats to a file. `WriteLedger` (an extension:
one per crawler, found through it by `ledger_for`) hears of each failed write, counts it by
kind (`newsarchive/write_errors/<kind>`), keeps the first message for the
terminal, and, for a feed or state failure, stops the run: every page fetched after it would
be lost anyway. A run with any failed write is unhealthy (`monitors.write_failure`).

Feed files are `CheckedFile`s (opened by `feeds.DurableFileFeedStorage`): a record reaches
the operating system whole or not at all. `StatePipeline` marks an article archived only when
every feed write of its record succeeded; when its state write fails, the record's feed writes
are taken back (`rollback_item`), so the next run archives it exactly once.

Where Scrapy forces this design (scrapy/extensions/feedexport.py, scrapy/utils/signal.py):
- the feed exporter writes in an `item_scraped` handler, and `send_catch_log` logs an
  exception of a handler and calls the next one, so a failed write still reached the state
  pipeline's handler, which marked the article archived;
- the JSON Lines exporter ignores what `file.write()` returns, so a short write to an
  unbuffered file (a disk filling up) cut a record without an error;
- `FeedExporter._close_slot` logs and counts (`feedexport/failed_count/…`) an error of
  `storage.store()`, and the run still finished "healthy".
"""

from __future__ import annotations

import io
import logging
import os
from errno import EIO
from typing import Any

from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

WRITE_ERRORS = "newsarchive/write_errors/{}"
FIRST_WRITE_ERROR = "newsarchive/write_failed"
# A run stopped by a failed write ends with this finish reason.
STOPPED = "write_failed"
# Kinds whose failure stops the run: without them, nothing fetched later can be kept.
STOPPING = ("feed", "state")


def describe(error: BaseException) -> str:
    """`[Errno 28] No space left on device`, without the path (the caller names it)."""
    if isinstance(error, OSError) and error.strerror:
        return f"[Errno {error.errno}] {error.strerror}"
    return str(error) or type(error).__name__


class WriteLedger:
    """What a run wrote for the item being exported, and which writes failed.

    An extension that is always on: the feed storages, the state pipeline, the WARC writer
    and the stats file all report to the crawler's one ledger.
    """

    @classmethod
    def from_crawler(cls, crawler: Any) -> WriteLedger:
        return cls(crawler)

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.failures = 0
        self.stopped = False
        # (file, offset before the write) of every feed write since the last item finished.
        self.item_writes: list[tuple[CheckedFile, int]] = []
        self.item_failed = False

    def failed(self, kind: str, where: Any, error: BaseException) -> None:
        """Count and report a failed write; stop the run when it was a feed or state write."""
        message = f"{kind} write failed: {where}: {describe(error)}"
        stats = self.crawler.stats
        stats.inc_value(WRITE_ERRORS.format(kind))
        if not self.failures:
            stats.set_value(FIRST_WRITE_ERROR, message)
        self.failures += 1
        if kind == "feed":
            self.item_failed = True
        logger.error(message)
        if kind in STOPPING:
            self.stop()

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        engine = getattr(self.crawler, "engine", None)
        if engine is not None and engine.running:
            logger.error("the run stops: what it fetched from now on could not be kept")
            closing = deferred_from_coro(engine.close_spider_async(reason=STOPPED))
            closing.addErrback(lambda failure: None)  # closed meanwhile: nothing to stop

    def wrote(self, file: CheckedFile, offset: int) -> None:
        self.item_writes.append((file, offset))

    def finish_item(self) -> tuple[bool, list[tuple[CheckedFile, int]]]:
        """Whether every feed write of the item just exported succeeded, and those writes;
        the next item starts afresh. (Scrapy sends `item_scraped` to the feed exporter
        first, then to the state pipeline, one item at a time.)"""
        ok, writes = not self.item_failed, self.item_writes
        self.item_writes, self.item_failed = [], False
        return ok, writes

    @staticmethod
    def rollback_item(writes: list[tuple[CheckedFile, int]]) -> None:
        """Take an item's feed writes back: each file cut to where the item began."""
        starts: dict[int, tuple[CheckedFile, int]] = {}
        for file, offset in writes:
            if id(file) not in starts or offset < starts[id(file)][1]:
                starts[id(file)] = (file, offset)
        for file, offset in starts.values():
            file.cut(offset)


def ledger_for(crawler: Any) -> WriteLedger:
    """The crawler's write ledger (the `WriteLedger` extension)."""
    ledger = crawler.get_extension(WriteLedger)
    if ledger is None:
        raise RuntimeError(
            "newsarchive.writes.WriteLedger is missing from EXTENSIONS: every write of a run"
            " reports to it"
        )
    return ledger


class CheckedFile(io.FileIO):
    """An unbuffered file whose every write is whole or reported.

    `write` repeats a short write until all bytes are out (what a buffered file does, and
    the exporters do not); when a write fails, the part of it that reached the file is cut
    off again, the ledger hears of it, and the file takes no further writes, so a reader
    never meets a record cut in the middle of the file.
    """

    def __init__(self, path: str | os.PathLike, mode: str, ledger: WriteLedger) -> None:
        super().__init__(path, mode)
        self.ledger = ledger
        self.broken = False

    def write(self, data: Any) -> int:
        if self.broken:
            self.ledger.item_failed = True  # reported when it broke; this record is not written
            raise OSError(EIO, "an earlier write to this file failed", self.name)
        view = memoryview(data).cast("B")
        start = self.tell()
        done = 0
        try:
            while done < len(view):
                done += super().write(view[done:]) or 0
        except OSError as error:
            self.cut(start)
            self.ledger.failed("feed", self.name, error)
            raise
        self.ledger.wrote(self, start)
        return done

    def cut(self, offset: int) -> None:
        """Cut the file back to `offset` (never needs disk space) and take no more writes:
        a writer above this file (gzip) no longer matches what is in it."""
        self.broken = True
        try:
            os.ftruncate(self.fileno(), offset)
            self.seek(offset)
        except OSError as error:
            logger.error("could not cut %s back to %d bytes: %s", self.name, offset, error)

    def store(self) -> None:
        """Flush to the device and close; a failure is a failed feed write."""
        try:
            if not self.broken:
                os.fsync(self.fileno())
        except OSError as error:
            self.ledger.failed("feed", self.name, error)
            raise
        finally:
            self.close()
