"""What the WARC writer and the replay agree on: extra WARC fields, the settings a warcinfo
record names, and the WARC-Date format."""

from __future__ import annotations

from datetime import UTC, datetime

WARC_VERSION = "1.1"
# Settings a warcinfo record names: what shaped the run. The REPLAYED ones change which
# requests the spider makes or how responses are handled, so a reparse applies them again.
REPLAYED_SETTINGS = (
    "GOLEM_BASE_URL",
    "WAYBACK_BASE_URL",
    "COMMONCRAWL_INDEX_URL",
    "COMMONCRAWL_DATA_URL",
    "WAYBACK_CDX_PAGE_SIZE",
    "GOLEM_CONSENT_COOKIE",
    "GOLEM_MULTIPAGE_SINGLE",
    "NEWSARCHIVE_FOLLOW_HOPS",
    "NEWSARCHIVE_MAX_PAGES",
    "HTTPERROR_ALLOWED_CODES",
    "REDIRECT_ENABLED",
    "REDIRECT_MAX_TIMES",
    "RETRY_ENABLED",
    "RETRY_TIMES",
    "RETRY_HTTP_CODES",
    "NEWSARCHIVE_NOW",  # a run on a pinned clock is replayed on the same clock
)
RECORDED_SETTINGS = (
    *REPLAYED_SETTINGS,
    "USER_AGENT",
    "ROBOTSTXT_OBEY",
    "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_ENABLED",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_TIMEOUT",
    "NEWSARCHIVE_STATE_ENABLED",
    "NEWSARCHIVE_WARC_MAX_BYTES",
)

# The WARC field that holds, as JSON, the request meta a reparse gives back to the spider
# (newsarchive.meta.NAVIGATION_META).
NAVIGATION_FIELD = "Newsarchive-Meta"
# On the metadata record that follows an archive's original record: the Range requested.
RANGE_FIELD = "Newsarchive-Range"


def warc_date(instant: datetime) -> str:
    """WARC 1.1 date with microseconds, so the instant round-trips exactly."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def header_text(value: bytes | str) -> str:
    """A header name or value as text: bytes map one to one onto latin-1 characters."""
    return value.decode("latin-1") if isinstance(value, bytes) else value
