"""What travels between components beside the records: the keys of `request.meta`, of an
item's `raw` values and of the spider's `origin` of an article, each declared once with who
writes it and who reads it.

Values stay plain (strings, numbers, datetimes, `sources.Capture`): requests are stored in a
JOBDIR queue and resumed, and the WARC writer records some meta (`NAVIGATION_META`). Scrapy's
own keys (`dont_retry`, `download_slot`, …) keep Scrapy's names and are not repeated here.
"""

from __future__ import annotations


class Meta:
    """Keys of `request.meta` (and so of `response.meta`)."""

    # Article requests ------------------------------------------------------------------
    ARTICLE_ID = "article_id"
    """The id in an article request's URL. Spider writes (`article_requests`); the incremental
    filter reads (known, alias, gone), the spider reads (backfill progress, its own links)."""
    LASTMOD = "lastmod"
    """The lastmod a sitemap gave an article. Spider writes; the incremental filter reads
    (evidence of change), the spider passes it on (`Raw.LASTMOD`)."""
    HOPS = "hops"
    """Article-to-article hops from an index page. Spider writes and reads (links it follows),
    the incremental filter reads (a known article's links); the WARC writer records it."""
    FOLLOW = "follow"
    """False: follow no links from this page (`-a urls=`). Spider writes and reads; the
    incremental filter reads."""
    FORCED = "forced"
    """True: write the article even when unchanged (`-a urls=`). Spider writes and passes it
    on (`Raw.FORCED`)."""
    MULTIPAGE = "multipage"
    """False: read this page alone, not its further pages (no newsarchive component writes
    it; a request made by hand may). Spider reads."""
    GONE_RECHECK = "gone_recheck"
    """The article answered 404/410 before. The incremental filter writes and reads (an answer
    now ends that)."""
    CONSENT_RETRY = "consent_retry"
    """A page asked for again after a consent wall. Spider writes and reads."""
    FETCHED_AT = "fetched_at"
    """The instant the response arrived. `FetchTimeMiddleware` writes (the replay handler:
    the record's WARC-Date); the spider reads (`crawled_at`, `seen_at`), the WARC writer
    reads (WARC-Date)."""

    # Sitemaps and index pages ----------------------------------------------------------
    SITEMAP = "sitemap"
    """The golem.de URL of a sitemap a sitemap index names. Spider writes; the incremental
    filter reads (sitemaps read to the end)."""
    SITEMAP_LASTMOD = "sitemap_lastmod"
    """The index's lastmod of that sitemap. Spider writes; the incremental filter reads."""
    RECENT = "recent"
    """True: this month's or last month's sitemap, read on every run. Spider writes; the
    incremental filter reads."""
    SITEMAP_SINCE = "sitemap_since"
    """Only entries newer than this (ISO instant) are new. The incremental filter writes; the
    spider reads; the WARC writer records it."""
    SITEMAP_COMPLETE = "sitemap_complete"
    """The sitemap was whole and read to its end. Spider writes (on the response); the
    incremental filter reads."""
    INDEX = "index"
    """True: the sitemap index. Spider writes and reads."""
    MONTH = "month"
    """The month (a date) of a monthly sitemap. Spider writes and reads."""
    ARCHIVE_MONTH = "archive_month"
    """The month (YYMM) of an archive page read for a missing sitemap. Spider writes and
    reads."""

    # Web archives and images -----------------------------------------------------------
    CAPTURE = "capture"
    """The `sources.Capture` a request fetches. The archive sources write; the spider reads."""
    WARC_RECORD = "warc_record"
    """True: a range request answered by one record of an archive's WARC file. Common Crawl
    writes; the WARC writer reads (stores that record as it came)."""
    INDEX_STEP = "index_step"
    """How far through its index queries a Common Crawl request is. Common Crawl writes and
    reads."""
    CRAWL = "crawl"
    """The Common Crawl crawl an index request asks. Common Crawl writes and reads."""
    IMAGE_URL = "image_url"
    """The image URL as the record states it. The images pipeline writes; no component reads
    it."""


# Request meta that steers the spider and depends on the order pages arrived in or on the
# state store: an article reached first over a related link (hops 1) follows no links of its
# own; an older month's sitemap is read only for entries newer than it was last read to
# (sitemap_since). The WARC writer records it beside each response and the replay gives it
# back (newsarchive/warc/), so a reparse, whose pages arrive in another order and which has
# no state, follows exactly the links the crawl followed.
NAVIGATION_META = (Meta.HOPS, Meta.SITEMAP_SINCE)


class Raw:
    """Keys of an item's `raw` dict: inputs of the pipelines that are no record field."""

    FETCHED_AT = "fetched_at"
    """The instant page 1 (or the index page) arrived. `items.article_item` and the spider
    (teasers) write; `DatePipeline` reads (`crawled_at`, `seen_at`, relative dates)."""
    PUBLISHED_DISPLAY = "published_display"
    """The date the page displays. `items.article_item` writes; `DatePipeline` reads."""
    PUBLISHED_MACHINE = "published_machine"
    """Machine-readable published values. `items.article_item` writes; `DatePipeline` reads."""
    MODIFIED_MACHINE = "modified_machine"
    """Machine-readable modified values. `items.article_item` writes; `DatePipeline` reads."""
    JSONLD_WALL_CLOCK = "jsonld_wall_clock"
    """The layout era's habit of giving Berlin wall-clock times in JSON-LD marked as UTC.
    `items.article_item` writes; `DatePipeline` reads where no displayed date tells."""
    CAPTURED_AT = "captured_at"
    """A web-archive capture's instant. Spider writes; `DatePipeline` reads."""
    CAPTURE = "capture"
    """The `sources.Capture` the article was read from. Spider writes; `StatePipeline` reads
    (versions follow capture time; captures read are remembered)."""
    LASTMOD = "lastmod"
    """The sitemap lastmod the request carried. Spider writes; `StatePipeline` reads."""
    FORCED = "forced"
    """Written even when unchanged (`-a urls=`). Spider writes; `StatePipeline` reads."""
    REQUESTED_ID = "requested_id"
    """The id of the URL the article was asked for (maybe an alias). Spider writes; the
    incremental filter reads (learns aliases)."""
    LINKS = "links"
    """The article links a run that follows links takes from it. Spider writes;
    `StatePipeline` reads (kept in the state with the record)."""


class Origin:
    """Keys of the spider's `origin` of an article: plain data written at its first page and
    read at each further page and when the item is made (it travels in `cb_kwargs`, so a
    JOBDIR queue keeps it)."""

    URL = "url"
    """The URL page 1 was fetched from (the record's `source_url`)."""
    FETCHED_AT = "fetched_at"
    """The instant page 1 arrived (`Raw.FETCHED_AT`)."""
    LASTMOD = "lastmod"
    """`Meta.LASTMOD` of page 1's request (`Raw.LASTMOD`)."""
    MULTIPAGE = "multipage"
    """`Meta.MULTIPAGE` of page 1's request: whether further pages are fetched."""
    FORCED = "forced"
    """`Meta.FORCED` of page 1's request (`Raw.FORCED`)."""
    REQUESTED_ID = "requested_id"
    """`Meta.ARTICLE_ID` of page 1's request (`Raw.REQUESTED_ID`)."""
    LINKS = "links"
    """The article links taken from page 1 (`Raw.LINKS`)."""
    SOURCE = "source"
    """A web-archive run's source (the record's `source`)."""
    CAPTURE = "capture"
    """The capture page 1 was read from (`Raw.CAPTURE`)."""
    CAPTURED_AT = "captured_at"
    """That capture's instant (`Raw.CAPTURED_AT`)."""
    CHAIN = "chain"
    """The article's captures still to read after this one, in capture order."""
