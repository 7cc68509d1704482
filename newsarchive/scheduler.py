"""Scrapy's scheduler, with its queue of waiting requests on disk for every archiving run.

A backfill or a large sitemap gives the scheduler tens of thousands of article requests
at once; in Scrapy's memory queue each costs some 4 KB while it waits, so memory grew with
the size of the sitemaps (413 MB for a 100,000-article replica, against 113 MB for 1,000).
Scrapy keeps its queue on disk only when a JOBDIR is given. Without one, this scheduler
gives Scrapy's own disk queue a folder of the run's own under `NEWSARCHIVE_QUEUE_DIR`
(default: `queue/` in the state folder) and removes it when the run ends. Nothing in it
outlives the run: a rerun reads the sitemaps again and the state leaves out what is
archived, so a killed run's folder is only garbage, removed by the next run (a folder whose
run still lives keeps its flock and stays). With JOBDIR set, Scrapy's own queue in the
JOBDIR is used, to resume.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from scrapy.core.scheduler import Scheduler
from scrapy.utils.job import job_dir

from newsarchive.config import setting
from newsarchive.feeds import archiving
from newsarchive.writes import ledger_for

logger = logging.getLogger(__name__)

LOCK = ".lock"


def queue_folder(settings: Any) -> Path:
    """Where runs keep their queues: NEWSARCHIVE_QUEUE_DIR, or `queue/` in the state folder."""
    return Path(
        setting(settings, "NEWSARCHIVE_QUEUE_DIR")
        or Path(setting(settings, "NEWSARCHIVE_STATE_DIR"), "queue")
    )


def _held(lock: Path) -> bool:
    """Whether a live process holds the flock on `lock` (the kernel drops it when one dies)."""
    try:
        descriptor = os.open(lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def remove_stale_queues(folder: Path) -> int:
    """Remove the queue folders of runs that ended without removing theirs (killed)."""
    removed = 0
    for queue in folder.glob("run-*"):
        if queue.is_dir() and not _held(queue / LOCK):
            shutil.rmtree(queue, ignore_errors=True)
            removed += 1
    return removed


class SpillingScheduler(Scheduler):
    """Scrapy's `Scheduler` whose disk queue is on without a JOBDIR (see the module)."""

    spill: Path | None = None
    _lock: int | None = None
    disk_failed = False

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        settings = crawler.settings
        if (
            job_dir(settings) is None
            and setting(settings, "NEWSARCHIVE_QUEUE_ON_DISK", "getbool")
            and archiving(settings)
        ):
            scheduler.spill_to(queue_folder(settings))
        return scheduler

    def spill_to(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        stale = remove_stale_queues(folder)
        if stale:
            logger.info("removed %d request queue(s) of killed runs from %s", stale, folder)
        spill = folder / f"run-{uuid.uuid4().hex[:12]}"
        spill.mkdir()
        lock = spill / LOCK
        lock.touch()
        self._lock = os.open(lock, os.O_RDONLY)
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.spill = spill
        # What Scrapy's own __init__ sets from a JOBDIR: the disk queue's folder.
        self.dqdir = self._dqdir(str(spill))

    def _dqpush(self, request) -> bool:
        """Push to the disk queue; when the disk refuses (full, gone), the request waits in
        memory instead and the failed write makes the run unhealthy (newsarchive.writes).
        Scrapy's own push lets such an OSError out of the engine, and the request is lost."""
        if self.disk_failed:
            return False
        try:
            return super()._dqpush(request)
        except OSError as error:
            self.disk_failed = True
            ledger_for(self.crawler).failed("queue", self.dqdir, error)
            return False

    def close(self, reason: str):
        result = super().close(reason)
        if self.spill is not None:
            shutil.rmtree(self.spill, ignore_errors=True)
            if self._lock is not None:
                os.close(self._lock)
            self.spill = None
        return result
