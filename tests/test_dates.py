"""German date normalisation: displayed date wins, machine time lends seconds and fold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsarchive.normalise.dates import calibrate, format_instant, resolve_instant

FETCHED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, winter

CASES = [
    # displayed, machine values, fetched at, expected
    (
        "28. April 2024, 14:26 Uhr",
        ["2024-04-28T14:26:01+02:00"],
        FETCHED,
        "2024-04-28T14:26:01+02:00",
    ),
    (
        "9. September 2025 um 15:46 Uhr",
        ["2025-09-09T13:46:01.000Z"],
        FETCHED,
        "2025-09-09T15:46:01+02:00",
    ),
    ("14. Januar 2025, 09:05 Uhr", ["2025-01-14T08:05:33Z"], FETCHED, "2025-01-14T09:05:33+01:00"),
    # A machine value an hour off (false "Z", unknown here) does not move the display.
    ("14. Januar 2025, 09:05 Uhr", ["2025-01-14T09:05:33Z"], FETCHED, "2025-01-14T09:05:00+01:00"),
    # The first machine value that agrees lends its seconds.
    (
        "14. Januar 2025, 09:05 Uhr",
        ["2025-01-14T09:05:33Z", "2025-01-14T08:05:07Z"],
        FETCHED,
        "2025-01-14T09:05:07+01:00",
    ),
    # Spring forward, 2024-03-31: 01:59 is still winter time, 03:00 already summer time.
    ("31. März 2024, 01:59 Uhr", ["2024-03-31T00:59:10Z"], FETCHED, "2024-03-31T01:59:10+01:00"),
    ("31. März 2024, 03:00 Uhr", ["2024-03-31T01:00:45Z"], FETCHED, "2024-03-31T03:00:45+02:00"),
    ("31. März 2024, 03:00 Uhr", [], FETCHED, "2024-03-31T03:00:00+02:00"),
    # Fall back, 2024-10-27: 02:30 happens twice; the machine value picks which.
    ("27. Oktober 2024, 02:30 Uhr", ["2024-10-27T00:30:12Z"], FETCHED, "2024-10-27T02:30:12+02:00"),
    ("27. Oktober 2024, 02:30 Uhr", ["2024-10-27T01:30:12Z"], FETCHED, "2024-10-27T02:30:12+01:00"),
    ("27. Oktober 2024, 02:30 Uhr", [], FETCHED, "2024-10-27T02:30:00+02:00"),
    ("27. Oktober 2024, 03:00 Uhr", ["2024-10-27T02:00:59Z"], FETCHED, "2024-10-27T03:00:59+01:00"),
    # Relative and short forms resolve against the fetch instant, in Berlin.
    ("heute, 10:15 Uhr", [], FETCHED, "2026-11-28T10:15:00+01:00"),
    ("Heute, 08:02 Uhr", ["2026-11-28T07:02:40Z"], FETCHED, "2026-11-28T08:02:40+01:00"),
    ("gestern, 23:05 Uhr", [], FETCHED, "2026-11-27T23:05:00+01:00"),
    ("gestern", ["2026-11-27T16:20:05Z"], FETCHED, "2026-11-27T17:20:05+01:00"),
    ("gestern", [], FETCHED, "2026-11-27T00:00:00+01:00"),
    ("14.03.2023", [], FETCHED, "2023-03-14T00:00:00+01:00"),
    ("14.03.2023, 10:15 Uhr", [], FETCHED, "2023-03-14T10:15:00+01:00"),
    ("2. Juli 2023, 7:04 Uhr", [], FETCHED, "2023-07-02T07:04:00+02:00"),
    # Just after midnight in Berlin is still the previous day in UTC.
    (
        "heute, 00:30 Uhr",
        [],
        datetime(2026, 6, 30, 23, 10, tzinfo=UTC),
        "2026-07-01T00:30:00+02:00",
    ),
    (
        "gestern, 22:00 Uhr",
        [],
        datetime(2026, 6, 30, 23, 10, tzinfo=UTC),
        "2026-06-30T22:00:00+02:00",
    ),
    # Nothing displayed (or nothing readable): the machine value as written.
    (None, ["2025-09-09T13:50:02.000Z"], FETCHED, "2025-09-09T15:50:02+02:00"),
    ("demnächst", ["2025-02-01T11:00:00Z"], FETCHED, "2025-02-01T12:00:00+01:00"),
]


@pytest.mark.parametrize(("displayed", "machine", "fetched", "expected"), CASES)
def test_resolve_instant(displayed, machine, fetched, expected):
    assert format_instant(resolve_instant(displayed, machine, fetched)) == expected


def test_relative_dates_depend_on_fetch_instant_not_on_the_clock():
    first = resolve_instant("gestern, 18:00 Uhr", [], FETCHED)
    again = resolve_instant("gestern, 18:00 Uhr", [], FETCHED)
    a_week_later = resolve_instant("gestern, 18:00 Uhr", [], datetime(2026, 12, 5, 9, tzinfo=UTC))
    assert first == again
    assert format_instant(first) == "2026-11-27T18:00:00+01:00"
    assert format_instant(a_week_later) == "2026-12-04T18:00:00+01:00"


def test_false_utc_is_recognised_and_applied_to_undisplayed_values():
    """Classic JSON-LD writes Berlin wall-clock time with a "Z" (golem-facts.md)."""
    displayed = datetime(2024, 4, 28, 14, 26)
    reading = calibrate(displayed, "2024-04-28T14:26:01Z")
    assert reading.false_utc
    modified = resolve_instant(None, ["2024-04-28T17:40:16Z"], FETCHED, reading)
    assert format_instant(modified) == "2024-04-28T17:40:16+02:00"


def test_true_utc_is_left_alone():
    displayed = datetime(2025, 9, 9, 15, 46)
    reading = calibrate(displayed, "2025-09-09T13:46:01.000Z")
    assert not reading.false_utc
    modified = resolve_instant(None, ["2025-09-09T13:50:02.000Z"], FETCHED, reading)
    assert format_instant(modified) == "2025-09-09T15:50:02+02:00"


def test_unreadable_everything_gives_none():
    assert resolve_instant("bald", ["kein Datum"], FETCHED) is None
    assert resolve_instant(None, [], FETCHED) is None
