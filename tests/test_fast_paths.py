"""The fast paths give what the slow ones give: each is checked against the code it avoids.

Dates in golem.de's display forms (dateparser), record validation (jsonschema), text and
URL normalisation (the regex and urljoin), an element's text (lexbor's text() where nothing
hidden lies below, against the walk that skips hidden parts), and the page tree built from
bytes (against the one built from Scrapy's decoded text). Plus smoke tests of the
benchmark commands.
"""

from __future__ import annotations

import copy
import html
import random
import re
import subprocess
import sys
import unicodedata
from datetime import datetime
from urllib.parse import urljoin

import pytest
from scrapy.http import HtmlResponse

from newsarchive import schema
from newsarchive.normalise import dates
from newsarchive.normalise.text import _SPACES, clean_text
from newsarchive.parsers import common, page_tree, parse_page
from newsarchive.parsers.common import absolute, text_of
from tests.helpers import NOW, PROJECT, SHARED_PAGES

FIXTURES = PROJECT / "tests" / "fixtures"


def _pages() -> list[tuple[str, bytes]]:
    """Real pages (when present), fixtures, and replica pages of both layouts."""
    from tests.replica import build_site

    found = [
        (path.name, path.read_bytes())
        for folder in (SHARED_PAGES, FIXTURES)
        if folder.is_dir()
        for path in sorted(folder.glob("*.html"))
    ]
    site = build_site(now=NOW, n_articles=30)
    rendered = site.pages()
    html_paths = sorted(p for p, (_, kind, _) in rendered.items() if kind.startswith("text/html"))
    found += [(path, rendered[path][2]) for path in html_paths[::4]]
    return found


PAGES = _pages()


# --- dates ------------------------------------------------------------------------------------


def _dateparser(text: str) -> datetime | None:
    return dates._date_parser(datetime(2026, 11, 28, 10)).get_date_data(text).date_obj


@pytest.mark.parametrize("month", list(dates.GERMAN_MONTHS))
def test_display_dates_read_as_dateparser_reads_them(month):
    for day, clock in ((1, "0:00"), (9, "09:05"), (28, "14:26"), (31, "23:59"), (30, "7:04")):
        for joiner in (", ", " um "):
            text = f"{day}. {month} 2024{joiner}{clock} Uhr"
            assert dates._displayed_fast(text) == _dateparser(text), text


@pytest.mark.parametrize(
    "text",
    [
        "heute, 10:15 Uhr",
        "gestern",
        "14.03.2023",
        "28. april 2024, 14:26 Uhr",
        "28.\xa0April 2024, 14:26 Uhr",
        "28. April 2024, 14:26",
        "31. Februar 2024, 14:26 Uhr",
        "28. April 2024, 24:00 Uhr",
        "Sonntag, 28. April 2024, 14:26 Uhr",
    ],
)
def test_other_date_forms_are_left_to_dateparser(text):
    assert dates._displayed_fast(text) is None


# --- validation -------------------------------------------------------------------------------


def _records() -> list[dict]:
    import newsarchive

    records = []
    for name, body in PAGES:
        url = f"https://www.golem.de{name}" if name.startswith("/") else f"file:///{name}"
        try:
            record = newsarchive.extract(body, url)
        except newsarchive.ExtractionError:
            continue
        if record is not None:
            records.append(record)
    return records


MUTATIONS = [
    {},
    {"kicker": None},
    {"kicker": ""},
    {"kicker": " padded"},
    {"kicker": 5},
    {"title": None},
    {"schema_version": 3},
    {"word_count": -1},
    {"word_count": 1.5},
    {"modified": None},
    {"modified": "2024-04-28"},
    {"published": "2024-04-28T14:26:00+03:00"},
    {"images": [{"url": "x", "caption": None, "credit": None}]},
    {"images": [{"url": "https://a/b.jpg", "caption": "", "credit": None}]},
    {"body": [{"type": "paragraph", "text": ""}]},
    {"body": [{"type": "poem", "text": "x"}]},
    {"related": [{"url": "https://www.golem.de/news/a-2401-1.html", "id": "1"}]},
    {"videos": [{"url": None, "title": None, "duration": "PT1M"}]},
    {"videos": [{"url": None, "title": None, "duration": "1 min"}]},
    {"comment_count": None},
    {"comment_count": -3},
    {"layout": "modern"},
    {"content_hash": "sha256:xyz"},
    {"extra": 1},
]


def test_fast_validator_agrees_with_jsonschema():
    records = _records()
    assert records
    checked = 0
    for record in records:
        for mutation in MUTATIONS:
            candidate = {**copy.deepcopy(record), **mutation}
            try:
                schema.fast_validator("article")(candidate)
                fast_ok = True
            except Exception:  # any rejection
                fast_ok = False
            slow_ok = not list(schema.validator("article").iter_errors(candidate))
            assert fast_ok == slow_ok, mutation
            assert (schema.problems(candidate) == []) == slow_ok
            checked += 1
    missing = {k: v for k, v in records[0].items() if k != "kicker"}
    assert schema.problems(missing) == ["(record): 'kicker' is a required property"]
    assert checked >= len(MUTATIONS)


# --- text and URLs ----------------------------------------------------------------------------


def _reference_clean_text(value: str | None) -> str | None:
    """clean_text as it was written with regexes only."""
    if value is None:
        return None
    if "&" in value and re.search(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});", value):
        value = html.unescape(value)
    value = unicodedata.normalize(
        "NFC", value.translate(dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff")))
    )
    value = _SPACES.sub(" ", value).strip()
    if not value:
        return None
    value = re.sub(r" (?=[,.;:!?)])", "", value)
    return re.sub(r"(?<=\() ", "", value)


def test_space_class_is_str_isspace():
    matched = {c for c in range(sys.maxunicode + 1) if _SPACES.fullmatch(chr(c))}
    assert matched == {c for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def test_clean_text_agrees_with_the_regex_version():
    pieces = ["a", "Ä", "ö", "e\u0301", " ", "  ", "\t", "\n", "\xa0", "\u2009", "\u00ad", "\u200b", "\ufeff", ",", ".", "(", ")", "!", "&amp;", "&#228;", "&x", "–", "„", "x" * 40]  # fmt: skip
    rng = random.Random(7)
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert clean_text(text) == _reference_clean_text(text), repr(text)


def test_absolute_agrees_with_urljoin():
    pieces = ["http://", "https://", "HTTPS://", "//", "/", "/", "/news", "a", "www.golem.de", ":8080", ":", "?", "#", ";", "x=1", " ", "\t", "\n", "[", "]", "@", "%20", "ü", "..", ".", ".x", "/.", "/.."]  # fmt: skip
    bases = ["https://www.golem.de/news/x-2404-1.html", "http://127.0.0.1:8000/a.html", "HTTPS://WWW.Golem.de:443", "https://www.golem.de/a;p?q#f", "file:///tmp/x.html"]  # fmt: skip
    rng = random.Random(3)
    for _ in range(20000):
        url = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 7)))
        for base in bases:
            try:
                expected = urljoin(base, url.strip())
            except ValueError:
                with pytest.raises(ValueError):
                    absolute(url, base)
                continue
            assert absolute(url, base) == expected, (url, base)


def test_site_prefix_test_agrees_with_the_host_test():
    from urllib.parse import urlsplit

    from newsarchive.spiders.golem import GOLEM_HOSTS, GolemSpider

    spider = GolemSpider()
    pieces = ["https://", "http://", "HTTPS://", "www.golem.de", "golem.de", "rss.golem.de", "evil.com", ".", "/", "@", ":8080", "?x", "#f", "news", "www.golem.de.evil.com", "\t"]  # fmt: skip
    rng = random.Random(5)
    for _ in range(20000):
        # Half of them start like a site URL, so the shortcut is taken often.
        start = rng.choice(spider.site_prefixes) if rng.random() < 0.5 else ""
        url = start + "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        try:
            host = urlsplit(url).hostname
        except ValueError:
            continue
        expected = host in GOLEM_HOSTS or host == spider.base.hostname
        assert spider.is_site_url(url) == expected, url


# --- the page tree and its text -------------------------------------------------------------


def _walked_text(node: common.Node) -> str:
    """text_of as the Python walk reads it, without the shortcut through lexbor's text()."""
    return "".join(common._visible_text(node, None, False))


@pytest.mark.parametrize(("name", "body"), PAGES, ids=[name for name, _ in PAGES])
def test_text_of_reads_what_the_walk_reads(name, body):
    root = page_tree(body)
    elements = root.css("*")
    assert elements
    for node in elements:
        assert text_of(node) == _walked_text(node), (name, node.tag)


@pytest.mark.parametrize(("name", "body"), PAGES, ids=[name for name, _ in PAGES])
def test_tree_from_bytes_reads_as_the_tree_from_text(name, body):
    url = "https://www.golem.de/news/x-2501-123456.html"
    response = HtmlResponse(url=url, body=body)
    if response.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        pytest.skip("not a UTF-8 page")
    from_bytes, from_text = page_tree(body), page_tree(response.text)
    assert from_bytes.html == from_text.html
    assert parse_page(from_bytes, url) == parse_page(from_text, url)


# --- the benchmark command --------------------------------------------------------------------


def test_bench_command_prints_ratios(tmp_path):
    page = next(FIXTURES.glob("classic-*.html"))
    (tmp_path / page.name).write_bytes(page.read_bytes())
    command = [sys.executable, "-m", "benchmarks", "--no-real", "--no-fixtures"]
    command += ["--no-replica", "--pages", str(tmp_path), "--runs", "3", "--warmup", "1"]
    command += ["--stages"]
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.search(r"^overall, all 1 pages .* \d+\.\d\dx", result.stdout, re.MULTILINE)
    assert "dateparser: loaded once per process" in result.stdout
    assert re.search(r"^  \+ layout parser .* \d+\.\d\dx", result.stdout, re.MULTILINE)


@pytest.mark.parametrize("stage", ["parse", "tree", "parser", "pipelines", "extract"])
def test_instruction_count_stages_run(stage):
    """The stages counted under valgrind run (here without it, a few calls each)."""
    page = next(FIXTURES.glob("current-*.html"))
    command = [sys.executable, "-m", "benchmarks.instructions", stage, str(page), "2"]
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]


def test_crawl_bench_command_compares_medians():
    """The crawl benchmark runs end to end on a small replica (two runs of each crawl)."""
    command = [sys.executable, "-m", "benchmarks", "crawl", "--articles", "30"]
    command += ["--repeat", "2", "--concurrency", "4"]
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    runs = re.findall(r"^\s+30 (archive|bare) ", result.stdout, re.MULTILINE)
    assert sorted(runs) == ["archive", "archive", "bare", "bare"], result.stdout
    assert re.search(r"medians of 2 runs each: [\d.]+ / [\d.]+ = \d+\.\d\dx", result.stdout)
    assert "WARC on" in result.stdout.splitlines()[0]
    assert re.search(
        r"^peak RSS of the archive crawl .*: [\d.]+ MB at 30 articles", result.stdout, re.MULTILINE
    )
