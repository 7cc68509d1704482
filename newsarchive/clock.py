"""The run's clock: what a run takes as "now" for every decision that depends on the date.

Which sitemaps are this month's, which articles are young enough to be checked again, when
a gone article is due, and the instants the state store keeps all read this clock.
`NEWSARCHIVE_NOW` pins it (an ISO 8601 instant): `scrapy reparse` replays a run at its
recorded start, and tests run against a replica built for a fixed day. The instant a
response arrived (`crawled_at`) is never pinned: it says when the bytes were fetched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def pinned_now(settings) -> datetime | None:
    """The instant `NEWSARCHIVE_NOW` pins the clock to, or None for the wall clock.

    The value was validated before the crawl started (`newsarchive.arguments`).
    """
    value = settings.get("NEWSARCHIVE_NOW")
    if not value:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def run_clock(settings=None) -> Callable[[], datetime]:
    """A function that gives the run's "now": the pinned instant, or the wall clock (also
    for a component made without settings, as unit tests make some)."""
    pinned = pinned_now(settings) if settings is not None else None
    if pinned is None:
        return lambda: datetime.now(UTC)
    return lambda: pinned
