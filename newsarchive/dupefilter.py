"""A JOBDIR that only ever resumes: what a job keeps there lives as long as its queue.

Scrapy's `RFPDupeFilter` keeps the fingerprint of every request a job scheduled in
`JOBDIR/requests.seen` and reads it back at every start, forever. That is right while a
paused job has requests left to resume; once the job is done, the list only filters the
next run's home page, feed and sitemaps as "already seen", and the run archives nothing.
`requests.seen` is kept only while it belongs to a queue that will be resumed:

- a run that finishes normally (reason "finished") removes it: its queue is empty;
- a run that starts with no queued requests to resume (after a finished run, a SIGKILL,
  which never writes the queue's state, or a hand-made JOBDIR) starts with an empty list
  instead of the stale one, without the finished job's `spider.state` (which would tell
  an archive run its index had been read already), and without the old queue's files;
- a run that resumes takes the queue's state with it as it starts: the queue and the list
  change under it from then on, and only a clean end (finished or paused) writes the state
  again. A resumed run killed leaves no state, so the run after it starts afresh instead
  of resuming a queue and a list the kill left half written (which made it hang on a
  corrupt queue, and drop the killed run's unfetched requests as seen).

The spider's index pages, feeds and sitemaps are `dont_filter` as well (see the spider), so
even a JOBDIR that does resume old requests reads today's index pages.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from scrapy.dupefilters import RFPDupeFilter

logger = logging.getLogger(__name__)

SEEN = "requests.seen"
# What Scrapy's SpiderState extension keeps of `spider.state` between a pause and its resume;
# the scheduler is made (and this filter with it) before the extension reads it, at
# spider_opened. An archive run keeps there whether its index was already asked for.
SPIDER_STATE = "spider.state"
# Where Scrapy's scheduler writes the state of its disk queue when it closes (see
# scrapy.core.scheduler.Scheduler._write_dqs_state): the priorities, per download slot for
# the default DownloaderAwarePriorityQueue, that still hold requests.
QUEUE_STATE = Path("requests.queue", "active.json")


def has_pending(state: Any) -> bool:
    """Whether a disk-queue state names any queue that still holds requests."""
    if isinstance(state, dict):
        return any(has_pending(value) for value in state.values())
    if isinstance(state, list):
        return len(state) > 0
    return False


def resumable(jobdir: Path) -> bool:
    """Whether the scheduler will resume requests from this JOBDIR."""
    path = jobdir / QUEUE_STATE
    try:
        return has_pending(json.loads(path.read_text("utf-8")))
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as error:
        logger.warning("JOBDIR queue state %s is unreadable (%s): nothing to resume", path, error)
        return False


class JobDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter, with `requests.seen` cleared when no job is left to resume."""

    def __init__(self, path: str | None = None, debug: bool = False, **kwargs: Any) -> None:
        self.jobdir = Path(path) if path else None
        if self.jobdir is not None and not resumable(self.jobdir):
            left = [self.jobdir / name for name in (SEEN, SPIDER_STATE, QUEUE_STATE.parent)]
            left = [path for path in left if path.exists()]
            if left:
                logger.info(
                    "JOBDIR %s has no queued requests to resume: %s, left over from an"
                    " earlier job, cleared",
                    self.jobdir,
                    ", ".join(path.name for path in left),
                )
            for stale in left:
                if stale.is_dir():
                    # A SIGKILLed job's queue files: one cut before its size header was
                    # written cannot be opened (queuelib raises struct.error), and Scrapy
                    # loses, unlogged but for an asyncio traceback, every request this job
                    # would queue at that priority.
                    shutil.rmtree(stale)
                else:
                    stale.unlink()
        super().__init__(path, debug, **kwargs)

    def open(self) -> None:
        super().open()
        if self.jobdir is not None:
            # Scrapy's Scheduler.open reads the queue state (active.json) just before it
            # opens its filter: taken now, it is written again only by a clean end.
            (self.jobdir / QUEUE_STATE).unlink(missing_ok=True)

    def close(self, reason: str) -> None:
        super().close(reason)
        if self.jobdir is not None and reason == "finished":
            # The job is done and its queue empty: nothing is left for the list to guard.
            (self.jobdir / SEEN).unlink(missing_ok=True)
