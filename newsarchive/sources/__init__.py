"""Web archives as sources of golem.de pages: which captures exist, which are worth fetching.

A run with `-a source=wayback` or `-a source=commoncrawl` reads the archive's index for the
golem.de article URLs it captured in the period, picks the captures worth fetching and
fetches them raw; the spider then reads each capture like a live page. Each archive has its
own module (`wayback`, `commoncrawl`) that builds its requests and reads its responses; what
they share lives here: the `Capture` (one archived copy of one article page), the choice of
captures (`CapturePlan`) and the `-a every=` interval.

Captures of one article are fetched one after the other in capture order (a chain: the next
is requested once the previous has been read), so versions follow capture time.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from newsarchive.parsers.common import article_id, article_path_match, page_number

LIVE = "live"
ARCHIVES = ("wayback", "commoncrawl")
SOURCES = (LIVE, *ARCHIVES)

# Archive hosts (settings) and their defaults; every request of an archive run goes to one
# of them (robots.txt of each host is obeyed like the site's).
ARCHIVE_SETTINGS = {
    "wayback": {"WAYBACK_BASE_URL": "https://web.archive.org"},
    "commoncrawl": {
        "COMMONCRAWL_INDEX_URL": "https://index.commoncrawl.org",
        "COMMONCRAWL_DATA_URL": "https://data.commoncrawl.org",
    },
}

# The hosts golem.de's article pages were captured under.
GOLEM_HOSTS = frozenset({"www.golem.de", "golem.de"})

_TIMESTAMP = re.compile(r"^\d{14}$")
_EVERY = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_EVERY_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


class ArchiveResponseError(ValueError):
    """An archive's index or capture answer that does not read as the API promises."""


def parse_every(text: str) -> timedelta:
    """ "30d" → 30 days; hours (h), days (d) and weeks (w); at least one hour."""
    match = _EVERY.match(text or "")
    if not match or int(match[1]) == 0:
        raise ValueError(f"every={text!r}: give a positive interval such as 12h, 30d or 2w")
    return timedelta(**{_EVERY_UNITS[match[2]]: int(match[1])})


def parse_timestamp(stamp: str) -> datetime:
    """A 14-digit archive timestamp (UTC, as CDX indexes write them) → instant."""
    if not _TIMESTAMP.match(stamp or ""):
        raise ArchiveResponseError(f"capture timestamp {stamp!r} is no 14-digit timestamp")
    try:
        return datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError as error:
        raise ArchiveResponseError(f"capture timestamp {stamp!r}: {error}") from None


def timestamp_of(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def period_bounds(since: date, until: date) -> tuple[str, str]:
    """The period as the CDX `from`/`to` timestamps (both inclusive, to the second)."""
    return since.strftime("%Y%m%d000000"), until.strftime("%Y%m%d235959")


@dataclass(frozen=True)
class Capture:
    """One archived copy of an article's page 1, as an archive's index lists it.

    `key` names the capture in the state store (a capture archived once is not fetched
    again): the Wayback Machine's `urlkey timestamp`, Common Crawl's WARC file and offset.
    `locator` holds what fetching it takes beyond the URL (Common Crawl: file, offset,
    length). Plain data, so requests carrying it can wait in a JOBDIR queue.
    """

    source: str
    url: str
    timestamp: str
    digest: str | None
    key: str
    article_id: str
    locator: tuple[tuple[str, str], ...] = ()

    @property
    def captured_at(self) -> datetime:
        return parse_timestamp(self.timestamp)

    def located(self, name: str) -> str:
        return dict(self.locator)[name]

    def to_json(self) -> str:
        """The capture as the state store keeps one it still owes (see `from_json`)."""
        return json.dumps(
            {
                "source": self.source,
                "url": self.url,
                "timestamp": self.timestamp,
                "digest": self.digest,
                "key": self.key,
                "article_id": self.article_id,
                "locator": [list(pair) for pair in self.locator],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Capture:
        data = json.loads(text)
        locator = tuple((str(name), str(value)) for name, value in data.pop("locator"))
        capture = cls(**data, locator=locator)
        parse_timestamp(capture.timestamp)
        return capture


def article_capture(
    source: str,
    url: str,
    timestamp: str,
    digest: str | None,
    key: str,
    locator: tuple[tuple[str, str], ...] = (),
    *,
    page: int = 1,
) -> Capture | None:
    """A Capture of page `page` of an article; None for any other URL of the index (other
    pages of multi-page articles, sitemaps, images below /news/)."""
    if not url or not article_path_match(url) or page_number(url) != page:
        return None
    if (urlsplit(url).hostname or "") not in GOLEM_HOSTS:
        return None
    found = article_id(url)
    if found is None:
        return None
    parse_timestamp(timestamp)
    return Capture(source, url, timestamp, digest or None, key, found, locator)


# Why a capture is not fetched: a name for the stats (newsarchive/captures/<reason>).
Known = Callable[[Capture], str | None]


@dataclass
class CapturePlan:
    """Captures gathered from an archive's index pages, then chosen and ordered per article.

    Per article, in capture order: a capture whose digest an earlier chosen one had is the
    same bytes again (`duplicate_digest`); with `every`, a capture less than that interval
    after the last chosen one is left out (`within_interval`); `known` (the state store)
    names captures archived by earlier runs or older than the article's last version.
    """

    every: timedelta | None = None
    captures: dict[str, dict[str, Capture]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, captures: Iterable[Capture]) -> int:
        added = 0
        for capture in captures:
            # One entry per instant: the same capture listed twice (http and https, www and
            # not, a query string) is fetched once.
            if capture.timestamp not in self.captures[capture.article_id]:
                added += 1
            self.captures[capture.article_id].setdefault(capture.timestamp, capture)
        return added

    def same_bytes_later(self, capture: Capture) -> Capture | None:
        """The article's next capture with the same digest (left out as a duplicate of
        `capture`): what stands in for it when it cannot be fetched."""
        if not capture.digest:
            return None
        listed = self.captures.get(capture.article_id, {})
        return next(
            (
                listed[stamp]
                for stamp in sorted(listed)
                if stamp > capture.timestamp and listed[stamp].digest == capture.digest
            ),
            None,
        )

    def chains(self, known: Known | None = None) -> tuple[list[list[Capture]], dict[str, int]]:
        """Chosen captures per article in capture order, articles by their first capture;
        and how many were left out, by reason."""
        left_out: dict[str, int] = defaultdict(int)
        chains: list[list[Capture]] = []
        for article in sorted(self.captures):
            chosen: list[Capture] = []
            digests: set[str] = set()
            last: datetime | None = None
            for stamp in sorted(self.captures[article]):
                capture = self.captures[article][stamp]
                if capture.digest and capture.digest in digests:
                    left_out["duplicate_digest"] += 1
                    continue
                instant = capture.captured_at
                if self.every and last is not None and instant - last < self.every:
                    left_out["within_interval"] += 1
                    continue
                last = instant
                if capture.digest:
                    digests.add(capture.digest)
                # One archived before counts as chosen (for `every` and digests) all the same.
                reason = known(capture) if known else None
                if reason:
                    left_out[reason] += 1
                    continue
                chosen.append(capture)
            if chosen:
                chains.append(chosen)
        chains.sort(key=lambda chain: (chain[0].timestamp, chain[0].article_id))
        return chains, dict(left_out)


def open_source(
    name: str, setting: Callable[[str, str], str], since: date, until: date, page_size: int
):
    """The archive `name` (`wayback`, `commoncrawl`) with its hosts from the settings."""
    if name == "wayback":
        from newsarchive.sources.wayback import Wayback

        return Wayback(
            setting("WAYBACK_BASE_URL", ARCHIVE_SETTINGS["wayback"]["WAYBACK_BASE_URL"]),
            since,
            until,
            page_size,
        )
    if name == "commoncrawl":
        from newsarchive.sources.commoncrawl import CommonCrawl

        defaults = ARCHIVE_SETTINGS["commoncrawl"]
        return CommonCrawl(
            setting("COMMONCRAWL_INDEX_URL", defaults["COMMONCRAWL_INDEX_URL"]),
            setting("COMMONCRAWL_DATA_URL", defaults["COMMONCRAWL_DATA_URL"]),
            since,
            until,
        )
    raise ValueError(f"source={name!r}: one of {', '.join(SOURCES)}")
