"""Downloader middlewares that keep the crawler polite: robots.txt for every request, and
the server's own word (Retry-After) on when to ask again."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater

from newsarchive.config import setting

logger = logging.getLogger(__name__)
RETRY_AFTER_STAT = "newsarchive/retry_after/{}"


class EveryRequestRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, with robots.txt deciding every request.

    Upstream (Scrapy 2.13-2.19, `RobotsTxtMiddleware.robot_parser`): the requests that arrive
    while a host's robots.txt is still being fetched all await the same pending Deferred. The
    first of them to resume receives the parser; awaiting a Deferred adds a callback that
    returns None, so every later one receives None, which the middleware reads as "no
    robots.txt": they are let through. A run's start requests (home page, feed, sitemaps)
    all wait for the one robots.txt, so all but one of them ignored it. Here each waiter gets
    its own Deferred, fed by a callback that passes the parser on unchanged.
    """

    async def robot_parser(self, request: Request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        mine: Deferred = Deferred()

        def hand_on(parser):
            mine.callback(parser)
            return parser

        pending.addCallback(hand_on)
        return await maybe_deferred_to_future(mine)


def retry_after_seconds(response: Response, now: datetime | None = None) -> float | None:
    """Seconds the server asks to wait (Retry-After: delta-seconds or HTTP-date), or None."""
    value = (response.headers.get(b"Retry-After") or b"").decode("latin-1").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting as long as a 429 or 503 asks before the retry.

    Scrapy retries at once, whatever Retry-After says. Here a retry of a 429 or 503 with
    Retry-After waits that long first (counted: `newsarchive/retry_after/waited`, `…/seconds`),
    up to NEWSARCHIVE_RETRY_AFTER_MAX seconds; a server that asks for longer is not asked
    again this run (`…/too_long`), and the response goes on as the failure it is. The wait
    holds the request's download slot, so the run also asks that server less meanwhile.
    """

    STATUSES = frozenset({429, 503})

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.max_wait = setting(settings, "NEWSARCHIVE_RETRY_AFTER_MAX", "getfloat")

    async def process_response(self, request: Request, response: Response, spider=None):
        wait = None
        if (
            response.status in self.STATUSES
            and response.status in self.retry_http_codes
            and not request.meta.get("dont_retry", False)
        ):
            wait = retry_after_seconds(response)
        if wait is None:
            return super().process_response(request, response)
        stats = self.crawler.stats
        if wait > self.max_wait:
            stats.inc_value(RETRY_AFTER_STAT.format("too_long"))
            logger.warning(
                "%s asks to wait %.0f s (Retry-After), more than NEWSARCHIVE_RETRY_AFTER_MAX"
                " (%.0f s): not retried",
                request,
                wait,
                self.max_wait,
            )
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        stats.inc_value(RETRY_AFTER_STAT.format("waited"))
        stats.inc_value(RETRY_AFTER_STAT.format("seconds"), wait)
        await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return retry
