"""`scrapy export`: the replica's runs as one SQLite database, Datasette over it, Parquet.

Truth is what the runs wrote (their files, read as a user reads them) and the replica's
articles; the database is compared with it table by table.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta

import duckdb
import pyarrow.parquet as pq
import pytest
from datasette.app import Datasette

from newsarchive.archive import feed_files, read_records
from tests.helpers import NOW, PROJECT, fast, run_crawl
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site

NOTE = "Nachtrag: Der Hersteller hat die Angaben inzwischen bestätigt."


def export(workdir, *args):
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "export", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        env=None,
    )


def scrapy_export(output, target, *extra):
    process = export(None, str(target), "-s", f"NEWSARCHIVE_OUTPUT_DIR={output}", *extra)
    assert process.returncode == 0, process.stdout + process.stderr
    return process.stdout


def written(output) -> tuple[list[dict], list[dict]]:
    articles, teasers = [], []
    for feed in feed_files(output):
        (articles if feed.kind == "article" else teasers).extend(read_records(feed.path))
    return articles, teasers


def words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w+", text)}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Two runs over the replica, one article revised in between, exported after each."""
    tmp = tmp_path_factory.mktemp("export")
    now = NOW
    site = build_site(now=now)
    output = tmp / "output"
    target = tmp / "db" / "archive.sqlite"
    with ReplicaServer(site) as server:
        first = run_crawl(tmp, "-a", "since=2024-01-01", settings=fast(server, output))
        assert first.returncode == 0, first.log[-2000:]
        first_export = scrapy_export(output, target)
        revised = sorted(site.articles)[3]
        site.revise(revised, NOTE)
        second = run_crawl(
            tmp,
            "-a",
            f"urls={server.base_url}{site.articles[revised].path()}",
            settings=fast(server, output),
        )
        assert second.returncode == 0, second.log[-2000:]
        # A default run adds home page and ticker teasers.
        third = run_crawl(
            tmp,
            settings=fast(server, output, NEWSARCHIVE_NOW=(now + timedelta(minutes=1)).isoformat()),
        )
        assert third.returncode == 0, third.log[-2000:]
    second_export = scrapy_export(output, target, "--parquet", str(tmp / "parquet"))
    return {
        "site": site,
        "output": output,
        "target": target,
        "revised": revised,
        "exports": (first_export, second_export),
        "parquet": tmp / "parquet",
    }


def test_articles_hold_exactly_the_latest_version_of_every_id(archive):
    records, teasers = written(archive["output"])
    latest: dict[str, dict] = {}
    for record in records:
        have = latest.get(record["id"])
        if have is None or (record["version"], record["crawled_at"]) > (
            have["version"],
            have["crawled_at"],
        ):
            latest[record["id"]] = record
    assert set(latest) == set(archive["site"].articles)
    assert latest[archive["revised"]]["version"] == 2
    db = sqlite3.connect(archive["target"])
    db.row_factory = sqlite3.Row
    rows = {row["id"]: dict(row) for row in db.execute("SELECT * FROM articles")}
    assert set(rows) == set(latest)
    for article_id, record in latest.items():
        row = rows[article_id]
        for name in (
            "version",
            "content_hash",
            "headline",
            "summary",
            "text",
            "published",
            "crawled_at",
            "layout",
            "source",
            "word_count",
        ):
            assert row[name] == record[name], (article_id, name)
        for name in ("authors", "topics", "images", "body", "fallbacks"):
            assert json.loads(row[name]) == record[name], (article_id, name)
        assert row["month"] == record["published"][:7]
    versions = db.execute("SELECT count(*) FROM article_versions").fetchone()[0]
    distinct = {(r["id"], r["version"], r["crawled_at"]) for r in records}
    assert versions == len(distinct)
    # Child tables: one row per author, topic and image of each current article, in order.
    for table, field, key in (
        ("authors", "authors", "name"),
        ("topics", "topics", None),
        ("images", "images", "url"),
    ):
        got = {}
        for row in db.execute(f"SELECT * FROM {table} ORDER BY article_id, position"):
            got.setdefault(row["article_id"], []).append(row[key or "topic"])
        expected = {
            i: [item[key] if key else item for item in r[field]]
            for i, r in latest.items()
            if r[field]
        }
        assert got == expected, table
    assert (
        db.execute("SELECT count(*) FROM teasers").fetchone()[0]
        == len({(t["page_url"], t["seen_at"], t["position"]) for t in teasers})
        > 0
    )
    # Declared foreign keys hold.
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    fks = {
        (fk[2], fk[3])
        for t in ("authors", "topics", "images", "article_versions")
        for fk in db.execute(f"PRAGMA foreign_key_list({t})")
    }
    assert fks == {("articles", "article_id"), ("articles", "id")}
    db.close()


def test_a_later_export_reads_only_new_files(archive):
    first, second = archive["exports"]
    assert "0 already in" in first
    match = re.search(r"(\d+) new files read \((\d+) already in\)", second)
    assert match and int(match[1]) >= 2 and int(match[2]) >= 1, second
    again = scrapy_export(archive["output"], archive["target"])
    assert "0 new files read" in again and "0 articles updated" in again


def query(target, path):
    async def fetch():
        datasette = Datasette([str(target)])
        return await datasette.client.get(path)

    return asyncio.run(fetch())


def test_full_text_search_through_datasette_finds_articles_by_a_word_of_their_body(archive):
    db_name = archive["target"].stem
    # The word only the revision added: the revised article's current text has it.
    response = query(archive["target"], f"/{db_name}/articles.json?_search=Nachtrag&_shape=array")
    assert response.status_code == 200, response.text
    found = {row["id"] for row in response.json()}
    assert found == {archive["revised"]}
    # A word with an umlaut: exactly the articles whose current text has it as a word.
    conn = sqlite3.connect(archive["target"])
    texts = dict(
        conn.execute(
            "SELECT id, headline || ' ' || coalesce(summary, '') || ' ' || text FROM articles"
        )
    )
    conn.close()
    counts: dict[str, set[str]] = {}
    for article_id, text in texts.items():
        for word in words(text):
            if re.search("[äöüß]", word):
                counts.setdefault(word, set()).add(article_id)
    word, having = max(counts.items(), key=lambda item: (len(item[1]) < len(texts), len(item[1])))
    response = query(
        archive["target"], f"/{db_name}/articles.json?_search={word}&_shape=array&_size=max"
    )
    assert {row["id"] for row in response.json()} == having, word


def test_datasette_shows_the_exports_titles_and_facets_without_set_up(archive):
    db_name = archive["target"].stem
    response = query(archive["target"], f"/{db_name}/articles.json?_size=1")
    assert response.status_code == 200
    body = response.json()
    facets = set(body.get("facet_results", {}).get("results", body.get("facet_results", {})))
    assert {"month", "topics", "author_names"} <= facets, body.get("facet_results")
    html = query(archive["target"], f"/{db_name}/articles").text
    assert "Articles (current version)" in html
    beside = json.loads(archive["target"].with_name("archive.metadata.json").read_text())
    assert beside["databases"][db_name]["tables"]["topics"]["facets"] == ["topic", "month"]


def test_parquet_files_hold_the_same_tables(archive):
    conn = sqlite3.connect(archive["target"])
    for table in ("articles", "article_versions", "authors", "topics", "images", "teasers"):
        path = archive["parquet"] / f"{table}.parquet"
        count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert pq.read_metadata(path).num_rows == count, table
    conn.close()
    ((revised_version,),) = duckdb.sql(
        f"SELECT version FROM '{archive['parquet'] / 'articles.parquet'}'"
        f" WHERE id = '{archive['revised']}'"
    ).fetchall()
    assert revised_version == 2
    ((authors,),) = duckdb.sql(
        f"SELECT count(*) FROM (SELECT unnest(authors) FROM '{archive['parquet'] / 'articles.parquet'}')"
    ).fetchall()
    assert authors == pq.read_metadata(archive["parquet"] / "authors.parquet").num_rows


def test_current_version_is_the_one_captured_last_not_the_highest_number(tmp_path):
    """History imported after a live run: the live page (version 1, captured last) stays
    the article's current version; the older capture archived after it (version 2) is a
    version of its past. The export and the report both say so."""
    from newsarchive.pipelines import content_hash
    from newsarchive.report import load
    from tests.helpers import NOW
    from tests.replica.specs import CANONICAL_BASE

    site = build_site(now=NOW, n_articles=30)
    spec = next(iter(site.articles.values()))
    past = spec.expected_record(CANONICAL_BASE, site.articles)
    site.revise(spec.id, NOTE)
    today = site.articles[spec.id].expected_record(CANONICAL_BASE, site.articles)
    output = tmp_path / "output"
    output.mkdir()
    runs = [
        ("20261201T100000Z-aaaaaa", today, "live", "2026-12-01T10:00:05Z", 1),
        ("20261202T100000Z-bbbbbb", past, "wayback", "2024-04-01T00:30:17Z", 2),
    ]
    for run, record, source, captured_at, version in runs:
        full = {
            **record,
            "source": source,
            "captured_at": captured_at,
            "crawled_at": f"{run[:4]}-{run[4:6]}-{run[6:8]}T10:00:05Z",
            "source_url": record["url"],
            "content_hash": content_hash(record["headline"], record["summary"], record["text"]),
            "version": version,
        }
        line = json.dumps(full, ensure_ascii=False) + "\n"
        (output / f"golem-{run}-articles.jsonl").write_text(line, "utf-8")
    target = tmp_path / "archive.sqlite"
    scrapy_export(output, target)
    db = sqlite3.connect(target)
    row = db.execute("SELECT version, source, text FROM articles WHERE id = ?", (spec.id,))
    assert row.fetchone() == (1, "live", today["text"])
    versions = db.execute("SELECT COUNT(*) FROM article_versions WHERE id = ?", (spec.id,))
    assert versions.fetchone()[0] == 2
    current = load(output).current[spec.id]
    assert (current["version"], current["source"]) == (1, "live")
