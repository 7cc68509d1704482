"""Nothing off-site: every request goes to `GOLEM_BASE_URL`'s scheme, host and port.

Scrapy's own OffsiteMiddleware (a downloader middleware since 2.11.2) filters by host name
only, lets any port and scheme of an allowed host through, and waves through requests with
`dont_filter` (which redirects inherit from the request they follow). `SiteOnlyMiddleware`
keeps its place, its hook on `request_scheduled` and its stats, and decides by origin
instead, for every request: the spider's own, the ones RedirectMiddleware makes (they are
scheduled like any other and pass here again, as does each hop of a robots.txt redirect),
and robots.txt itself.
"""

from __future__ import annotations

import logging
from urllib.parse import SplitResult, urlsplit

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from newsarchive.feeds import archiving
from newsarchive.sources import ARCHIVE_SETTINGS

logger = logging.getLogger(__name__)

SITE = "https://www.golem.de"  # GOLEM_BASE_URL when no setting names one
REAL_SITE = ("https", "www.golem.de", 443)
# The real site serves its RSS feed from this origin; a replica or mirror serves it
# from GOLEM_BASE_URL like everything else (the spider maps the host there).
REAL_FEED_ORIGIN = ("https", "rss.golem.de", 443)
DEFAULT_PORTS = {"http": 80, "https": 443}
REFUSED_STAT = "newsarchive/offsite/refused"

Origin = tuple[str, str, int | None]


def origin(parts: SplitResult) -> Origin:
    """(scheme, host, port) with the scheme's default port filled in; a URL whose port is
    no number has no origin anything else matches."""
    try:
        port = parts.port
    except ValueError:
        return ("", "", -1)
    scheme = parts.scheme.lower()
    return (scheme, (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme))


def site_origins(base_url: str) -> frozenset[Origin]:
    """The origins a run with this GOLEM_BASE_URL may request."""
    base = origin(urlsplit(base_url))
    return frozenset({base, REAL_FEED_ORIGIN}) if base == REAL_SITE else frozenset({base})


class OffsiteRequest(IgnoreRequest):
    """A request to an origin other than GOLEM_BASE_URL's, refused before it was sent."""


class SiteOnlyMiddleware(OffsiteMiddleware):
    """Refuse, count (`newsarchive/offsite/refused`) and log every request whose scheme,
    host or port is not GOLEM_BASE_URL's (in an archive run: not the archive's hosts').

    `file://` URLs are local reads, no requests to any host: they pass only in a run that
    was given `file://` pages to re-archive (`-a urls=file://…`), never from a link, and in
    the commands that look at a page without archiving it (`scrapy parse FILE-URL`).
    """

    def spider_opened(self, spider: Spider) -> None:
        settings = self.crawler.settings
        self.allowed = site_origins(settings.get("GOLEM_BASE_URL") or SITE)
        # An archive run (-a source=wayback|commoncrawl) asks the archive's hosts instead.
        archive = ARCHIVE_SETTINGS.get(getattr(spider, "source", None) or "", {})
        for name, default in archive.items():
            self.allowed |= {origin(urlsplit(settings.get(name) or default))}
        given = getattr(spider, "urls", None) or []
        # `scrapy parse`, `shell`, `fetch` and `check` read the page they are given (the
        # contracts' saved pages among them); they archive nothing.
        self.files_allowed = any(url.startswith("file:") for url in given) or not archiving(
            settings
        )
        self.origins_refused: set[Origin] = set()

    def should_follow(self, request: Request, spider: Spider) -> bool:
        parts = urlparse_cached(request)
        if parts.scheme == "file":
            return self.files_allowed
        return origin(parts) in self.allowed

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        # No exemption for dont_filter or allow_offsite: no request is let off the site.
        if self.should_follow(request, self.crawler.spider):
            return
        refused = origin(urlparse_cached(request))
        first = refused not in self.origins_refused
        if first:  # one warning per origin, the others at debug level: the count has them all
            self.origins_refused.add(refused)
            self.stats.inc_value("offsite/domains")
        logger.log(
            logging.WARNING if first else logging.DEBUG,
            "refused, not GOLEM_BASE_URL's scheme, host and port: %s",
            request,
        )
        self.stats.inc_value("offsite/filtered")
        self.stats.inc_value(REFUSED_STAT)
        raise OffsiteRequest(f"off the site: {request.url}")
