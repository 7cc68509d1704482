"""All newsarchive defaults in one place.

Every setting can be overridden per run (`scrapy crawl golem -s NAME=value`) or through the
environment where noted. Scrapy's own settings keep their documented meaning.
"""

from __future__ import annotations

import os

from newsarchive.schema import export_fields, record_fields

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["newsarchive.spiders"]
NEWSPIDER_MODULE = "newsarchive.spiders"

# --- Where the site is -------------------------------------------------------------------
# Every request the spider builds or follows goes to this host (a replica in tests, the real
# site by default). Record URLs stay canonical golem.de URLs as the pages state them.
GOLEM_BASE_URL = os.environ.get("GOLEM_BASE_URL", "https://www.golem.de")

# --- Web archives (scrapy crawl golem -a source=wayback|commoncrawl; newsarchive/sources/) ---
# An archive run sends its requests to these hosts (and robots.txt of each is obeyed): the
# Wayback Machine's CDX index and raw captures, Common Crawl's URL index and WARC files.
WAYBACK_BASE_URL = os.environ.get("WAYBACK_BASE_URL", "https://web.archive.org")
COMMONCRAWL_INDEX_URL = os.environ.get("COMMONCRAWL_INDEX_URL", "https://index.commoncrawl.org")
COMMONCRAWL_DATA_URL = os.environ.get("COMMONCRAWL_DATA_URL", "https://data.commoncrawl.org")
# Rows per CDX query (`limit`); the rest comes with the resume key the answer ends with.
WAYBACK_CDX_PAGE_SIZE = 5000

# --- Output --------------------------------------------------------------------------------
# Folder of the JSON Lines files; one file per run and record kind, named by spider and
# run id (UTC start time, random suffix), written by `crawl` and `reparse` only. Feeds given
# with `-o` / `-O`, `-s FEEDS=…` or by Scrapyd are written beside them
# (newsarchive.feeds.archive_feeds).
NEWSARCHIVE_OUTPUT_DIR = os.environ.get("NEWSARCHIVE_OUTPUT_DIR", "output")
# The run id in every file name of a run: its UTC start second and a random suffix
# (20261128T091453Z-3fa2c1), chosen by the crawl command. NEWSARCHIVE_RUN_STARTED pins the
# start instant (ISO 8601); by default it is the moment the command starts.
NEWSARCHIVE_RUN_STARTED = None
NEWSARCHIVE_RUN_ID = None
FEED_URI_PARAMS = "newsarchive.feeds.uri_params"
NEWSARCHIVE_FEEDS = {
    "%(output_dir)s/%(name)s-%(run_id)s-articles.jsonl": {
        "format": "jsonlines",
        "encoding": "utf-8",
        "item_classes": ["newsarchive.items.ArticleItem"],
        "exclusive": True,  # created by this run, never shared (newsarchive/feeds.py)
        "fields": list(record_fields("article")),
    },
    "%(output_dir)s/%(name)s-%(run_id)s-teasers.jsonl": {
        "format": "jsonlines",
        "encoding": "utf-8",
        "item_classes": ["newsarchive.items.TeaserItem"],
        "exclusive": True,
        "fields": list(record_fields("teaser")),
    },
}
FEED_EXPORT_ENCODING = "utf-8"  # also for -o feeds: umlauts as they are, not \u00fc
# Only record fields reach a feed (items carry raw inputs for the pipelines as well); the
# run's own feeds above list each kind's fields in schema order, this covers -o / -O.
FEED_EXPORT_FIELDS = export_fields()
FEED_STORE_EMPTY = False
# `-o x.csv`: nested fields as JSON cells, not Python reprs (newsarchive/exporters.py).
FEED_EXPORTERS = {"csv": "newsarchive.exporters.JsonCellCsvItemExporter"}
# Local files written record by record, straight to the OS (see newsarchive/feeds.py), in
# `unfinished/` beside their final name and moved there whole when the run closes them, so
# the output folder holds only complete files (see newsarchive/unfinished.py).
FEED_STORAGES = {
    "": "newsarchive.unfinished.StagedFileFeedStorage",
    "file": "newsarchive.unfinished.StagedFileFeedStorage",
}
# Compress the run's feed files (.jsonl.gz), flushed per record so a kill loses nothing.
NEWSARCHIVE_GZIP = False

# Fetch each archived article's own images (golem.de hosts only, as polite as pages), store
# them by content as <output>/images/ab/abcd….jpg, record them in the WARC, and fill in each
# image's `path` and `checksum`. Costs one request per image of every new or changed article.
NEWSARCHIVE_IMAGES = False

# --- What persists between runs ----------------------------------------------------------
# SQLite state of archived articles (ids, hashes, versions); see newsarchive/state.py.
NEWSARCHIVE_STATE_DIR = os.environ.get("NEWSARCHIVE_STATE_DIR", "state")
# Off: every run archives everything it finds as version 1 and remembers nothing.
NEWSARCHIVE_STATE_ENABLED = True
# An archived article is fetched again when a sitemap or feed shows a newer lastmod, or,
# while it is younger than the window, when the interval has passed since its last check.
NEWSARCHIVE_RECHECK_WINDOW_HOURS = 72
NEWSARCHIVE_RECHECK_INTERVAL_HOURS = 6
# An article that answered 404 or 410 is asked again only after this many days (or when a
# sitemap shows a lastmod newer than that answer).
NEWSARCHIVE_GONE_RECHECK_DAYS = 30

# --- Pipelines: normalisation in order of concern, then validation ------------------------
ITEM_PIPELINES = {
    "newsarchive.pipelines.TextPipeline": 100,
    "newsarchive.pipelines.DatePipeline": 200,
    "newsarchive.pipelines.CaptionPipeline": 300,
    "newsarchive.pipelines.ContentHashPipeline": 400,
    "newsarchive.pipelines.ValidationPipeline": 500,
    "newsarchive.pipelines.StatePipeline": 600,
    # NEWSARCHIVE_IMAGES: the images of new and changed articles (newsarchive/images.py).
    "newsarchive.images.ArticleImagesPipeline": 650,
}
SPIDER_MIDDLEWARES = {
    # Leaves out article requests the state store says are unchanged (see state.py).
    "newsarchive.middlewares.IncrementalMiddleware": 950,
}

DOWNLOADER_MIDDLEWARES = {
    # Every request, redirects and robots.txt included, to GOLEM_BASE_URL's scheme, host and
    # port or nowhere (Scrapy's own offsite filter checks host names only).
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "newsarchive.offsite.SiteOnlyMiddleware": 50,
    # robots.txt for every request (Scrapy's own let all but one of the requests waiting
    # for a robots.txt through; see newsarchive/politeness.py).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newsarchive.politeness.EveryRequestRobotsTxtMiddleware": 100,
    # Retries of 429 and 503 wait as long as Retry-After asks, within a bound.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsarchive.politeness.RetryAfterMiddleware": 550,
    # Stamps each response with the instant it arrived: dates like "heute, 10:15 Uhr"
    # resolve against it, and it becomes crawled_at / seen_at.
    "newsarchive.middlewares.FetchTimeMiddleware": 950,
    # WARC of every response (see "WARC" below): after FetchTime has stamped it, before
    # decompression, redirects and retries change or drop it.
    "newsarchive.warc.WarcMiddleware": 940,
}

EXTENSIONS = {
    # Every write of a run checked: the feed storages, the state pipeline, the WARC writer
    # and the stats file report failures to it (newsarchive/writes.py).
    "newsarchive.writes.WriteLedger": 0,
    # The WARC files a reparse replays, indexed once (only when NEWSARCHIVE_REPLAY_WARCS
    # names some; newsarchive/warc/replay.py).
    "newsarchive.warc.replay.ReplayArchive": 0,
    # The state store (NEWSARCHIVE_STATE_ENABLED), found by the components that use it
    # through the crawler (newsarchive/state.py).
    "newsarchive.state.StateExtension": 50,
    "newsarchive.extensions.RunStats": 900,
    # Feeds a killed run left in `unfinished/`: repaired and moved into the output folder.
    "newsarchive.unfinished.RecoverUnfinishedFeeds": 100,
    # Spidermon, in the commands that write the archive only (see NEWSARCHIVE_COMMAND).
    "newsarchive.extensions.RunHealth": 500,
    # A status line while the run works (newsarchive/progress.py).
    "newsarchive.progress.Progress": 800,
    # Long-lived start-up objects out of the garbage collector's way (see extensions.py).
    "newsarchive.extensions.FreezeStartupObjects": 990,
}

# --- Run health (Spidermon) and the exit status of `scrapy crawl` -------------------------
# The project's crawl command (COMMANDS_MODULE) exits 1 when a monitor fails, 75 when
# another run holds the lock; see newsarchive/monitors.py and newsarchive/commands/crawl.py.
COMMANDS_MODULE = "newsarchive.commands"
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["newsarchive.monitors.HealthSuite"]
# Share of requests that may fail, and of records that may fail validation, in a run
# still called healthy.
NEWSARCHIVE_MAX_ERROR_RATE = 0.1
NEWSARCHIVE_MAX_DROP_RATE = 0.05
# The drift alarm: the run is unhealthy when more than this share of its articles was read
# by the generic parser or needed a fallback for a field its layout states (a redesign).
NEWSARCHIVE_MAX_FALLBACK_RATE = 0.05
# Seconds between two status lines while a run works (pages, articles, queue, errors, and in
# a backfill the months done and the time left); live on a terminal, plain lines in a log or
# under cron. 0: none.
NEWSARCHIVE_PROGRESS_INTERVAL = 10.0
# --- Alerts: Spidermon's own actions when a run is unhealthy (newsarchive/monitors.py) ------
# E-mail when SPIDERMON_EMAIL_TO is set (with SPIDERMON_EMAIL_SENDER and SPIDERMON_SMTP_HOST,
# _PORT, _USER, _PASSWORD, _ENFORCE_TLS / _SSL), Slack when SPIDERMON_SLACK_RECIPIENTS is
# (with SPIDERMON_SLACK_SENDER_TOKEN and _SENDER_NAME), and any other Spidermon action by its
# path in NEWSARCHIVE_ALERT_ACTIONS. SPIDERMON_EMAIL_FAKE / _SLACK_FAKE: log instead of send.
# Each may be given with -s or in the environment (an env file, so that passwords stay out
# of the crontab and the process list: contrib/newsarchive-cron reads DIR/newsarchive.env).
NEWSARCHIVE_ALERT_ACTIONS: list[str] = []
for _name in (
    "SPIDERMON_EMAIL_TO",
    "SPIDERMON_EMAIL_SENDER",
    "SPIDERMON_EMAIL_SUBJECT",
    "SPIDERMON_EMAIL_FAKE",
    "SPIDERMON_SMTP_HOST",
    "SPIDERMON_SMTP_PORT",
    "SPIDERMON_SMTP_USER",
    "SPIDERMON_SMTP_PASSWORD",
    "SPIDERMON_SMTP_ENFORCE_TLS",
    "SPIDERMON_SMTP_ENFORCE_SSL",
    "SPIDERMON_SLACK_SENDER_TOKEN",
    "SPIDERMON_SLACK_SENDER_NAME",
    "SPIDERMON_SLACK_RECIPIENTS",
    "SPIDERMON_SLACK_FAKE",
):
    if os.environ.get(_name):
        globals()[_name] = os.environ[_name]

# One log file per run (<spider>-<run_id>.log); empty: log to stderr as Scrapy does.
NEWSARCHIVE_LOG_DIR = os.environ.get("NEWSARCHIVE_LOG_DIR", "logs")

# --- Politeness -----------------------------------------------------------------------------
# Who to tell when the crawler misbehaves; goes into the User-Agent, which the add-on
# (newsarchive/addons.py) builds once `-s` is known. A USER_AGENT set here or with -s wins.
NEWSARCHIVE_CONTACT = os.environ.get("NEWSARCHIVE_CONTACT", "newsarchive@example.org")
ADDONS = {"newsarchive.addons.DerivedSettings": 0}
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# A 429 or 503 retry waits as long as its Retry-After asks, up to this many seconds; a server
# that asks for longer is not asked again for that page this run.
NEWSARCHIVE_RETRY_AFTER_MAX = 120
# A web-archive capture whose fetch fails after the retries is owed to the next run over its
# period, and the article's later captures wait for it (so versions are numbered in capture
# order) until it has failed in this many runs; after that they go on without it.
NEWSARCHIVE_CAPTURE_HOLD_RUNS = 3
# The largest golem.de pages are ~430 KB and a monthly sitemap ~1 MB: a response, or a
# compressed one once inflated (HttpCompressionMiddleware stops decompressing at this size),
# beyond 10 MiB is refused, and one beyond 2 MiB logged (Scrapy's defaults: 1 GiB, 32 MiB).
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# 404 and 410 reach the spider so they can be counted per article instead of vanishing.
HTTPERROR_ALLOWED_CODES = [404, 410]

# The consent cookie public scrapers send to pass golem.de's consent interstitial
# (golem-facts.md); the spider sets it on every request, with today's date.
GOLEM_CONSENT_COOKIE = "golem_consent20"

# --- Discovery ------------------------------------------------------------------------------
# How many article-to-article hops (related and next-read teasers) the default run follows
# beyond the articles its index pages, feeds and sitemaps name. 0: none. Backfill, topic and
# URL runs follow none: they keep to the scope they were given.
NEWSARCHIVE_FOLLOW_HOPS = 1
# Ask for long articles on one page (cookie golem_multipage=single); next-page links are
# followed either way, so this only saves requests where the site honours it.
GOLEM_MULTIPAGE_SINGLE = True
# Sitemaps that sitemap indexes may add in one run (golem.de has one per month since 2000).
NEWSARCHIVE_MAX_SITEMAPS = 1000
# A multi-page article with more pages than this is reported, not archived (a loop guard).
NEWSARCHIVE_MAX_PAGES = 50

# --- WARC: the raw pages, and reparse from them (newsarchive/warc/) --------------------
# Every response of a run (articles, index pages, feeds, sitemaps, robots.txt), with its
# request, goes into gzip WARC 1.1 files beside the feeds: <spider>-<run_id>-00000.warc.gz.
# `scrapy reparse FILE...` rebuilds the run's records from them, offline.
NEWSARCHIVE_WARC_ENABLED = True
# A WARC file is closed, and the next (-00001, ...) begun, once it holds this many bytes.
NEWSARCHIVE_WARC_MAX_BYTES = 1_000_000_000
# Pins the run's clock (an ISO 8601 instant; newsarchive/clock.py): reparse sets it to the
# recorded run's start, so the requests that depend on the date (this month's sitemap) are
# the recorded ones; tests set it to the day their replica was built for.
NEWSARCHIVE_NOW = None
# WARC files a reparse answers requests from (set by `scrapy reparse`, read by its handler).
NEWSARCHIVE_REPLAY_WARCS: list[str] = []

# --- Housekeeping ----------------------------------------------------------------------------
# `scrapy check`: the callbacks' contracts run offline on the checkout's saved pages.
SPIDER_CONTRACTS = {
    "newsarchive.contracts.FixtureContract": 10,
    "newsarchive.contracts.FilledContract": 10,
}
# The running command, set by `crawl` and `reparse` (newsarchive/commands/). Only under those
# do the feeds, WARC, stats file, state store and health monitors exist: `scrapy shell`,
# `fetch`, `parse`, `bench` and `check` write nothing into the archive.
NEWSARCHIVE_COMMAND = None
# Scrapy's duplicate filter, except that a JOBDIR's list of seen requests is kept only while
# there is a queue to resume (newsarchive/dupefilter.py): a finished job never silences the
# next run that uses the same JOBDIR.
DUPEFILTER_CLASS = "newsarchive.dupefilter.JobDupeFilter"
# Scrapy's scheduler with its queue of waiting requests on disk even without a JOBDIR
# (newsarchive/scheduler.py): memory stays flat however many articles the sitemaps list.
SCHEDULER = "newsarchive.scheduler.SpillingScheduler"
NEWSARCHIVE_QUEUE_ON_DISK = True
# The folder of the runs' request queues (each run its own, removed when it ends); empty:
# `queue/` in NEWSARCHIVE_STATE_DIR.
NEWSARCHIVE_QUEUE_DIR = os.environ.get("NEWSARCHIVE_QUEUE_DIR", "")
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = os.environ.get("NEWSARCHIVE_LOG_LEVEL", "INFO")
TELNETCONSOLE_ENABLED = False
# Items of one response processed at once. The pipelines are synchronous, so more buys
# nothing, while Scrapy starts one asyncio task per slot for every response (default 100:
# ~100 tasks a page, a tenth of a crawl's time). With the spider's discovery independent
# of the order outputs arrive in, a lower number changes no record.
CONCURRENT_ITEMS = 4
# Scrapy's check that a callback generator returns no value parses the callback's source;
# its cache is keyed by the bound method, new for every request, so it ran for every
# response (~0.2 ms each). The spider's callbacks return no value (a development check).
WARN_ON_GENERATOR_RETURN_VALUE = False
