"""One place that checks a run's spider arguments and settings before any request.

`scrapy crawl golem` and `scrapy reparse` call `validate_run` once their `-a` and `-s` are
known (reparse with the arguments and settings recorded in the WARC as well); the spider calls
it again in `from_crawler`, so a run started from Python is held to the same rules. A value
that fails raises `UsageError` with a one-line reason; the commands print it as `error: …` and
exit 2 (`usage_error`), before a log file, a state store or a request exists.

Adding a spider argument (as `-a source=` and `-a every=` were added):

1. write a parser `def _name(value: str, settings: BaseSettings) -> Any` that returns the
   value the spider uses and raises `UsageError("name: …")`, one line, for anything else;
2. register it in `ARGUMENTS` (an argument not in ARGUMENTS is refused, so forgetting this
   step gives a clear error, never a silently ignored argument or a spider attribute);
3. checks that involve several arguments go into `RULES`: functions of the parsed
   arguments (a dict of name → parsed value, given ones only) and the settings;
4. the spider takes the argument as a keyword in `__init__` (and into `self.arguments`, so
   the WARC records it for reparse), parsing it with the same function;
5. add a bad value to `BAD_RUNS` in tests/test_arguments.py and the name to its fuzz test.

A setting is checked the same way: `SETTINGS["NAME"] = parser`, with the parser given the
setting's value as Scrapy holds it (a string from `-s`, any type from settings.py or a WARC).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, NoReturn
from urllib.parse import urlsplit

from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from scrapy.spiderloader import get_spider_loader

from newsarchive import sources
from newsarchive.offsite import SITE, origin, site_origins

ArgumentParser = Callable[[str, BaseSettings], Any]
SettingParser = Callable[[Any], Any]
Rule = Callable[[dict[str, Any], BaseSettings], None]

EXIT_USAGE = 2
# golem.de's own hosts: a given URL on them is fetched from GOLEM_BASE_URL (same path).
GOLEM_HOSTS = frozenset({"www.golem.de", "golem.de", "rss.golem.de"})
_TOPIC = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
_COOKIE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def usage_error(error: UsageError | str) -> NoReturn:
    """Print the one-line reason as `error: …` and exit 2, as a command-line tool does."""
    print(f"error: {error}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


# --- spider arguments ------------------------------------------------------------------------
def parse_day(name: str, value: str) -> date:
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise UsageError(f"{name}: {value!r} is no date of the form 2024-01-31") from None


def _since(value: str, settings: BaseSettings) -> date:
    return parse_day("since", value)


def _until(value: str, settings: BaseSettings) -> date:
    return parse_day("until", value)


def _topic(value: str, settings: BaseSettings) -> str:
    slug = value.strip("/ ")
    if not _TOPIC.fullmatch(slug):
        raise UsageError(
            f"topic: {value!r} is no topic slug (lower-case letters, digits and '-', "
            "as in https://www.golem.de/specials/security/)"
        )
    return slug


def _urls(value: str, settings: BaseSettings) -> tuple[str, ...]:
    urls = tuple(url.strip() for url in value.split(",") if url.strip())
    if not urls:
        raise UsageError("urls: names no URL (give URL[,URL...])")
    allowed = site_origins(settings.get("GOLEM_BASE_URL") or SITE)
    for url in urls:
        check_page_url(url, allowed)
    return urls


def check_page_url(url: str, allowed: frozenset) -> None:
    """An article page to re-archive: on golem.de or GOLEM_BASE_URL, or a local file."""
    if any(ord(c) < 33 or c == "\x7f" for c in url):
        raise UsageError(f"urls: {url!r} holds white space or control characters")
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise UsageError(f"urls: {url!r} is no local file URL (file:///path/page.html)")
        return
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"urls: {url!r} is no http, https or file URL")
    if parts.hostname in GOLEM_HOSTS and origin(parts)[2] in (80, 443):
        return  # fetched from GOLEM_BASE_URL, same path
    if origin(parts) not in allowed:
        raise UsageError(f"urls: {url!r} is neither on golem.de nor on GOLEM_BASE_URL")


def _source(value: str, settings: BaseSettings) -> str:
    if value not in sources.SOURCES:
        raise UsageError(f"source: {value!r} is none of {', '.join(sources.SOURCES)}")
    return value


def _every(value: str, settings: BaseSettings) -> Any:
    try:
        return sources.parse_every(value)
    except ValueError as error:
        raise UsageError(str(error)) from None


ARGUMENTS: dict[str, ArgumentParser] = {
    "urls": _urls,
    "since": _since,
    "until": _until,
    "topic": _topic,
    "source": _source,
    "every": _every,
}


def _one_scope(parsed: dict[str, Any], settings: BaseSettings) -> None:
    scopes = [name for name in ("urls", "topic", "since") if name in parsed]
    if len(scopes) > 1:
        raise UsageError(f"give only one of urls, topic, since (got {', '.join(scopes)})")


def _period(parsed: dict[str, Any], settings: BaseSettings) -> None:
    if "until" in parsed and "since" not in parsed:
        raise UsageError("until: needs since (the period's first day)")
    if "until" in parsed and parsed["until"] < parsed["since"]:
        raise UsageError(f"until: {parsed['until']} is before since ({parsed['since']})")


def _archive_period(parsed: dict[str, Any], settings: BaseSettings) -> None:
    source = parsed.get("source", sources.LIVE)
    if source != sources.LIVE and "since" not in parsed:
        raise UsageError(f"source: {source} needs since=YYYY-MM-DD (and until=)")


RULES: list[Rule] = [_one_scope, _period, _archive_period]


# --- settings ------------------------------------------------------------------------------
def _number(name: str, value: Any, kind: type, low: float, high: float | None = None) -> Any:
    try:
        if isinstance(value, bool) or (kind is int and isinstance(value, float)):
            raise ValueError
        number = kind(value)
    except (TypeError, ValueError):
        kind_name = "whole number" if kind is int else "number"
        raise UsageError(f"{name}: {value!r} is no {kind_name}") from None
    if number != number or number < low or (high is not None and number > high):
        bound = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise UsageError(f"{name}: {value!r} is out of range ({bound})")
    return number


def number_setting(name: str, kind: type, low: float, high: float | None = None):
    return lambda value: _number(name, value, kind, low, high)


def _base_url(value: Any) -> str:
    return _host_url("GOLEM_BASE_URL", SITE, value)


def host_url_setting(name: str, default: str) -> SettingParser:
    """A setting naming a host every request of some kind goes to (scheme and host only)."""
    return lambda value: _host_url(name, default, value)


def _host_url(name: str, default: str, value: Any) -> str:
    text = default if value is None else str(value)
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - raises for a port that is no number or out of range
    except ValueError:
        raise UsageError(f"{name}: {text!r} has no valid port") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
        or any(ord(c) < 33 for c in text)
    ):
        raise UsageError(
            f"{name}: {text!r} is no site URL (scheme and host only, "
            f"e.g. {default} or http://127.0.0.1:8000)"
        )
    return text


def _instant(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise UsageError(
            f"NEWSARCHIVE_NOW: {value!r} is no ISO 8601 instant with offset "
            "(e.g. 2025-10-28T12:00:00+01:00)"
        )
    return parsed


def _contact(value: Any) -> str:
    text = str(value or "")
    if not text or any(ord(c) < 32 or c in "();" for c in text):
        raise UsageError(f"NEWSARCHIVE_CONTACT: {text!r} is no contact address for the User-Agent")
    return text


def _cookie_name(value: Any) -> str:
    text = str(value or "")
    if not _COOKIE_NAME.fullmatch(text):
        raise UsageError(f"GOLEM_CONSENT_COOKIE: {text!r} is no cookie name")
    return text


def _folder(name: str, empty_ok: bool = False):
    def check(value: Any) -> str:
        text = "" if value is None else str(value)
        if (not text and not empty_ok) or "\x00" in text:
            raise UsageError(f"{name}: {text!r} is no folder")
        return text

    return check


SETTINGS: dict[str, SettingParser] = {
    "GOLEM_BASE_URL": _base_url,
    "NEWSARCHIVE_NOW": _instant,
    "NEWSARCHIVE_CONTACT": _contact,
    "NEWSARCHIVE_OUTPUT_DIR": _folder("NEWSARCHIVE_OUTPUT_DIR"),
    "NEWSARCHIVE_STATE_DIR": _folder("NEWSARCHIVE_STATE_DIR"),
    "NEWSARCHIVE_LOG_DIR": _folder("NEWSARCHIVE_LOG_DIR", empty_ok=True),
    "NEWSARCHIVE_MAX_ERROR_RATE": number_setting("NEWSARCHIVE_MAX_ERROR_RATE", float, 0, 1),
    "NEWSARCHIVE_MAX_DROP_RATE": number_setting("NEWSARCHIVE_MAX_DROP_RATE", float, 0, 1),
    "NEWSARCHIVE_FOLLOW_HOPS": number_setting("NEWSARCHIVE_FOLLOW_HOPS", int, 0),
    "NEWSARCHIVE_MAX_PAGES": number_setting("NEWSARCHIVE_MAX_PAGES", int, 1),
    "NEWSARCHIVE_RECHECK_WINDOW_HOURS": number_setting(
        "NEWSARCHIVE_RECHECK_WINDOW_HOURS", float, 0
    ),
    "NEWSARCHIVE_RECHECK_INTERVAL_HOURS": number_setting(
        "NEWSARCHIVE_RECHECK_INTERVAL_HOURS", float, 0
    ),
    "NEWSARCHIVE_WARC_MAX_BYTES": number_setting("NEWSARCHIVE_WARC_MAX_BYTES", int, 1),
    # Replayed from a WARC's warcinfo as well: what a crafted one could bend.
    "RETRY_TIMES": number_setting("RETRY_TIMES", int, 0, 100),
    "REDIRECT_MAX_TIMES": number_setting("REDIRECT_MAX_TIMES", int, 0, 100),
    "GOLEM_CONSENT_COOKIE": _cookie_name,
    "NEWSARCHIVE_RETRY_AFTER_MAX": number_setting("NEWSARCHIVE_RETRY_AFTER_MAX", float, 0),
    "NEWSARCHIVE_MAX_SITEMAPS": number_setting("NEWSARCHIVE_MAX_SITEMAPS", int, 0),
    "NEWSARCHIVE_CAPTURE_HOLD_RUNS": number_setting("NEWSARCHIVE_CAPTURE_HOLD_RUNS", int, 0),
    # The web archives' hosts (-a source=wayback|commoncrawl), as GOLEM_BASE_URL.
    **{
        name: host_url_setting(name, default)
        for archive in sources.ARCHIVE_SETTINGS.values()
        for name, default in archive.items()
    },
    # The CDX server's own cap on rows per query is 150000.
    "WAYBACK_CDX_PAGE_SIZE": number_setting("WAYBACK_CDX_PAGE_SIZE", int, 1, 150000),
}


# --- the check -------------------------------------------------------------------------------
def validate_settings(settings: BaseSettings) -> dict[str, Any]:
    """The checked settings' parsed values; UsageError for the first that fails."""
    return {
        name: check(settings.get(name))
        for name, check in SETTINGS.items()
        if settings.get(name) is not None or name == "GOLEM_BASE_URL"
    }


def parsed_arguments(arguments: dict[str, Any], settings: BaseSettings) -> dict[str, Any]:
    """Spider arguments (name → string as given) parsed and checked; UsageError for an
    unknown argument or the first value or rule that fails."""
    parsed: dict[str, Any] = {}
    for name, value in arguments.items():
        if value is None:
            continue
        check = ARGUMENTS.get(name)
        if check is None:
            known = ", ".join(sorted(ARGUMENTS))
            raise UsageError(f"unknown spider argument {name!r} (known: {known})")
        if not isinstance(value, str):
            raise UsageError(f"{name}: {value!r} is no text")
        parsed[name] = check(value, settings)
    for rule in RULES:
        rule(parsed, settings)
    return parsed


def check_command_line(settings: BaseSettings, spider: str, arguments: dict[str, Any]) -> None:
    """For the commands: the named spider's checks (its `check_run`), before anything starts;
    a failure ends the command with `error: …` and exit 2."""
    try:
        spider_class = get_spider_loader(settings).load(spider)
    except KeyError:  # before the name goes into a log file's path
        usage_error(f"no spider named {spider!r}")
    check = getattr(spider_class, "check_run", None)
    if check is not None:
        try:
            check(arguments, settings)
        except UsageError as error:
            usage_error(error)


def validate_run(arguments: dict[str, Any], settings: BaseSettings) -> dict[str, Any]:
    """Settings, then spider arguments (the URL check needs GOLEM_BASE_URL)."""
    validate_settings(settings)
    return parsed_arguments(arguments, settings)
