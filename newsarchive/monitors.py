"""Run health, checked by Spidermon monitors when the spider closes.

Each monitor states one condition of a healthy unattended run. Their failures are
recorded in the stats (`newsarchive/health/failures`) by `RecordHealth`; the project's
`crawl` command turns them into the exit status and prints one line per reason.
"""

from __future__ import annotations

from spidermon import Monitor, MonitorSuite, monitors
from spidermon.core.actions import Action

HEALTH_FAILURES = "newsarchive/health/failures"


def stat_total(stats: dict, prefix: str) -> int:
    """The sum of every counter under a prefix (errors by kind, drops by reason)."""
    return sum(
        value for key, value in stats.items() if key.startswith(prefix) and isinstance(value, int)
    )


@monitors.name("newsarchive run health")
class RunHealthMonitor(Monitor):
    longMessage = False  # report our message alone, not "False is not true : …"

    @property
    def stats(self) -> dict:
        return self.data.stats

    def setting(self, name: str, default: float) -> float:
        return self.data.crawler.settings.getfloat(name, default)

    @monitors.name("the run finished")
    def test_finished(self):
        reason = self.stats.get("finish_reason")
        self.assertEqual(reason, "finished", f"finish reason is {reason!r}, not 'finished'")

    @monitors.name("articles were found")
    def test_found_articles(self):
        discovered = self.stats.get("newsarchive/articles/discovered", 0)
        handled = sum(
            self.stats.get(f"newsarchive/articles/{kind}", 0)
            for kind in ("new", "changed", "unchanged", "skipped")
        )
        self.assertTrue(discovered > 0, "no article links found on any index page, feed or sitemap")
        self.assertTrue(
            handled > 0,
            f"{discovered} article links found, but no article archived or known unchanged",
        )

    @monitors.name("no consent wall")
    def test_no_consent_wall(self):
        walls = self.stats.get("newsarchive/consent_wall", 0)
        self.assertEqual(
            walls, 0, f"consent wall hit {walls} times: the consent cookie no longer works"
        )

    @monitors.name("error rate")
    def test_error_rate(self):
        # Failed requests, and callbacks that raised (a parser tripping over new markup).
        errors = stat_total(self.stats, "newsarchive/errors/") + self.stats.get(
            "spider_exceptions/count", 0
        )
        requests = max(self.stats.get("downloader/request_count", 0), 1)
        limit = self.setting("NEWSARCHIVE_MAX_ERROR_RATE", 0.1)
        self.assertLessEqual(
            errors / requests, limit, f"{errors} of {requests} requests failed (limit {limit:.0%})"
        )

    @monitors.name("validation drops")
    def test_drop_rate(self):
        dropped = stat_total(self.stats, "newsarchive/dropped/")
        attempted = dropped + self.stats.get("item_scraped_count", 0)
        limit = self.setting("NEWSARCHIVE_MAX_DROP_RATE", 0.05)
        rate = dropped / attempted if attempted else 0.0
        self.assertLessEqual(
            rate, limit, f"{dropped} of {attempted} records failed validation (limit {limit:.0%})"
        )


class RecordHealth(Action):
    """Put the failed monitors' messages into the stats, where the crawl command reads them."""

    def run_action(self):
        failures = [
            str(result.reason).split("\n")[0] for result in self.result.monitors_failed_results
        ]
        self.data.crawler.stats.set_value(HEALTH_FAILURES, failures)


class HealthSuite(MonitorSuite):
    monitors = [RunHealthMonitor]
    monitors_finished_actions = [RecordHealth]
