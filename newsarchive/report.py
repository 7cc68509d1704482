"""`scrapy report PATH.html`: the archive at a glance, one self-contained HTML file.

Every plot is inline SVG written here: the charts are bars, lines and a grid of cells, a few
dozen lines each, so no plotting library (matplotlib: ~40 MB, a slow import and SVG with
generated ids to inline) and no script or CDN is needed; the file opens offline in any
browser. Each plot is a `<figure data-plot="NAME">`; each drawn value carries `data-value`
(and `data-label`), so tests and curious readers can read the numbers back.
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from newsarchive.archive import feed_files, read_records, run_stats
from newsarchive.monitors import HEALTH_FAILURES

HOME_PAGES = ("https://www.golem.de/", "https://www.golem.de")
# Fields a layout parser reads from the page's markup; `fallbacks` names those it did not.
PARSED_FIELDS = (
    "kicker",
    "title",
    "summary",
    "authors",
    "genre",
    "published",
    "modified",
    "body",
    "images",
    "videos",
    "topics",
    "paywall",
    "opinion",
    "sponsored",
    "comment_count",
    "comments_url",
    "related",
)
TOP = 12  # authors and topics shown over time
WIDTH, HEIGHT, PAD = 900, 220, 40
COLOURS = ("#1f6feb", "#d1242f", "#2da44e", "#bf8700", "#8250df", "#57606a")


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


# --- the data ---------------------------------------------------------------------------------
@dataclass
class Archive:
    current: dict[str, dict[str, Any]]  # id → the version captured last
    versions: list[dict[str, Any]]
    teasers: list[dict[str, Any]]
    runs: list[dict[str, Any]]


def current_order(record: dict[str, Any]) -> tuple:
    """Which record of an article is its current version: the one captured last (a web
    archive's older capture may carry a higher number), then the highest number, then the
    latest fetch."""
    return (
        record.get("captured_at") or record["crawled_at"],
        record["version"],
        record["crawled_at"],
    )


def load(folder: Path) -> Archive:
    current: dict[str, dict[str, Any]] = {}
    versions, teasers = [], []
    for feed in feed_files(folder):
        for record in read_records(feed.path):
            if feed.kind == "teaser":
                teasers.append(record)
                continue
            versions.append(record)
            have = current.get(record["id"])
            if have is None or current_order(record) > current_order(have):
                current[record["id"]] = record
    return Archive(current, versions, teasers, run_stats(folder))


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def per_day(archive: Archive) -> list[tuple[str, int]]:
    counts = Counter(r["published"][:10] for r in archive.current.values() if r.get("published"))
    if not counts:
        return []
    days = days_between(date.fromisoformat(min(counts)), date.fromisoformat(max(counts)))
    return [(d.isoformat(), counts.get(d.isoformat(), 0)) for d in days]


def per_month(archive: Archive) -> list[tuple[str, int]]:
    counts = Counter(r["published"][:7] for r in archive.current.values() if r.get("published"))
    if not counts:
        return []
    return [(m, counts.get(m, 0)) for m in months_between(min(counts), max(counts))]


def over_time(archive: Archive, values) -> tuple[list[str], dict[str, list[int]]]:
    """The TOP most frequent values (authors, topics) of current articles, per month."""
    months = [m for m, _ in per_month(archive)]
    counts: dict[str, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    for record in archive.current.values():
        if not record.get("published"):
            continue
        for value in values(record):
            counts[value][record["published"][:7]] += 1
            totals[value] += 1
    top = [name for name, _ in totals.most_common(TOP)]
    return months, {name: [counts[name].get(m, 0) for m in months] for name in top}


def dwell_hours(archive: Archive) -> dict[str, float]:
    """Hours each article stood on the home page: first to last run that saw it there."""
    seen: dict[str, list[datetime]] = defaultdict(list)
    for teaser in archive.teasers:
        if teaser.get("page_url") in HOME_PAGES and teaser.get("id") and teaser.get("seen_at"):
            seen[teaser["id"]].append(datetime.fromisoformat(teaser["seen_at"]))
    return {i: (max(t) - min(t)).total_seconds() / 3600 for i, t in seen.items()}


def dwell_histogram(hours: dict[str, float]) -> list[tuple[str, int]]:
    edges = [(0, 1), (1, 3), (3, 6), (6, 12), (12, 24), (24, 48), (48, 96), (96, None)]
    bins = []
    for low, high in edges:
        label = f"{low}–{high} h" if high is not None else f"≥{low} h"
        count = sum(1 for h in hours.values() if h >= low and (high is None or h < high))
        bins.append((label, count))
    return bins


def run_rows(archive: Archive) -> list[dict[str, Any]]:
    rows = []
    for stats in archive.runs:
        errors = sum(v for k, v in stats.items() if k.startswith("newsarchive/errors/"))
        rows.append(
            {
                "run": stats["run"],
                "pages": stats.get("response_received_count", 0),
                "new": stats.get("newsarchive/articles/new", 0),
                "changed": stats.get("newsarchive/articles/changed", 0),
                "errors": errors,
                "unhealthy": list(stats.get(HEALTH_FAILURES, []) or []),
                "finish_reason": stats.get("finish_reason"),
            }
        )
    return rows


def fallback_share(archive: Archive) -> list[tuple[str, float, int]]:
    """Per month of capture: the share of parsed fields read from a fallback, and the
    records. A `generic` record had no layout parser: all its fields count as fallback."""
    fields: Counter = Counter()
    fallbacks: Counter = Counter()
    records: Counter = Counter()
    for record in archive.versions:
        month = (record.get("captured_at") or record.get("crawled_at") or "")[:7]
        if not month:
            continue
        records[month] += 1
        fields[month] += len(PARSED_FIELDS)
        if record.get("layout") == "generic":
            fallbacks[month] += len(PARSED_FIELDS)
        else:
            fallbacks[month] += len(set(record.get("fallbacks") or []) & set(PARSED_FIELDS))
    if not records:
        return []
    return [
        (m, fallbacks[m] / fields[m] if fields[m] else 0.0, records[m])
        for m in months_between(min(records), max(records))
    ]


def layouts_per_month(archive: Archive) -> tuple[list[str], dict[str, list[int]]]:
    counts: dict[str, Counter] = defaultdict(Counter)
    months: set[str] = set()
    for record in archive.versions:
        month = (record.get("captured_at") or record.get("crawled_at") or "")[:7]
        if month:
            months.add(month)
            counts[record.get("layout") or "?"][month] += 1
    if not months:
        return [], {}
    span = months_between(min(months), max(months))
    return span, {name: [c.get(m, 0) for m in span] for name, c in sorted(counts.items())}


# --- the drawing ------------------------------------------------------------------------------
def _axis(max_value: float, width: int, height: int) -> str:
    parts = [
        f'<line x1="{PAD}" y1="{height - PAD}" x2="{width - 10}" y2="{height - PAD}" '
        'stroke="#888"/>',
        f'<line x1="{PAD}" y1="10" x2="{PAD}" y2="{height - PAD}" stroke="#888"/>',
        f'<text x="{PAD - 4}" y="14" text-anchor="end" font-size="10">{_fmt(max_value)}</text>',
        f'<text x="{PAD - 4}" y="{height - PAD}" text-anchor="end" font-size="10">0</text>',
    ]
    return "".join(parts)


def _fmt(value: float) -> str:
    return f"{value:.0%}" if isinstance(value, float) and value <= 1 else f"{value:g}"


def bar_chart(
    name: str, title: str, caption: str, data: list[tuple[str, float]], gaps: bool = False
) -> str:
    """Bars with a label every few; with `gaps`, a zero is marked by a red tick."""
    if not data:
        return empty_plot(name, title)
    top = max(value for _, value in data) or 1
    inner = WIDTH - PAD - 10
    step = inner / len(data)
    plot_height = HEIGHT - PAD - 10
    shapes = [_axis(top, WIDTH, HEIGHT)]
    every = max(1, len(data) // 12)
    for n, (label, value) in enumerate(data):
        x = PAD + n * step
        h = plot_height * value / top
        shapes.append(
            f'<rect class="bar" x="{x + step * 0.1:.1f}" y="{HEIGHT - PAD - h:.1f}" '
            f'width="{max(step * 0.8, 0.5):.1f}" height="{h:.1f}" fill="{COLOURS[0]}" '
            f'data-label="{esc(label)}" data-value="{value}"><title>{esc(label)}: '
            f"{_fmt(value)}</title></rect>"
        )
        if gaps and value == 0:
            shapes.append(
                f'<rect class="gap" x="{x:.1f}" y="{HEIGHT - PAD + 2}" width="{max(step, 1):.1f}"'
                f' height="6" fill="{COLOURS[1]}" data-label="{esc(label)}" data-value="0"><title>'
                f"{esc(label)}: nothing archived</title></rect>"
            )
        if n % every == 0:
            shapes.append(
                f'<text x="{x:.1f}" y="{HEIGHT - PAD + 20}" font-size="10">{esc(label)}</text>'
            )
    return figure(name, title, caption, WIDTH, HEIGHT, "".join(shapes))


def line_chart(
    name: str, title: str, caption: str, labels: list[str], series: dict[str, list[float]]
) -> str:
    if not labels or not series:
        return empty_plot(name, title)
    top = max(max(values) for values in series.values()) or 1
    inner = WIDTH - PAD - 160
    step = inner / max(len(labels) - 1, 1)
    plot_height = HEIGHT - PAD - 10
    shapes = [_axis(top, WIDTH - 150, HEIGHT)]
    for index, (series_name, values) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        points = [
            (PAD + n * step, HEIGHT - PAD - plot_height * v / top) for n, v in enumerate(values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        shapes.append(
            f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{path}" data-label="{esc(series_name)}" '
            f'data-value="{esc(json.dumps(values))}"><title>{esc(series_name)}</title>'
            "</polyline>"
        )
        for (x, y), label, value in zip(points, labels, values, strict=True):
            shapes.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"><title>'
                f"{esc(series_name)} {esc(label)}: {_fmt(value)}</title></circle>"
            )
        shapes.append(
            f'<text x="{WIDTH - 140}" y="{20 + 14 * index}" font-size="11" fill="{colour}">'
            f"{esc(series_name)}</text>"
        )
    shapes += axis_labels(labels, lambda n: PAD + n * step, HEIGHT - PAD + 20)
    return figure(name, title, caption, WIDTH, HEIGHT, "".join(shapes))


def grid_chart(
    name: str, title: str, caption: str, labels: list[str], rows: dict[str, list[int]]
) -> str:
    """A row per name, a cell per month, darker the more articles."""
    if not labels or not rows:
        return empty_plot(name, title)
    left, cell_h = 180, 18
    cell_w = max(4.0, (WIDTH - left - 10) / len(labels))
    height = 30 + cell_h * len(rows) + 30
    top = max(max(values) for values in rows.values()) or 1
    shapes = []
    for r, (row_name, values) in enumerate(rows.items()):
        y = 20 + r * cell_h
        shapes.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" font-size="11">'
            f"{esc(row_name)}</text>"
        )
        for c, value in enumerate(values):
            opacity = 0.08 + 0.92 * value / top if value else 0.03
            shapes.append(
                f'<rect class="cell" x="{left + c * cell_w:.1f}" y="{y}" width="{cell_w - 1:.1f}"'
                f' height="{cell_h - 2}" fill="{COLOURS[0]}" fill-opacity="{opacity:.2f}" '
                f'data-label="{esc(row_name)} {esc(labels[c])}" data-value="{value}"><title>'
                f"{esc(row_name)}, {esc(labels[c])}: {value}</title></rect>"
            )
    shapes += axis_labels(labels, lambda c: left + c * cell_w, height - 8)
    return figure(name, title, caption, WIDTH, height, "".join(shapes))


def axis_labels(labels: list[str], x_of, y: float) -> list[str]:
    """About ten labels under a chart's x axis, every n-th of `labels` at `x_of(n)`."""
    every = max(1, len(labels) // 10)
    return [
        f'<text x="{x_of(n):.1f}" y="{y}" font-size="10">{esc(label)}</text>'
        for n, label in enumerate(labels)
        if n % every == 0
    ]


def figure(name: str, title: str, caption: str, width: int, height: float, body: str) -> str:
    return (
        f'<figure data-plot="{esc(name)}"><h2>{esc(title)}</h2>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" role="img" aria-label="{esc(title)}">{body}</svg>'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def empty_plot(name: str, title: str, why: str = "No data for this plot yet.") -> str:
    return (
        f'<figure data-plot="{esc(name)}" data-empty="true"><h2>{esc(title)}</h2>'
        f"<p>{esc(why)}</p></figure>"
    )


def runs_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "<table><tr><th>run</th><th>pages</th><th>new</th><th>changed</th><th>errors</th>"
        "<th>finish</th><th>unhealthy because</th></tr>"
    ]
    for row in rows:
        lines.append(
            f"<tr><td>{esc(row['run'])}</td><td>{row['pages']}</td><td>{row['new']}</td>"
            f"<td>{row['changed']}</td><td>{row['errors']}</td>"
            f"<td>{esc(row['finish_reason'])}</td>"
            f"<td>{'<br>'.join(esc(r) for r in row['unhealthy']) or 'healthy'}</td></tr>"
        )
    lines.append("</table>")
    return "".join(lines)


STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:960px;color:#1f2328}
h1{font-size:1.6em} h2{font-size:1.1em;margin:0 0 .3em} figure{margin:2em 0}
figcaption,.meta{color:#57606a;font-size:.9em} table{border-collapse:collapse;font-size:.85em}
td,th{border:1px solid #d0d7de;padding:2px 6px;text-align:right} svg{max-width:100%;height:auto}
"""


def render(archive: Archive, generated: str) -> str:
    months_a, authors = over_time(
        archive, lambda r: [a.get("name") for a in r.get("authors") or [] if a.get("name")]
    )
    months_t, topics = over_time(archive, lambda r: r.get("topics") or [])
    hours = dwell_hours(archive)
    runs = run_rows(archive)
    run_labels = [row["run"] for row in runs]
    share = fallback_share(archive)
    layout_months, layouts = layouts_per_month(archive)
    unhealthy = Counter(reason for row in runs for reason in row["unhealthy"])
    plots = [
        bar_chart(
            "articles-per-day",
            "Articles per day",
            "Current articles by day of publication (Berlin); a red mark under the axis is "
            "a day without a single archived article.",
            per_day(archive),
            gaps=True,
        ),
        bar_chart(
            "articles-per-month",
            "Articles per month",
            "Current articles by month of publication; red marks are months without any.",
            per_month(archive),
            gaps=True,
        ),
        grid_chart(
            "authors-over-time",
            f"Authors over time (the {TOP} most frequent)",
            "Articles per author and month of publication.",
            months_a,
            authors,
        ),
        grid_chart(
            "topics-over-time",
            f"Topics over time (the {TOP} most frequent)",
            "Articles per topic tag and month of publication.",
            months_t,
            topics,
        ),
        bar_chart(
            "front-page-dwell",
            "Front-page dwell time",
            f"How long articles stood on the home page: first to last run that saw their "
            f"teaser there ({len(hours)} articles; an article seen by one run only counts 0 h;"
            f" runs further apart make the figure coarser).",
            dwell_histogram(hours),
        ),
        line_chart(
            "runs-over-time",
            "Runs over time",
            "Per run (from its stats file): pages fetched, articles new and changed, failed "
            "requests.",
            run_labels,
            {
                "pages": [row["pages"] for row in runs],
                "new": [row["new"] for row in runs],
                "changed": [row["changed"] for row in runs],
                "errors": [row["errors"] for row in runs],
            },
        ),
        bar_chart(
            "unhealthy-reasons",
            "Why runs were unhealthy",
            f"Unhealthy runs: {sum(1 for row in runs if row['unhealthy'])} of {len(runs)}; "
            "bars count the runs per reason.",
            sorted(unhealthy.items(), key=lambda item: -item[1]),
        )
        if unhealthy or not runs
        else empty_plot(
            "unhealthy-reasons", "Why runs were unhealthy", f"All {len(runs)} runs were healthy."
        ),
        bar_chart(
            "fallback-share",
            "Fields read by fallbacks, per month",
            "Share of the parsed fields of each month's records (by month of capture) that "
            "were not read from a layout parser's markup but from a fallback (JSON-LD, meta "
            "tags, generic extractor); a redesign the parsers miss shows up as a step.",
            [(month, value) for month, value, _ in share],
        ),
        line_chart(
            "layouts-per-month",
            "Records per layout parser, per month",
            "Records by the layout that read them (classic, current, generic) and month of "
            "capture.",
            layout_months,
            layouts,
        ),
    ]
    summary = (
        f"{len(archive.current)} articles ({len(archive.versions)} records, versions "
        f"included), {len(archive.teasers)} teaser records, {len(runs)} runs with stats."
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>newsarchive report</title>"
        f"<style>{STYLE}</style></head><body><h1>newsarchive: the archive at a glance</h1>"
        f'<p class="meta">{esc(summary)} Generated {esc(generated)}.</p>'
        + "".join(plots)
        + "<h2>Runs</h2>"
        + runs_table(runs)
        + "</body></html>"
    )


def write_report(folder: Path, target: Path, generated: str) -> Archive:
    archive = load(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.part")
    staged.write_text(render(archive, generated), "utf-8")
    staged.replace(target)
    return archive
