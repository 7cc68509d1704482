"""Nothing lost: failed writes, kills and concurrent runs never cost or mix a record.

Every test runs the real `scrapy crawl golem` in a subprocess against the replica on
127.0.0.1 and reads what it left on disk: feed files, stats, state store.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from tests.helpers import (
    FAST,
    NOW,
    PROJECT,
    assert_same_fields,
    bound_by_permissions,
    collect,
    crawl_command,
    fast,
    months_of_run,
    read_jsonl,
    run_crawl,
    run_reparse,
    start_crawl,
    warcio,
)
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site


def test_runs_started_in_the_same_second_write_apart(tmp_path):
    """Two runs (own state stores, so no lock between them) into one output folder, with
    the same start instant: each has its own run id and files, holding its records only."""
    site = build_site(now=NOW)
    output = tmp_path / "output"
    started = datetime.now(UTC).replace(microsecond=0).isoformat()
    with ReplicaServer(site) as server:
        runs = [
            subprocess.Popen(
                crawl_command(
                    tmp_path,
                    settings={
                        **FAST,
                        "GOLEM_BASE_URL": server.base_url,
                        "NEWSARCHIVE_OUTPUT_DIR": output,
                        "NEWSARCHIVE_STATE_DIR": tmp_path / f"state-{n}",
                        "NEWSARCHIVE_LOG_DIR": tmp_path / f"logs-{n}",
                        "NEWSARCHIVE_RUN_STARTED": started,
                        "NEWSARCHIVE_NOW": NOW.isoformat(),
                    },
                ),
                cwd=PROJECT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for n in range(2)
        ]
        outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], "\n".join(o[-1500:] for o in outputs)
    article_files = sorted(output.glob("*-articles.jsonl"))
    stats_files = sorted(output.glob("*-stats.json"))
    assert len(article_files) == 2, [p.name for p in sorted(output.iterdir())]
    assert len(stats_files) == 2
    for articles, stats_file in zip(article_files, stats_files, strict=True):
        assert articles.name.removesuffix("-articles.jsonl") == stats_file.name.removesuffix(
            "-stats.json"
        )
        ids = [record["id"] for record in read_jsonl(articles)]
        stats = json.loads(stats_file.read_text("utf-8"))
        # The file holds exactly the records its own run counted, each article once.
        assert len(ids) == len(set(ids)) == stats["newsarchive/written/article"] > 0


# --- failed writes --------------------------------------------------------------------------
BACKFILL = ("-a", "since=2024-01-01")  # every article of the replica, no related links needed


def archived_ids(state: Path) -> set[str]:
    """Article ids the state store says are archived (none before a run created it)."""
    if not (state / "newsarchive.sqlite3").exists():
        return set()
    db = sqlite3.connect(state / "newsarchive.sqlite3")
    try:
        return {row[0] for row in db.execute("SELECT id FROM articles")}
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):  # killed before its first migration was in
            return set()
        raise
    finally:
        db.close()


def crawl_in_process(
    workdir: Path,
    settings: dict,
    preexec: Callable[[], None] | None = None,
    args: tuple[str, ...] = BACKFILL,
) -> tuple[int, str]:
    """The real crawl in a subprocess, with `preexec` run in it before Scrapy starts."""
    process = subprocess.run(
        crawl_command(workdir, *args, settings=settings),
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=preexec,
    )
    return process.returncode, process.stdout + process.stderr


def file_size_limit(max_bytes: int) -> Callable[[], None]:
    """A disk that fills up, without root: no file of the process may grow past `max_bytes`.
    SIGXFSZ ignored, so the write that would pass the limit fails with EFBIG instead of
    killing the process (CPython ignores it too; said here so the test does not rely on it)."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return limit


def article_files(folder: Path) -> list[Path]:
    """A run's article files: published, or still in `unfinished/` (a killed run's)."""
    return sorted([*folder.glob("*-articles.jsonl"), *folder.glob("unfinished/*-articles.jsonl")])


def written_records(folder: Path) -> list[dict]:
    return [record for path in article_files(folder) for record in read_jsonl(path)]


def assert_unhealthy_for_writes(returncode: int, output: str) -> None:
    verdict = [line for line in output.splitlines() if line.startswith("UNHEALTHY: ")]
    assert returncode == 1, output[-3000:]
    assert any("writes failed, first: " in line for line in verdict), output[-3000:]
    assert "run healthy" not in output


def assert_nothing_marked_that_is_not_on_disk(state: Path, folder: Path) -> list[dict]:
    """Every article the state calls archived has its whole record in the run's files, and
    no file ends in a cut record."""
    records = []
    for path in article_files(folder) if folder.is_dir() else []:
        text = path.read_text("utf-8")
        assert not text or text.endswith("\n"), f"{path.name} ends in a cut record"
        records += read_jsonl(path)
    assert archived_ids(state) <= {record["id"] for record in records}
    return records


def assert_rerun_archives_every_article_once(workdir, server, site, first: list[dict]):
    rerun = run_crawl(workdir, *BACKFILL, settings=fast(server, workdir / "rerun"), timeout=180)
    assert rerun.returncode == 0, rerun.log[-3000:]
    ids = [record["id"] for record in first + rerun.articles]
    assert sorted(ids) == sorted(site.articles), "an article lost or archived twice"
    return rerun


def test_full_disk_is_unhealthy_and_loses_no_article(tmp_path):
    """Files may not grow past 150 kB (RLIMIT_FSIZE): the state store's write-ahead log is
    the first to hit it, the feed files next. The run says why it is unhealthy, marks only
    what is on disk, and the next run archives every article exactly once."""
    site = build_site(now=NOW, n_articles=60)
    with ReplicaServer(site) as server:
        settings = fast(server, tmp_path / "full", NEWSARCHIVE_LOG_DIR="")
        returncode, output = crawl_in_process(tmp_path, settings, file_size_limit(150_000))
        assert_unhealthy_for_writes(returncode, output)
        assert "state write failed: " in output, output[-3000:]
        first = assert_nothing_marked_that_is_not_on_disk(tmp_path / "state", tmp_path / "full")
        assert len(first) < len(site.articles)
        rerun = assert_rerun_archives_every_article_once(tmp_path, server, site, first)
    print(f"full disk: {len(first)} records kept, rerun wrote {len(rerun.articles)}")


def test_feed_on_a_full_device_is_unhealthy_and_loses_no_article(tmp_path):
    """An extra feed (`-o`) on /dev/full: every write to it fails with ENOSPC. Records that
    reached the run's own file are taken back, nothing is marked archived."""
    site = build_site(now=NOW)
    with ReplicaServer(site) as server:
        settings = fast(server, tmp_path / "full")
        process = subprocess.run(
            [*crawl_command(tmp_path, *BACKFILL, settings=settings), "-o", "/dev/full:jsonlines"],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=180,
        )
        output = process.stdout + process.stderr
        logs = collect(tmp_path).log
        assert_unhealthy_for_writes(process.returncode, output)
        assert "No space left on device" in output, output[-2000:]
        first = assert_nothing_marked_that_is_not_on_disk(tmp_path / "state", tmp_path / "full")
        assert first == [] and archived_ids(tmp_path / "state") == set(), logs[-2000:]
        assert_rerun_archives_every_article_once(tmp_path, server, site, first)


def test_read_only_output_folder_is_unhealthy_and_marks_nothing(tmp_path):
    site = build_site(now=NOW)
    output = tmp_path / "output"
    output.mkdir()
    output.chmod(0o555)
    with ReplicaServer(site) as server:
        returncode, text = crawl_in_process(tmp_path, fast(server, output), bound_by_permissions())
        assert_unhealthy_for_writes(returncode, text)
        assert "Permission denied" in text, text[-2000:]
        assert archived_ids(tmp_path / "state") == set()
        output.chmod(0o755)
        assert_rerun_archives_every_article_once(tmp_path, server, site, [])


def test_file_in_place_of_the_output_folder_is_unhealthy_and_marks_nothing(tmp_path):
    site = build_site(now=NOW)
    occupied = tmp_path / "output"
    occupied.write_text("not a folder\n")
    with ReplicaServer(site) as server:
        returncode, text = crawl_in_process(tmp_path, fast(server, occupied))
        assert_unhealthy_for_writes(returncode, text)
        assert archived_ids(tmp_path / "state") == set()
        assert occupied.read_text() == "not a folder\n"
        assert_rerun_archives_every_article_once(tmp_path, server, site, [])


# --- redirects in the WARC ------------------------------------------------------------------
class MovingReplica(ReplicaServer):
    """The replica, where some articles moved: their old URLs answer with a redirect whose
    Location is written as sites write it: relative, with a fragment, in raw UTF-8 bytes."""

    def __init__(self, site, moves: dict[str, tuple[int, str]], **options) -> None:
        super().__init__(site, **options)
        self.moves = moves  # old path -> (status, Location as sent)
        self.aliases: dict[str, str] = {}  # path requested after a redirect -> article path

    def respond(self, method, target, headers):
        move = self.moves.get(target)
        if move is not None:
            with self._lock:
                self._requests.append((method, target, headers))
            status, location = move
            # http.server sends header values as latin-1: these are the UTF-8 bytes.
            wire = location.encode("utf-8").decode("latin-1")
            return status, {"Location": wire, "Content-Type": "text/html"}, b"moved"
        path = self.aliases.get(target.split("#")[0], target)
        return super().respond(method, path, headers)


def test_reparse_replays_redirects_and_rebuilds_every_moved_article(tmp_path):
    site = build_site(now=NOW, n_articles=30)
    moved = site.newest()[:4]
    umlaut = f"/news/überholt-{moved[2].yymm}-{moved[2].id}.html"
    moves = {
        f"/news/alt-{moved[0].id}.html": (301, moved[0].path()),
        f"/news/alt-{moved[1].id}.html": (301, moved[1].path() + "#cmts"),
        f"/news/alt-{moved[2].id}.html": (301, umlaut),
        f"/news/alt-{moved[3].id}.html": (302, f"/news/zwischen-{moved[3].id}.html"),
        f"/news/zwischen-{moved[3].id}.html": (308, moved[3].path()),  # a chain
    }
    with MovingReplica(site, moves) as server:
        server.aliases["/news/%C3%BCberholt-" + umlaut.split("-", 1)[1]] = moved[2].path()
        urls = ",".join(server.base_url + old for old in moves if "/alt-" in old)
        crawl = run_crawl(
            tmp_path / "crawl",
            "-a",
            f"urls={urls}",
            settings={
                "GOLEM_BASE_URL": server.base_url,
                "NEWSARCHIVE_NOW": NOW.isoformat(),
                "AUTOTHROTTLE_ENABLED": "False",
                "DOWNLOAD_DELAY": "0",
            },
        )
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert sorted(a["id"] for a in crawl.articles) == sorted(s.id for s in moved)
    warcs = sorted((tmp_path / "crawl" / "output").glob("*.warc.gz"))
    index = warcio("index", "-f", "warc-type,warc-target-uri,http:status", *map(str, warcs))
    stored = {
        (urlsplit(entry["warc-target-uri"]).path, entry["http:status"])
        for entry in map(json.loads, index.stdout.splitlines())
        if entry.get("warc-type") == "response"
    }
    # Every redirect is in the WARC, as its own response record.
    assert {(old, str(status)) for old, (status, _) in moves.items()} <= stored

    reparse = run_reparse(tmp_path / "reparse", *map(str, warcs))
    assert reparse.returncode == 0, reparse.log[-3000:]
    assert reparse.stats.get("newsarchive/reparse/missing", 0) == 0, reparse.log[-3000:]
    rebuilt = {record["id"]: record for record in reparse.articles}
    assert sorted(rebuilt) == sorted(a["id"] for a in crawl.articles)
    for record in crawl.articles:  # every field, crawled_at included
        assert_same_fields(rebuilt[record["id"]], record)


# --- kills ----------------------------------------------------------------------------------
HOPS = 2  # two hops of related links: more articles that only related links reach


def reachable_by_default_run(site, now: datetime, hops: int) -> tuple[set[str], set[str]]:
    """Articles a default run finds on index pages, feed and sitemaps, and those it reaches
    only through up to `hops` article-to-article links."""
    found = site.reachable_ids("default") | site.reachable_ids(
        "backfill", months=months_of_run(now)
    )
    level, reached = set(found), set(found)
    for _ in range(hops):
        level = {
            linked for i in level for linked in site.linked_ids(site.articles[i].path())
        } - reached
        reached |= level
    return found, reached - found


# A day on which the replica has an article that only a chain through a sitemap article
# reaches: sitemap article -> related article -> related article (see the test below).
CHAIN_DAY = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def test_the_articles_a_run_reaches_do_not_depend_on_which_page_answers_first(tmp_path):
    """Two hops of related links, and the sitemap index answering last (after 3 s):
    an article the sitemap names was met first as a related link and read one hop too far
    out, so its own related articles were read at the edge of the hop budget and theirs were
    not followed. When the sitemap puts it at hop 0, everything it leads to comes nearer
    too, and the run reaches exactly the articles within two hops, as in any other order."""
    site = build_site(now=CHAIN_DAY, n_articles=120)
    linked, related_only = reachable_by_default_run(site, CHAIN_DAY, HOPS)
    settings = {"NEWSARCHIVE_FOLLOW_HOPS": HOPS, "NEWSARCHIVE_NOW": CHAIN_DAY.isoformat()}
    with ReplicaServer(site, faults={"/gsiteindex.xml": ("slow", 3.0)}) as server:
        run = run_crawl(tmp_path, settings=fast(server, tmp_path / "out", **settings))
    assert run.returncode == 0, run.log[-3000:]
    ids = [record["id"] for record in run.articles]
    assert len(ids) == len(set(ids))
    reachable = linked | related_only
    assert set(ids) == reachable, f"missing {sorted(reachable - set(ids))}"


def wait_until_written(process, folder: Path, count: int, timeout: float = 60) -> None:
    """Until a running crawl has written `count` article records, or has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if len(written_records(folder)) >= count:
            return
        time.sleep(0.02)


# Where a run starts: an index page answering late changes the order the run meets
# articles in, and with it at which hop it first meets each (see the test above).
INDEX_PATHS = ("/", "/ticker/", "/rss.php", "/gsiteindex.xml")


def kill_seed() -> int:
    """The seed of the kill schedule: NEWSARCHIVE_KILL_SEED replays one, else a new one."""
    given = os.environ.get("NEWSARCHIVE_KILL_SEED")
    return int(given) if given else random.randrange(1 << 32)


def test_kills_at_random_points_lose_no_related_article(tmp_path):
    """A default run that follows two hops of related links, killed with SIGKILL again and
    again at points a seed chooses, then run to completion: every reachable article is
    archived exactly once, the ones only related links lead to included.

    Each killed run dies after a number of records, after a time (which may be before its
    first record, while it reads index pages and sitemaps), or exactly between a record's
    write and its mark (tests/kill_between.py); in each run, final one included, some
    index pages answer late, so the runs meet the articles in different orders. A failure
    names its seed: NEWSARCHIVE_KILL_SEED=<seed> replays the schedule.
    """
    from newsarchive.settings import EXTENSIONS

    seed = kill_seed()
    rng = random.Random(seed)
    site = build_site(now=CHAIN_DAY, n_articles=120)
    linked, related_only = reachable_by_default_run(site, CHAIN_DAY, HOPS)
    assert related_only, "the replica has articles only related links lead to"
    settings = {"NEWSARCHIVE_FOLLOW_HOPS": HOPS, "NEWSARCHIVE_NOW": CHAIN_DAY.isoformat()}
    slow = {"DOWNLOAD_DELAY": 0.02, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    between = json.dumps({**EXTENSIONS, "tests.kill_between.KillAfterFeedWrite": 1})
    records: list[dict] = []
    schedule: list[str] = []
    with ReplicaServer(site) as server:
        for n in range(6):
            late = rng.sample(INDEX_PATHS, rng.randint(0, 2))
            server.faults = {path: ("slow", round(rng.uniform(0.2, 1.5), 2)) for path in late}
            folder = tmp_path / f"killed-{n}"
            run = fast(server, folder, **settings, **slow)
            how = rng.choice(("records", "time", "between"))
            count, seconds = rng.randint(1, 10), round(rng.uniform(0.1, 2.5), 2)
            if how == "between":
                run.update(EXTENSIONS=between, TEST_KILL_AFTER_ARTICLES=count)
            schedule.append(f"{how} {seconds if how == 'time' else count}, late {late}")
            crawl = start_crawl(tmp_path, settings=run)
            if how == "records":
                wait_until_written(crawl, folder, count)
            elif how == "time":
                time.sleep(seconds)
            if how != "between":
                crawl.send_signal(signal.SIGKILL)
            crawl.communicate(timeout=60)
            records += written_records(folder)
            assert archived_ids(tmp_path / "state") <= {r["id"] for r in records}, (
                f"seed {seed}: marked archived, not on disk, after {schedule}"
            )
        late = rng.sample(INDEX_PATHS, rng.randint(0, 2))
        server.faults = {path: ("slow", round(rng.uniform(0.2, 1.5), 2)) for path in late}
        schedule.append(f"final, late {late}")
        final = run_crawl(
            tmp_path, settings=fast(server, tmp_path / "final", **settings), timeout=180
        )
    assert final.returncode == 0, final.log[-3000:]
    records += final.articles
    ids = [record["id"] for record in records]
    reachable = linked | related_only
    assert set(ids) == reachable, (
        f"seed {seed}: missing {sorted(reachable - set(ids))} after {schedule}"
    )
    assert len(ids) == len(set(ids)), f"seed {seed}: an article archived twice after {schedule}"
    print(f"seed {seed}: {len(ids)} articles, {len(related_only)} only through related links")
    print("\n".join(schedule))


def test_links_of_a_known_article_are_followed_when_its_related_pages_failed(tmp_path):
    """The same class without a kill: every article only related links lead to fails once
    (500, no retry) in the run that archives its parent; the next run, which skips the
    parent as known, still follows the parent's links and archives them."""
    now = NOW
    site = build_site(now=now)
    linked, related_only = reachable_by_default_run(site, now, 1)
    assert related_only
    faults = {site.articles[i].path(): "500-then-200" for i in related_only}
    settings = {"NEWSARCHIVE_FOLLOW_HOPS": 1, "RETRY_TIMES": 0}
    with ReplicaServer(site, faults=faults) as server:
        first = run_crawl(tmp_path, settings=fast(server, tmp_path / "one", **settings))
        assert {r["id"] for r in first.articles} == linked, first.log[-3000:]
        second = run_crawl(tmp_path, settings=fast(server, tmp_path / "two", **settings))
    assert second.returncode == 0, second.log[-3000:]
    assert sorted(r["id"] for r in second.articles) == sorted(related_only)


def killed_between_write_and_mark(tmp_path: Path, server) -> list[dict]:
    """A backfill SIGKILLed after the fifth article's record is in its file but before the
    state marked it (tests/kill_between.py); the records it left in `killed/`."""
    from newsarchive.settings import EXTENSIONS

    extensions = {**EXTENSIONS, "tests.kill_between.KillAfterFeedWrite": 1}
    killed = run_crawl(
        tmp_path,
        *BACKFILL,
        settings=fast(
            server,
            tmp_path / "killed",
            EXTENSIONS=json.dumps(extensions),
            TEST_KILL_AFTER_ARTICLES=5,
        ),
    )
    assert killed.returncode == -signal.SIGKILL, killed.log[-2000:]
    return written_records(tmp_path / "killed")


def test_kill_between_feed_write_and_state_mark_writes_no_article_twice(tmp_path):
    """SIGKILL after the fifth article's record is in its file but before the state marked
    it: the next run learns from the file that it is archived and writes it no more."""
    site = build_site(now=NOW)
    with ReplicaServer(site) as server:
        records = killed_between_write_and_mark(tmp_path, server)
        assert len(records) == 5
        rerun = assert_rerun_archives_every_article_once(tmp_path, server, site, records)
    assert rerun.stats["newsarchive/state/settled/written"] == 1


def test_state_refusing_writes_in_a_run_of_known_articles_is_unhealthy(tmp_path):
    """Everything archived already; in the next run the state store refuses writes from the
    sitemap index's answer on, so the only writes left are the incremental filter's: the
    sitemaps it marks as being read and read to the end. A failed one is a failed state
    write like any other (UNHEALTHY, said on the terminal, no traceback), and the run after
    it archives nothing twice."""
    from newsarchive.settings import ITEM_PIPELINES

    site = build_site(now=NOW)
    pipelines = {**ITEM_PIPELINES, "tests.state_faults.StateRefusesWrites": 1}
    with ReplicaServer(site) as server:
        first = run_crawl(tmp_path, settings=fast(server, tmp_path / "first"))
        assert first.returncode == 0, first.log[-3000:]
        settings = fast(
            server,
            tmp_path / "refused",
            ITEM_PIPELINES=json.dumps(pipelines),
            TEST_STATE_REFUSES_FROM="/gsiteindex.xml",
        )
        returncode, output = crawl_in_process(tmp_path, settings, args=())
        logs = collect(tmp_path).log
        assert_unhealthy_for_writes(returncode, output)
        assert "state write failed: " in output, output[-3000:]
        assert "Traceback" not in output, output[-3000:]
        assert "spider_exceptions" not in logs, logs[-3000:]  # no callback tripped over it
        after = run_crawl(tmp_path, settings=fast(server, tmp_path / "after"))
    assert after.returncode == 0, after.log[-3000:]
    ids = [r["id"] for r in first.articles + after.articles]
    assert len(ids) == len(set(ids)), "an article archived twice"


def test_state_refusing_writes_as_a_run_settles_a_killed_runs_record_is_unhealthy(tmp_path):
    """A run killed between a record's write and its mark leaves the record pending; the
    next run settles it first thing, and its store refuses writes from the start. It says
    so (UNHEALTHY, no traceback), and the run after it settles the record: every article
    archived exactly once."""
    from newsarchive.settings import ITEM_PIPELINES

    site = build_site(now=NOW)
    refuse = {**ITEM_PIPELINES, "tests.state_faults.StateRefusesWrites": 1}
    with ReplicaServer(site) as server:
        records = killed_between_write_and_mark(tmp_path, server)
        settings = fast(
            server,
            tmp_path / "refused",
            ITEM_PIPELINES=json.dumps(refuse),
            TEST_STATE_REFUSES_FROM="start",
        )
        returncode, output = crawl_in_process(tmp_path, settings)
        assert_unhealthy_for_writes(returncode, output)
        assert "state write failed: " in output, output[-3000:]
        assert "Traceback" not in output, output[-3000:]
        records += written_records(tmp_path / "refused")
        rerun = run_crawl(tmp_path, *BACKFILL, settings=fast(server, tmp_path / "rerun"))
    assert rerun.returncode == 0, rerun.log[-3000:]
    assert rerun.stats["newsarchive/state/settled/written"] == 1
    ids = [r["id"] for r in records + rerun.articles]
    assert sorted(ids) == sorted(site.articles), "an article lost or archived twice"
