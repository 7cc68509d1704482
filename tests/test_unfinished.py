"""Feed files every reader can open at every moment: a kill at any point leaves the output
folder readable by pandas, DuckDB and jq, and the next run recovers the killed run's records."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchive.feeds import FlushingGzipPlugin
from newsarchive.unfinished import UNFINISHED, recover, repair
from tests.helpers import NOW, collect, fast, read_jsonl, run_crawl, start_crawl
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site

RECORDS = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.text(alphabet="0123456789", min_size=1, max_size=6),
            "text": st.text(max_size=300),  # umlauts, newlines (escaped), anything
        }
    ),
    min_size=1,
    max_size=12,
)


def jsonl_lines(records) -> list[bytes]:
    return [(json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8") for r in records]


def written_gzip(lines: list[bytes]) -> tuple[bytes, list[int]]:
    """A gzip feed as the run writes it (a sync flush per record), and the file size after
    each record."""
    buffer = io.BytesIO()
    plugin = FlushingGzipPlugin(buffer, {})
    ends = []
    for line in lines:
        plugin.write(line)
        ends.append(buffer.tell())
    plugin.close()
    return buffer.getvalue(), ends


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=RECORDS, data=st.data())
def test_a_plain_feed_cut_anywhere_repairs_to_its_complete_records(tmp_path, records, data):
    whole = b"".join(jsonl_lines(records))
    cut = data.draw(st.integers(0, len(whole)))
    path = tmp_path / "golem-x-articles.jsonl"
    path.write_bytes(whole[:cut])
    result = repair(path)
    repaired = path.read_bytes()
    assert whole.startswith(repaired) and (not repaired or repaired.endswith(b"\n"))
    complete = whole[:cut].count(b"\n")
    assert [json.loads(line) for line in repaired.splitlines()] == records[:complete]
    assert result.records == complete and result.cut_bytes == cut - len(repaired)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=RECORDS, data=st.data())
def test_a_gzip_feed_cut_anywhere_repairs_to_a_whole_gzip_of_its_complete_records(
    tmp_path, records, data
):
    compressed, ends = written_gzip(jsonl_lines(records))
    cut = data.draw(st.integers(0, len(compressed)))
    path = tmp_path / "golem-x-articles.jsonl.gz"
    path.write_bytes(compressed[:cut])
    result = repair(path)
    with gzip.open(path, "rb") as file:  # a complete member: no "unexpected end of file"
        lines = file.read().splitlines()
    got = [json.loads(line) for line in lines]
    # Every record flushed before the cut is kept, in order, and nothing else.
    flushed = sum(1 for end in ends if end <= cut)
    assert got == records[: len(got)] and len(got) >= flushed
    assert result.records == len(got)


def test_recovery_leaves_a_file_whose_writer_lives_and_moves_a_dead_ones(tmp_path):
    staging = tmp_path / UNFINISHED
    staging.mkdir()
    (staging / "golem-a-articles.jsonl").write_bytes(b'{"id": "1"}\n{"id": "2"')
    (staging / "golem-b-articles.jsonl").write_bytes(b'{"id": "3"}\n')
    (staging / "golem-c-teasers.jsonl").write_bytes(b'{"id": "cut')
    # A living writer: another process holding the flock on its file.
    holder = subprocess.Popen(
        [
            "python3",
            "-c",
            "import fcntl,sys,time; f=open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_EX);"
            " print('locked', flush=True); time.sleep(30)",
            str(staging / "golem-b-articles.jsonl"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        recovered = recover(tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert [(r.path.name, r.records, r.cut_bytes) for r in recovered] == [
        ("golem-a-articles.jsonl", 1, len(b'{"id": "2"'))
    ]
    assert (tmp_path / "golem-a-articles.jsonl").read_bytes() == b'{"id": "1"}\n'
    assert sorted(p.name for p in staging.iterdir()) == ["golem-b-articles.jsonl"]
    # Its writer gone, the next recovery moves it in; the folder goes when empty.
    assert [r.path.name for r in recover(tmp_path)] == ["golem-b-articles.jsonl"]
    assert not staging.exists()


def read_folder_like_users(folder: Path) -> int:
    """pandas, DuckDB and jq over every article feed in `folder`; the record count they agree on."""
    files = sorted(folder.glob("*-articles.jsonl*"))
    assert files, f"no article feeds in {folder}"
    frames = [pandas.read_json(path, lines=True) for path in files]
    counted = sum(len(frame) for frame in frames)
    pattern = str(folder / "*-articles.jsonl*")
    ((duck,),) = duckdb.sql(f"SELECT count(*) FROM read_json_auto('{pattern}')").fetchall()
    assert duck == counted
    for path in files:
        opened = gzip.open(path) if path.suffix == ".gz" else path.open("rb")
        with opened as file:
            jq = subprocess.run(
                ["jq", "-c", ".id"], input=file.read(), capture_output=True, check=False
            )
        assert jq.returncode == 0, jq.stderr
    return counted


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_a_killed_gzip_run_leaves_a_folder_every_reader_opens_and_the_rerun_recovers_it(tmp_path):
    site = build_site(now=NOW, n_articles=160)
    output = tmp_path / "output"
    gz = {"NEWSARCHIVE_GZIP": True}
    with ReplicaServer(site) as server:
        first = run_crawl(
            tmp_path,
            "-a",
            "urls=" + server.base_url + site.articles[min(site.articles)].path(),
            settings=fast(server, output, **gz),
        )
        assert first.returncode == 0, first.log[-2000:]
        crawl = start_crawl(
            tmp_path,
            "-a",
            "since=2024-01-01",
            settings=fast(
                server, output, DOWNLOAD_DELAY=0.03, CONCURRENT_REQUESTS_PER_DOMAIN=2, **gz
            ),
        )
        unfinished = output / UNFINISHED
        deadline = datetime.now(UTC).timestamp() + 60
        while datetime.now(UTC).timestamp() < deadline:
            files = list(unfinished.glob("*-articles.jsonl.gz"))
            if files and files[0].stat().st_size > 20_000:
                break
            time.sleep(0.05)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)

        # Right after the kill: the folder holds complete files only, every reader reads it.
        assert read_folder_like_users(output) == 1
        (cut,) = unfinished.glob("*-articles.jsonl.gz")
        with pytest.raises(EOFError):  # the killed run's own file ends mid-stream
            gzip.decompress(cut.read_bytes())

        rerun = run_crawl(tmp_path, "-a", "since=2024-01-01", settings=fast(server, output, **gz))
        assert rerun.returncode == 0, rerun.log[-2000:]
    assert not unfinished.exists()
    killed_file = output / cut.name
    with gzip.open(killed_file, "rt", encoding="utf-8") as file:
        killed = [json.loads(line) for line in file]
    assert 0 < len(killed) < len(site.articles), "killed mid-run"
    assert rerun.stats["newsarchive/unfinished/recovered_files"] >= 1
    assert rerun.stats["newsarchive/unfinished/recovered_records"] >= len(killed)
    # Nothing lost: the killed run's records and the rerun's cover every article.
    every = set()
    for path in output.glob("*-articles.jsonl.gz"):
        with gzip.open(path, "rt", encoding="utf-8") as file:
            every |= {json.loads(line)["id"] for line in file}
    assert every == set(site.articles)
    assert read_folder_like_users(output) >= len(site.articles)
    print(f"killed run kept {len(killed)} records; rerun recovered its file")


def test_run_files_appear_only_complete(tmp_path):
    """A finished run leaves nothing in unfinished/ and its files in the folder."""
    page = (Path(__file__).parent / "fixtures" / "classic-analyse-2501-300101.html").as_uri()
    result = run_crawl(tmp_path, "-a", f"urls={page}")
    assert result.returncode == 0, result.log[-2000:]
    assert [r["id"] for r in result.articles] == ["300101"]
    assert not (tmp_path / "output" / UNFINISHED).exists()
    assert read_jsonl(next((tmp_path / "output").glob("*-articles.jsonl")))
    assert collect(tmp_path).stats["finish_reason"] == "finished"
