"""Feed URI parameters: where and under which name a run's files go.

Used through `FEED_URI_PARAMS`, so the feeds in `settings.FEEDS` follow
`NEWSARCHIVE_OUTPUT_DIR` even when it is changed per run (`-s NEWSARCHIVE_OUTPUT_DIR=…`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def run_started(spider: Any) -> datetime:
    """The run's start instant, fixed once per spider so every file of a run shares it."""
    started = getattr(spider, "run_started_at", None)
    if started is None:
        started = datetime.now(UTC)
        spider.run_started_at = started
    return started


def uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    settings = spider.crawler.settings
    return {
        **params,
        "output_dir": settings.get("NEWSARCHIVE_OUTPUT_DIR").rstrip("/"),
        # 20261128T091453Z: sorts by time, no characters a shell or Windows dislikes.
        "run_id": run_started(spider).strftime("%Y%m%dT%H%M%SZ"),
    }
