"""Downloader middlewares that keep the crawler polite: robots.txt for every request, and
the server's own word (Retry-After) on when to ask again."""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


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
