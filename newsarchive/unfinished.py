"""Feed files every reader can open at every moment: written aside, published whole.

A feed file is written as `<folder>/unfinished/<name>` and moved to `<folder>/<name>` with one
rename once Scrapy closes it, so `output/*-articles.jsonl*` only ever names complete files:
pandas, DuckDB and jq read the folder during a run and after a kill alike (a glob does not
descend into `unfinished/`). Records still reach the disk one by one as they are made
(`newsarchive.feeds`), so the state store never calls an article archived that is not on disk.

A run killed leaves its file in `unfinished/`, possibly with a cut last record. The next run
(`RecoverUnfinishedFeeds`) and `scrapy export` repair it and move it in: a plain file is cut
back to its last newline; a gzip file is rewritten as one complete gzip member holding the
complete lines it had. The cut record is not lost: the state store never heard of it, so the
next run fetches its article again.

While its writer lives, a file in `unfinished/` carries an flock (released by the kernel when
the process dies, even by SIGKILL), so a repair never touches the file of a running crawl or
reparse.
"""

from __future__ import annotations

import fcntl
import gzip
import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newsarchive.config import setting
from newsarchive.feeds import DurableFileFeedStorage, archiving

logger = logging.getLogger(__name__)

UNFINISHED = "unfinished"
STAT = "newsarchive/unfinished/{}"
_CHUNK = 1 << 16


def unfinished_path(final: Path) -> Path:
    return final.parent / UNFINISHED / final.name


def _sync_folder(folder: Path) -> None:
    """The rename itself reaches the disk (the folder's entry), not only the file's data."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def publish(source: Path, final: Path) -> None:
    """`source` (complete) becomes `final` in one step: a reader sees all of it or nothing."""
    descriptor = os.open(source, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(source, final)
    _sync_folder(final.parent)
    try:
        source.parent.rmdir()  # only when empty: others' unfinished files stay
    except OSError:
        pass


def try_lock(path: Path) -> int | None:
    """An exclusive flock on `path`, or None while another process holds one."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


class StagedFileFeedStorage(DurableFileFeedStorage):
    """A local feed written in `unfinished/` beside its final name and moved there when closed.

    Appending (`-o` onto an existing file) writes in place, as Scrapy does: a rename would
    replace the records already there.
    """

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.final = Path(self.path)
        self.staged = self.write_mode == "wb" or not self.final.exists()
        self.lock: int | None = None
        if self.staged:
            self.path = str(unfinished_path(self.final))

    def open(self, spider: Any) -> IO[bytes]:
        file = super().open(spider)
        if self.staged:
            self.lock = try_lock(Path(self.path))
        return file

    def store(self, file: IO[bytes]) -> None:
        super().store(file)
        if not self.staged:
            return None
        try:
            publish(Path(self.path), self.final)
        finally:
            if self.lock is not None:
                os.close(self.lock)  # closing the descriptor releases the flock
                self.lock = None
        return None


# --- repair ----------------------------------------------------------------------------------
@dataclass
class Repaired:
    path: Path
    records: int
    cut_bytes: int  # bytes of a cut last record left out (uncompressed)


def gzip_chunks(file: IO[bytes]) -> Iterator[bytes]:
    """The data of a possibly cut or damaged gzip file, member after member, up to where it
    ends or breaks. (Python's gzip module raises at a cut and loses the data of that read.)"""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pending = b""
    while True:
        if not pending:
            pending = file.read(_CHUNK)
            if not pending:
                return
        try:
            yield decompressor.decompress(pending)
        except zlib.error:
            return
        if decompressor.eof:  # a member ended; another may follow
            pending = decompressor.unused_data
            decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        else:
            pending = b""


def rewrite_gzip(path: Path) -> tuple[int, int]:
    """`path` rewritten as one complete gzip member of its complete lines (in a new file,
    renamed over the old one); the records kept and the bytes of a cut last line."""
    rewritten = path.with_name(path.name + ".repair")
    records, held = 0, b""
    with (
        path.open("rb") as source,
        rewritten.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as out,
    ):
        for chunk in gzip_chunks(source):
            data = held + chunk
            end = data.rfind(b"\n") + 1
            out.write(data[:end])
            records += data.count(b"\n", 0, end)
            held = data[end:]
    os.replace(rewritten, path)
    return records, len(held)


def cut_plain(path: Path) -> int:
    """Cut a plain file back to its last newline, in place; the bytes cut off."""
    size = path.stat().st_size
    with path.open("r+b") as file:
        position = size
        while position > 0:
            start = max(0, position - _CHUNK)
            file.seek(start)
            newline = file.read(position - start).rfind(b"\n")
            if newline >= 0:
                keep = start + newline + 1
                break
            position = start
        else:
            keep = 0
        file.truncate(keep)
    return size - keep


def repair(path: Path) -> Repaired:
    """Make `path` a file of complete lines: plain cut at its last newline, gzip rewritten."""
    if path.name.endswith(".gz"):
        records, cut = rewrite_gzip(path)
        return Repaired(path, records, cut)
    cut = cut_plain(path)
    with path.open("rb") as file:
        records = sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(_CHUNK), b""))
    return Repaired(path, records, cut)


def recover(folder: Path) -> list[Repaired]:
    """Repair the files that dead writers left in `folder/unfinished/` and move them in.

    Files whose writer still runs (it holds their flock) are left alone; a file with no
    complete record is removed; a name already taken in `folder` is left where it is.
    """
    staging = folder / UNFINISHED
    if not staging.is_dir():
        return []
    recovered: list[Repaired] = []
    for path in sorted(staging.iterdir()):
        if not path.is_file() or path.name.endswith(".repair"):
            continue
        lock = try_lock(path)
        if lock is None:
            continue  # its writer is still running
        try:
            result = repair(path)
            final = folder / path.name
            if result.records == 0:
                path.unlink()
                logger.warning("unfinished feed %s held no complete record: removed", path)
            elif final.exists():
                logger.error("unfinished feed %s not moved: %s exists", path, final)
            else:
                publish(path, final)
                recovered.append(Repaired(final, result.records, result.cut_bytes))
                logger.warning(
                    "feed %s of an interrupted run recovered: %d records, %d bytes of a cut "
                    "last record left out (its article is fetched again)",
                    final,
                    result.records,
                    result.cut_bytes,
                )
        finally:
            os.close(lock)
    try:
        staging.rmdir()
    except OSError:
        pass
    return recovered


class RecoverUnfinishedFeeds:
    """At the start of a run, the feeds a killed run left in `unfinished/` are moved in."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.folder = Path(setting(crawler.settings, "NEWSARCHIVE_OUTPUT_DIR"))
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        if not archiving(crawler.settings):  # `scrapy shell` & co. leave the archive alone
            raise NotConfigured
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        try:
            recovered = recover(self.folder)
        except OSError as error:
            self.crawler.stats.inc_value(STAT.format("errors"))
            logger.error("unfinished feeds in %s not recovered: %s", self.folder, error)
            return
        stats = self.crawler.stats
        for result in recovered:
            stats.inc_value(STAT.format("recovered_files"))
            stats.inc_value(STAT.format("recovered_records"), result.records)
            stats.inc_value(STAT.format("cut_bytes"), result.cut_bytes)
