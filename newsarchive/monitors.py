"""Run health, checked by Spidermon monitors when the spider closes.

Each monitor states one condition of a healthy unattended run. Their failures are
recorded in the stats (`newsarchive/health/failures`) by `RecordHealth`; the project's
`crawl` command turns them into the exit status and prints one line per reason.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapy.utils.misc import load_object
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.core.actions import Action
from spidermon.exceptions import NotConfigured as SpidermonNotConfigured

from newsarchive.config import setting
from newsarchive.writes import FIRST_WRITE_ERROR

logger = logging.getLogger(__name__)


HEALTH_FAILURES = "newsarchive/health/failures"
HEALTH_VERDICT = "newsarchive/health/verdict"
ERRORS = "newsarchive/errors/"
# RobotsTxtMiddleware counts its failed robots.txt request as
# "robotstxt/exception_count/<class 'module.Name'>" (once per request, after retries).
ROBOTS_ERRORS = "robotstxt/exception_count/"
# Failures of a whole request as a person reads them; other kinds keep their own name.
FAILURE_PHRASES = {
    "CannotResolveHostError": "DNS lookup failed",
    "DNSLookupError": "DNS lookup failed",
    "DownloadConnectionRefusedError": "connection refused",
    "ConnectionRefusedError": "connection refused",
    "DownloadTimeoutError": "timed out",
    "TimeoutError": "timed out",
    "TCPTimedOutError": "timed out",
    "DownloadFailedError": "connection failed",
    "ConnectError": "connection failed",
    "ConnectionLost": "connection lost",
    "ResponseNeverReceived": "no response",
    "ResponseDataLossError": "response cut short",
}
# Sources of article links: when none of them could be read, "no links found" says nothing.
INDEX_SOURCES = ("newsarchive/index_pages", "newsarchive/feeds", "newsarchive/sitemaps")


def stat_total(stats: dict, prefix: str) -> int:
    """The sum of every counter under a prefix (errors by kind, drops by reason)."""
    return sum(
        value for key, value in stats.items() if key.startswith(prefix) and isinstance(value, int)
    )


def failure_phrase(kind: str) -> str:
    """`http_404` → "HTTP 404", `DownloadConnectionRefusedError` → "connection refused"."""
    if kind.startswith("http_"):
        return f"HTTP {kind[5:]}"
    return FAILURE_PHRASES.get(kind, kind)


@dataclass
class RequestOutcome:
    """A run's requests and how many of them failed, each request counted once.

    `downloader/request_count` counts attempts: a request retried twice is three. Requests
    are attempts less retries. Failures are counted once per request where its last attempt
    failed: the spider's errback (`newsarchive/errors/<kind>`), robots.txt
    (`robotstxt/exception_count/…`), and callbacks that raised.
    """

    requests: int
    attempts: int
    by_kind: Counter = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        return sum(self.by_kind.values())

    @property
    def share(self) -> float:
        return self.failed / self.requests if self.requests else 0.0

    def kinds_text(self) -> str:
        return ", ".join(f"{kind} {n}" for kind, n in self.by_kind.most_common())


def request_outcome(stats: dict) -> RequestOutcome:
    attempts = stats.get("downloader/request_count", 0)
    by_kind: Counter = Counter()
    for key, value in stats.items():
        if not isinstance(value, int):
            continue
        if key.startswith(ERRORS):
            by_kind[failure_phrase(key[len(ERRORS) :])] += value
        elif key.startswith(ROBOTS_ERRORS):
            name = key[len(ROBOTS_ERRORS) :].strip("<>'").removeprefix("class '").rsplit(".")[-1]
            by_kind[failure_phrase(name)] += value
        elif key.startswith("spider_exceptions/") and key != "spider_exceptions/count":
            by_kind[f"callback raised {key.rsplit('/', 1)[-1]}"] += value
    requests = max(attempts - stats.get("retry/count", 0), by_kind.total())
    return RequestOutcome(requests, attempts, by_kind)


def host_of(base_url: str | None) -> str:
    return urlsplit(base_url or "https://www.golem.de").netloc or "www.golem.de"


WRITES_FAILED = "writes failed, first:"


def write_failure(stats: dict) -> str | None:
    """Why the run's files are not complete, or None: any failed feed, WARC, state or stats
    write (newsarchive.writes), or a feed Scrapy could not store."""
    failed = stat_total(stats, "newsarchive/write_errors/")
    if failed:
        return f"{failed} {WRITES_FAILED} {stats.get(FIRST_WRITE_ERROR)}"
    unstored = stat_total(stats, "feedexport/failed_count/")
    if unstored:
        return f"{unstored} feeds could not be stored (see the log)"
    return None


@monitors.name("newsarchive run health")
class RunHealthMonitor(Monitor):
    longMessage = False  # report our message alone, not "False is not true : …"

    @property
    def stats(self) -> dict:
        return self.data.stats

    def limit(self, name: str) -> float:
        """A share the run may reach and still be healthy (settings.py holds the defaults)."""
        return setting(self.data.crawler.settings, name, "getfloat")

    @property
    def outcome(self) -> RequestOutcome:
        return request_outcome(self.stats)

    def unreachable(self) -> bool:
        """Nothing came back at all, and requests failed: the site was never reached."""
        return self.stats.get("response_received_count", 0) == 0 and self.outcome.failed > 0

    @monitors.name("the site was reached")
    def test_connected(self):
        if self.unreachable():
            host = host_of(self.data.crawler.settings.get("GOLEM_BASE_URL"))
            kinds = ", ".join(self.outcome.by_kind)
            self.fail(f"cannot reach {host}: {kinds}")

    @monitors.name("the run finished")
    def test_finished(self):
        reason = self.stats.get("finish_reason")
        self.assertEqual(reason, "finished", f"finish reason is {reason!r}, not 'finished'")

    @monitors.name("every write reached the disk")
    def test_writes(self):
        failure = write_failure(self.stats)
        self.assertIsNone(failure, failure)

    @monitors.name("articles were found")
    def test_found_articles(self):
        discovered = self.stats.get("newsarchive/articles/discovered", 0)
        handled = sum(
            self.stats.get(f"newsarchive/articles/{kind}", 0)
            for kind in ("new", "changed", "unchanged", "skipped")
        )
        if self.unreachable():
            self.skipTest("the site was not reached")  # said by test_connected
        if discovered == 0 and not sum(self.stats.get(key, 0) for key in INDEX_SOURCES):
            self.fail("no index page, feed or sitemap could be read")
        self.assertTrue(
            discovered > 0,
            "no article links found on any index page, feed or sitemap read"
            " (a sign the site's layout changed)",
        )
        self.assertTrue(
            handled > 0,
            f"{discovered} article links found, but no article archived or known unchanged",
        )

    @monitors.name("every capture chosen was fetched")
    def test_captures_fetched(self):
        """A web-archive run that could not fetch a capture it chose, or could not read the
        archive's index to its end, lost nothing for good (the state store owes the
        captures to the next run over the period) but did not archive the period either."""
        problems = []
        failed = self.stats.get("newsarchive/captures/failed", 0)
        if failed:
            prefix = "newsarchive/captures/failed/"
            kinds = Counter(
                {
                    failure_phrase(key[len(prefix) :]): value
                    for key, value in self.stats.items()
                    if key.startswith(prefix)
                }
            )
            held = self.stats.get("newsarchive/captures/held_back", 0)
            problems.append(
                f"{failed} capture{'s' if failed != 1 else ''} could not be fetched"
                f" ({', '.join(f'{k} {n}' for k, n in kinds.most_common())})"
                + (f", {held} later captures of the same articles held back" if held else "")
                + ": owed in the state store, the next run over this period fetches them"
            )
        index_failed = sum(
            value
            for key, value in self.stats.items()
            if key.startswith("newsarchive/") and key.endswith("/index_failed")
        )
        if index_failed:
            problems.append(
                f"the archive's index was not read to its end ({index_failed} answers failed):"
                " the next run over this period lists the captures it left out"
            )
        if problems:
            self.fail("; ".join(problems))

    @monitors.name("no consent wall")
    def test_no_consent_wall(self):
        walls = self.stats.get("newsarchive/consent_wall", 0)
        self.assertEqual(
            walls, 0, f"consent wall hit {walls} times: the consent cookie no longer works"
        )

    @monitors.name("error rate")
    def test_error_rate(self):
        # Failed requests, and callbacks that raised (a parser tripping over new markup).
        outcome = self.outcome
        limit = self.limit("NEWSARCHIVE_MAX_ERROR_RATE")
        self.assertLessEqual(
            outcome.share,
            limit,
            f"{outcome.failed} of {outcome.requests} requests failed"
            f" ({outcome.share:.0%}, limit {limit:.0%}): {outcome.kinds_text()}",
        )

    @monitors.name("layout drift")
    def test_layout_drift(self):
        """Articles read by the generic parser or through a fallback for a field their layout
        states: the day golem.de changes its markup, this says which fields it touched."""
        read = self.stats.get("newsarchive/read/articles", 0)
        fell_back = self.stats.get("newsarchive/read/with_fallbacks", 0)
        limit = self.limit("NEWSARCHIVE_MAX_FALLBACK_RATE")
        if not read or fell_back / read <= limit:
            return
        generic = self.stats.get("newsarchive/layout/generic", 0)
        prefix = "newsarchive/fallback/"
        fields = sorted(
            (
                (key.removeprefix(prefix), n)
                for key, n in self.stats.items()
                if key.startswith(prefix)
            ),
            key=lambda pair: (-pair[1], pair[0]),
        )
        parts = [f"{generic} in no known layout"] if generic else []
        if fields:
            parts.append("fields from fallbacks: " + ", ".join(f"{f} {n}" for f, n in fields))
        self.fail(
            f"{fell_back} of {read} articles read through fallbacks (limit {limit:.0%}): "
            + "; ".join(parts)
            + " — golem.de's markup may have changed"
        )

    @monitors.name("validation drops")
    def test_drop_rate(self):
        dropped = stat_total(self.stats, "newsarchive/dropped/")
        attempted = dropped + self.stats.get("item_scraped_count", 0)
        limit = self.limit("NEWSARCHIVE_MAX_DROP_RATE")
        rate = dropped / attempted if attempted else 0.0
        self.assertLessEqual(
            rate, limit, f"{dropped} of {attempted} records failed validation (limit {limit:.0%})"
        )


def failure_reasons(result) -> list[str]:
    """The failed monitors' messages, one line each."""
    return [str(failed.reason).split("\n")[0] for failed in result.monitors_failed_results]


class RecordHealth(Action):
    """Put the failed monitors' messages into the stats, where the crawl command reads them;
    an alert that could not be set up is a failure of the run's health as well."""

    def run_action(self):
        stats = self.data.crawler.stats
        failures = failure_reasons(self.result) + list(stats.get_value(ALERT_ERRORS, []))
        stats.set_value(HEALTH_FAILURES, failures)
        # Where a Scrapyd user looks: the job's log (its end, with the stats dump after it)
        # and a stats key; Scrapyd itself calls every job that ended "finished".
        stats.set_value(HEALTH_VERDICT, "unhealthy" if failures else "healthy")
        for failure in failures:
            logger.error("UNHEALTHY: %s", failure)
        logger.info("run %s", "unhealthy" if failures else "healthy")


# --- Alerts: Spidermon's own actions, run when a monitor failed -----------------------------
ALERT_ERRORS = "newsarchive/health/alert_errors"
SLACK_ALERT = "spidermon.contrib.actions.slack.notifiers.SendSlackMessageSpiderFinished"


def alert_actions(settings) -> list[str]:
    """The alert actions the settings ask for: e-mail when SPIDERMON_EMAIL_TO is set, Slack
    when SPIDERMON_SLACK_RECIPIENTS is, and any Spidermon action named in
    NEWSARCHIVE_ALERT_ACTIONS (Telegram, Discord, Sentry, ...)."""
    actions = []
    if settings.getlist("SPIDERMON_EMAIL_TO"):
        actions.append("newsarchive.alerts.EmailAlert")
    if settings.getlist("SPIDERMON_SLACK_RECIPIENTS"):
        actions.append(SLACK_ALERT)
    actions += settings.getlist("NEWSARCHIVE_ALERT_ACTIONS")
    return actions


def configured_alerts(crawler) -> list[Action]:
    """The alert actions, made from the crawler's settings. One that cannot be made (a
    setting missing, its library not installed) is logged and makes the run unhealthy: a
    run whose alerts cannot reach anyone is no healthy unattended run."""
    made, errors = [], []
    for path in alert_actions(crawler.settings):
        try:
            made.append(load_object(path).from_crawler(crawler))
        except (SpidermonNotConfigured, ImportError, NameError, ValueError) as error:
            errors.append(f"alert {path.rsplit('.', 1)[-1]} is not set up: {error}")
    for error in errors:
        logger.error(error)
    if errors:
        crawler.stats.set_value(ALERT_ERRORS, errors)
    return made


class HealthSuite(MonitorSuite):
    monitors = [RunHealthMonitor]
    monitors_finished_actions = [RecordHealth]

    def __init__(self, *args, crawler=None, **kwargs):
        alerts = configured_alerts(crawler) if crawler is not None else []
        kwargs["monitors_failed_actions"] = [
            *alerts,
            *(kwargs.get("monitors_failed_actions") or []),
        ]
        super().__init__(*args, crawler=crawler, **kwargs)
