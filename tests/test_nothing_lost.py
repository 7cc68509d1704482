"""Nothing lost: failed writes, kills and concurrent runs never cost or mix a record.

Every test runs the real `scrapy crawl golem` in a subprocess against the replica on
127.0.0.1 and reads what it left on disk: feed files, stats, state store.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime

from tests.helpers import PROJECT, crawl_command, read_jsonl
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site
from tests.test_crawl import FAST


def test_runs_started_in_the_same_second_write_apart(tmp_path):
    """Two runs (own state stores, so no lock between them) into one output folder, with
    the same start instant: each has its own run id and files, holding its records only."""
    site = build_site(now=datetime.now(UTC))
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
