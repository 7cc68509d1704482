"""The e-mail alert: Spidermon's SMTP action with a useful subject and body by default.

Its own module, imported only when `SPIDERMON_EMAIL_TO` asks for e-mail (see
`newsarchive.monitors.alert_actions`): Spidermon's SMTP action sends through `scrapy.mail`,
which Scrapy 2.19 deprecates with a warning on import.
"""

from __future__ import annotations

from spidermon.contrib.actions.email.smtp import SendSmtpEmail

EMAIL_BODY = r"""The newsarchive run of {{ data.spider.name }} was unhealthy.
{% for failed in result.monitors_failed_results %}
UNHEALTHY: {{ (failed.reason | string).split("\n")[0] }}{% endfor %}

pages fetched: {{ data.stats.get("response_received_count", 0) }}
articles new: {{ data.stats.get("newsarchive/articles/new", 0) }}
finish reason: {{ data.stats.get("finish_reason") }}
log: {{ data.crawler.settings.get("LOG_FILE") or "stderr" }}
"""


class EmailAlert(SendSmtpEmail):
    """Spidermon's SMTP e-mail, with a subject and a body of the run's reasons by default
    (SPIDERMON_EMAIL_SUBJECT and SPIDERMON_BODY_TEXT, when set, win)."""

    @classmethod
    def from_crawler_kwargs(cls, crawler):
        kwargs = super().from_crawler_kwargs(crawler)
        if not (kwargs.get("subject") or kwargs.get("subject_template")):
            kwargs["subject"] = f"newsarchive: {crawler.settings.get('BOT_NAME')} run unhealthy"
        bodies = ("body_text", "body_text_template", "body_html", "body_html_template")
        if not any(kwargs.get(name) for name in bodies):
            kwargs["body_text"] = EMAIL_BODY
        return kwargs
