"""German publication dates → exact ISO 8601 instants with the Europe/Berlin offset.

golem.de states each date twice and the two disagree (golem-facts.md, "time-zone trap"):
the date shown to readers ("28. April 2024, 14:26 Uhr") is Berlin wall-clock time and is
right; the machine-readable values are sometimes true UTC and sometimes Berlin time with a
false "Z". So the displayed date wins, and a machine value only lends its seconds (and, in
the hour the clocks go back, its fold) where it agrees with the display to the minute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
_HAS_TIME_OF_DAY = re.compile(r"\d{1,2}[:.]\d{2}\s*(?:Uhr|h\b)|\d{1,2}:\d{2}")


def _date_parser(relative_base: datetime):
    """A dateparser for German resolving relative forms against `relative_base`.

    Building one is cheap (~0.05 ms): dateparser caches its language data per process, and
    that load (~100 ms) is what must not be paid per page; `warm_up()` pays it at start-up.
    """
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["de"],
        settings={
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_AS_TIMEZONE_AWARE": False,
            "RELATIVE_BASE": relative_base,
        },
    )


@cache
def warm_up() -> None:
    """Load dateparser's German data once, before the first page needs it."""
    _date_parser(datetime(2000, 1, 1)).get_date_data("1. Januar 2000, 00:00 Uhr")


# The two forms golem.de displays article dates in ("28. April 2024, 14:26 Uhr" in the
# classic layout, "9. September 2025 um 15:46 Uhr" in the current one), read directly: a
# dateparser call costs 1-3 ms, two per page, more than the rest of the extraction together.
# Only these exact spellings take the shortcut; anything else (relative "heute, 10:15 Uhr",
# "gestern", "14.03.2023", other spacing or case, impossible dates) goes to dateparser, so
# the result is the one dateparser gives (tests/test_fast_paths.py checks both agree).
GERMAN_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
            "September", "Oktober", "November", "Dezember",
        ),
        start=1,
    )
}  # fmt: skip
_DISPLAYED = re.compile(
    r"(?P<day>[0-9]{1,2})\. (?P<month>" + "|".join(GERMAN_MONTHS) + r") (?P<year>[0-9]{4})"
    r"(?:, | um )(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2}) Uhr"
)


def _displayed_fast(text: str) -> datetime | None:
    """The wall-clock time of a date in golem.de's own display form; None for other text."""
    match = _DISPLAYED.fullmatch(text)
    if match is None:
        return None
    try:
        return datetime(
            int(match["year"]),
            GERMAN_MONTHS[match["month"]],
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
        )
    except ValueError:  # "31. Februar", "24:00 Uhr": dateparser decides, as before
        return None


def parse_german_wallclock(text: str, relative_to: datetime) -> tuple[datetime, bool] | None:
    """Parse a displayed German date into naive Berlin wall-clock time.

    Returns (wall-clock, has_time_of_day) or None. Relative forms ("heute, 10:15 Uhr",
    "gestern") resolve against `relative_to`, the instant the page was fetched, so that
    parsing the same page again later gives the same result.
    """
    text = text.strip()
    if not text:
        return None
    fast = _displayed_fast(text)
    if fast is not None:
        return fast, True
    base = relative_to.astimezone(BERLIN).replace(tzinfo=None)
    data = _date_parser(base).get_date_data(text)
    if data.date_obj is None:
        return None
    has_time = bool(_HAS_TIME_OF_DAY.search(text))
    wall = data.date_obj.replace(tzinfo=None, microsecond=0)
    if not has_time:
        wall = datetime.combine(wall.date(), time())
    return wall, has_time


def parse_machine(value: str | None) -> datetime | None:
    """Parse an ISO 8601 value as written (offset or "Z" kept); None when unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed


def _localise(wall: datetime, fold: int) -> datetime:
    return wall.replace(tzinfo=BERLIN, fold=fold)


def _candidates(wall: datetime) -> list[datetime]:
    """The real instants a Berlin wall-clock reading can mean (two in the repeated hour)."""
    first, second = _localise(wall, 0), _localise(wall, 1)
    if first.utcoffset() == second.utcoffset():
        return [first]
    return [first, second]


def _same_minute(a: datetime, b: datetime) -> bool:
    """Same instant to the minute. Compared in UTC: Python never calls an ambiguous local
    time (the repeated hour, fold=1) equal to a time in another zone."""
    a, b = a.astimezone(UTC), b.astimezone(UTC)
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


@dataclass(frozen=True)
class MachineReading:
    """How to read a page's machine-readable times: as written, or as Berlin wall-clock."""

    false_utc: bool = False

    def instant(self, value: str | None) -> datetime | None:
        parsed = parse_machine(value)
        if parsed is None:
            return None
        if parsed.tzinfo is None or (self.false_utc and parsed.utcoffset() == timedelta(0)):
            return _localise(parsed.replace(tzinfo=None), 0)
        return parsed


def calibrate(displayed: datetime | None, machine_value: str | None) -> MachineReading | None:
    """Find out whether a page writes Berlin wall-clock time with a false "Z"; None when
    this value cannot tell (no "Z", or it agrees with the display neither way).

    The classic layout's JSON-LD does; the current layout's does not. Comparing the one
    value the page also displays tells us which, and the answer then holds for the page's
    other machine values (dateModified is not displayed).
    """
    parsed = parse_machine(machine_value)
    if displayed is None or parsed is None or parsed.utcoffset() != timedelta(0):
        return None
    as_utc = parsed.astimezone(UTC)
    if any(_same_minute(c.astimezone(UTC), as_utc) for c in _candidates(displayed)):
        return MachineReading(false_utc=False)
    wall_clock = parsed.replace(tzinfo=None, second=0, microsecond=0)
    if wall_clock == displayed.replace(second=0, microsecond=0):
        return MachineReading(false_utc=True)
    return None


def resolve_instant(
    displayed: str | None,
    machine_values: list[str | None],
    fetched_at: datetime,
    reading: MachineReading | None = None,
) -> datetime | None:
    """The instant a displayed date (relative to `fetched_at`) and machine values stand for
    (see `instant_of`)."""
    shown = parse_german_wallclock(displayed, fetched_at) if displayed else None
    return instant_of(shown, machine_values, reading)


def instant_of(
    shown: tuple[datetime, bool] | None,
    machine_values: list[str | None],
    reading: MachineReading | None = None,
) -> datetime | None:
    """The instant a date stands for: the display wins, a machine value lends its seconds.

    `shown` is the displayed date as `parse_german_wallclock` read it. `machine_values` are
    tried in order (e.g. `<time datetime>` first, then JSON-LD). With no displayed date the
    first readable machine value is taken as it is written (read through `reading`, so a
    false "Z" known from elsewhere on the page is corrected).
    """
    reading = reading or MachineReading()
    parsed_display = shown
    machines = [m for m in (reading.instant(v) for v in machine_values) if m is not None]
    if parsed_display is None:
        return machines[0].astimezone(BERLIN) if machines else None
    wall, has_time = parsed_display
    candidates = _candidates(wall)
    for machine in machines:
        for candidate in candidates:
            if has_time and _same_minute(candidate, machine):
                # Seconds from the machine value; the fold is the one it agrees with.
                return candidate.replace(second=machine.astimezone(BERLIN).second)
            if not has_time and machine.astimezone(BERLIN).date() == wall.date():
                return machine.astimezone(BERLIN).replace(microsecond=0)
    return candidates[0]


def format_instant(value: datetime | None) -> str | None:
    """ISO 8601 with seconds and the Berlin offset of that instant (+01:00 / +02:00)."""
    if value is None:
        return None
    return value.astimezone(BERLIN).replace(microsecond=0).isoformat()


def format_utc(value: datetime) -> str:
    """ISO 8601 UTC with a "Z", the form of crawl-time fields (crawled_at, seen_at)."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
