"""Bad input gets a clear outcome: `error: <reason>` on one line and exit 2, before any
request, file or state store exists; spider arguments are the known ones only."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.exceptions import UsageError
from scrapy.settings import Settings

from newsarchive import settings as project_settings
from newsarchive.arguments import parsed_arguments, validate_run
from newsarchive.commands.crawl import EXIT_STATE, LOCK_NAME
from newsarchive.state import StateStore
from tests.helpers import NOW, PROJECT, bound_by_permissions, crawl_command
from tests.servers import Answer, ScriptedServer

FAST = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0"}

BAD_RUNS = {
    "since garbage": (["-a", "since=garbage"], {}),
    "since no such month": (["-a", "since=2024-13-01"], {}),
    "until before since": (["-a", "since=2024-03-01", "-a", "until=2024-01-31"], {}),
    "urls not a url": (["-a", "urls=notaurl"], {}),
    "urls ftp": (["-a", "urls=ftp://127.0.0.1/news/a-2401-123.html"], {}),
    "urls empty": (["-a", "urls="], {}),
    "urls only commas": (["-a", "urls=, ,"], {}),
    "urls another host": (["-a", "urls=http://example.org/news/a-2401-123.html"], {}),
    "unknown argument name": (["-a", "name=../../x"], {}),
    "unknown argument": (["-a", "sinse=2024-01-01"], {}),
    "topic with a slash": (["-a", "topic=../x"], {}),
    "two scopes": (["-a", "topic=security", "-a", "since=2024-01-01"], {}),
    "error rate not a number": ([], {"NEWSARCHIVE_MAX_ERROR_RATE": "abc"}),
    "error rate above 1": ([], {"NEWSARCHIVE_MAX_ERROR_RATE": "10"}),
    "now garbage": ([], {"NEWSARCHIVE_NOW": "garbage"}),
    "now without offset": ([], {"NEWSARCHIVE_NOW": "2025-10-28T12:00:00"}),
    "base url not a url": ([], {"GOLEM_BASE_URL": "not-a-url"}),
    "base url ftp": ([], {"GOLEM_BASE_URL": "ftp://127.0.0.1"}),
    "base url with a path": ([], {"GOLEM_BASE_URL": "http://127.0.0.1:8000/x"}),
    "hops negative": ([], {"NEWSARCHIVE_FOLLOW_HOPS": "-1"}),
    "source unknown": (["-a", "source=ftp", "-a", "since=2024-01-01"], {}),
    "archive without since": (["-a", "source=wayback"], {}),
    "every zero": (["-a", "source=wayback", "-a", "since=2024-01-01", "-a", "every=0d"], {}),
    "wayback url not a url": (
        ["-a", "source=wayback", "-a", "since=2024-01-01"],
        {"WAYBACK_BASE_URL": "not-a-url"},
    ),
    "commoncrawl data url with a path": (
        ["-a", "source=commoncrawl", "-a", "since=2024-01-01"],
        {"COMMONCRAWL_DATA_URL": "http://127.0.0.1:8000/x?y"},
    ),
    "cdx page size zero": (
        ["-a", "source=wayback", "-a", "since=2024-01-01"],
        {"WAYBACK_CDX_PAGE_SIZE": "0"},
    ),
}


@pytest.mark.parametrize("case", list(BAD_RUNS), ids=list(BAD_RUNS))
def test_bad_input_stops_with_one_line_and_exit_2(tmp_path, case):
    args, bad_settings = BAD_RUNS[case]
    routes = {"/robots.txt": Answer(200, b"User-agent: *\nDisallow:\n")}
    with ScriptedServer(routes) as server:
        run_settings = {**FAST, "GOLEM_BASE_URL": server.base_url, **bad_settings}
        process = subprocess.run(
            crawl_command(tmp_path, *args, settings=run_settings),
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert process.returncode == 2, process.stdout + process.stderr[-3000:]
    assert process.stdout == ""
    lines = process.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), process.stderr[-3000:]
    assert server.requests == []
    # nothing written: no output, no state, no log
    assert not any(tmp_path.iterdir()), sorted(tmp_path.rglob("*"))


def test_name_argument_writes_nothing_outside_the_output_folder(tmp_path):
    """`-a name=…` used to rename the spider, and with it the feed files' path."""
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    process = subprocess.run(
        crawl_command(work, "-a", "name=../../escaped", "-a", "urls=file:///nowhere.html"),
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 2
    assert not list(tmp_path.rglob("escaped*"))


def base_settings() -> Settings:
    return Settings({"GOLEM_BASE_URL": "http://127.0.0.1:8000"})


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["urls", "since", "until", "topic", "source", "every", "name", "_job", "start_urls"]
        ),
        st.one_of(
            st.text(max_size=40),
            st.dates().map(date.isoformat),
            st.sampled_from(
                [
                    "http://127.0.0.1:8000/news/a-2401-1234.html",
                    "https://www.golem.de/news/a-2401-1234.html",
                    "file:///tmp/a.html",
                    "ftp://127.0.0.1:8000/x",
                    "http://127.0.0.1:8001/news/a-2401-1234.html",
                    "security",
                ]
            ),
        ),
        max_size=3,
    )
)
def test_arguments_are_parsed_or_refused_with_a_usage_error(arguments):
    """Any argument values: a UsageError or values the spider can use, never another error."""
    try:
        parsed = parsed_arguments(arguments, base_settings())
    except UsageError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert set(parsed) <= {"urls", "since", "until", "topic", "source", "every"}
    if "since" in parsed and "until" in parsed:
        assert parsed["since"] <= parsed["until"]
    for url in parsed.get("urls", ()):
        assert url.startswith(("http://127.0.0.1:8000/", "https://www.golem.de/", "file:///"))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(
        ["GOLEM_BASE_URL", "NEWSARCHIVE_NOW", "NEWSARCHIVE_MAX_ERROR_RATE", "NEWSARCHIVE_MAX_PAGES"]
    ),
    st.text(max_size=30),
)
def test_settings_are_accepted_or_refused_with_a_usage_error(name, value):
    run_settings = Settings({k: v for k, v in vars(project_settings).items() if k.isupper()})
    run_settings.set(name, value)
    try:
        validate_run({}, run_settings)
    except UsageError as error:
        assert str(error).startswith(name) and "\n" not in str(error)


# --- a state store that cannot be used -------------------------------------------------------
def corrupt(state: Path) -> None:
    state.mkdir()
    (state / "newsarchive.sqlite3").write_bytes(b"this is no SQLite database\n" * 100)


def newer_schema(state: Path) -> None:
    state.mkdir()
    db = sqlite3.connect(state / "newsarchive.sqlite3")
    db.execute("PRAGMA user_version = 999")
    db.close()


def a_file_in_its_place(state: Path) -> None:
    state.write_text("not a folder")


def read_only(state: Path) -> None:
    state.mkdir()
    sqlite3.connect(state / "newsarchive.sqlite3").close()
    (state / "newsarchive.sqlite3").chmod(0o444)
    state.chmod(0o555)


def read_only_database(state: Path) -> None:
    """The folder writable (the run's lock file goes there), the database file not."""
    state.mkdir()
    sqlite3.connect(state / "newsarchive.sqlite3").close()
    (state / "newsarchive.sqlite3").chmod(0o444)


def read_only_after_a_run(state: Path) -> None:
    """The state of an earlier run (an article archived, a run's lock file left), then
    made read-only: as restored from a backup, or on a disk mounted read-only."""
    store = StateStore(state)
    record = {"id": "100001", "url": "https://www.golem.de/news/a-2511-100001.html"}
    store.record_archived({**record, "content_hash": "sha256:0", "version": 1}, None, NOW)
    store.close()
    (state / LOCK_NAME).touch()
    for path in state.iterdir():
        path.chmod(0o444)
    state.chmod(0o555)


BROKEN_STATES = {
    "corrupt": (corrupt, "newsarchive.sqlite3"),
    "newer schema": (newer_schema, "newer"),
    "a file in its place": (a_file_in_its_place, "state"),
    "read-only": (read_only, "cannot be written (Permission denied)"),
    "read-only after a run": (read_only_after_a_run, "cannot be written (Permission denied)"),
    "read-only database": (read_only_database, "readonly database"),
}


def archived(state: Path) -> list[tuple]:
    """Every article row the store holds, opened read-only (whatever its permissions)."""
    path = state / "newsarchive.sqlite3"
    if not path.exists():
        return []
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return db.execute("SELECT * FROM articles ORDER BY id").fetchall()
    except sqlite3.Error:
        return []  # no articles table: nothing was ever marked
    finally:
        db.close()


@pytest.mark.parametrize("case", list(BROKEN_STATES), ids=list(BROKEN_STATES))
def test_an_unusable_state_store_says_so_without_a_traceback(tmp_path, case):
    """The crawl learns before its first request that the store cannot be used, says why on
    one line, exits with EX_IOERR, and the store holds what it held before. Run as root, the
    crawl lacks the capabilities that pass file permissions, so the OS refuses the writes
    to a read-only store as it would for anyone else."""
    make, named = BROKEN_STATES[case]
    state = tmp_path / "state"
    make(state)
    before = archived(state)
    with ScriptedServer() as server:
        process = subprocess.run(
            crawl_command(tmp_path, settings={**FAST, "GOLEM_BASE_URL": server.base_url}),
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=bound_by_permissions(),
        )
    try:
        assert process.returncode == EXIT_STATE, process.stdout + process.stderr[-3000:]
        error_lines = [line for line in process.stderr.splitlines() if line.startswith("error:")]
        assert len(error_lines) == 1 and named in error_lines[0], process.stderr[-3000:]
        assert "Traceback" not in process.stdout + process.stderr
        assert server.requests == []
        assert archived(state) == before  # nothing marked archived, nothing lost
    finally:
        if state.is_dir():
            state.chmod(0o755)


def test_a_spider_name_that_is_a_path_writes_no_log_outside_the_log_folder(tmp_path):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    command = crawl_command(work)
    command[command.index("golem")] = "../../escaped"
    process = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert not list(tmp_path.rglob("escaped*")), process.stderr[-2000:]
    assert process.returncode == 2
    assert process.stderr.splitlines()[-1].startswith("error: no spider named")
