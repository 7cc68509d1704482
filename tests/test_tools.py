"""Scrapy's own tools in this project: they look at pages and write nothing into the archive.

WARC, stats, feeds, state and the per-run log belong to `crawl` and `reparse`; `shell`,
`fetch`, `parse`, `bench` and `check` leave the output, state and log folders alone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.exceptions import ContractFail

from newsarchive.contracts import FilledContract
from newsarchive.items import ArticleItem
from newsarchive.spiders.golem import GolemSpider
from tests.helpers import PROJECT

FIXTURES = PROJECT / "tests" / "fixtures"
ARTICLE = (FIXTURES / "classic-analyse-2501-300101.html").as_uri()
TOPIC = (FIXTURES / "topic-page.html").as_uri()


def scrapy(tmp_path: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    folders = {
        "NEWSARCHIVE_OUTPUT_DIR": tmp_path / "output",
        "NEWSARCHIVE_STATE_DIR": tmp_path / "state",
        "NEWSARCHIVE_LOG_DIR": tmp_path / "logs",
    }
    settings = [f"-s{name}={value}" for name, value in folders.items()]
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args, *settings],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def written(tmp_path: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))


@pytest.mark.parametrize(
    "args",
    [
        ("fetch", ARTICLE),
        ("fetch", "--spider", "golem", ARTICLE),
        ("parse", ARTICLE),
        ("parse", "--pipelines", ARTICLE),
        ("shell", ARTICLE, "-c", "response.status"),
        ("check", "golem"),
        ("bench", "-s", "CLOSESPIDER_TIMEOUT=2"),
    ],
    ids=lambda args: " ".join(a for a in args if not a.startswith("file:")),
)
def test_tools_write_nothing_into_the_archive(tmp_path, args):
    result = scrapy(tmp_path, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    assert written(tmp_path) == []
    assert "UNHEALTHY" not in result.stdout + result.stderr
    assert "FeedExporter extension is not enabled" not in result.stderr


def test_parse_finds_the_spider_and_callback_by_the_url(tmp_path):
    article = scrapy(tmp_path, "parse", "--nolog", ARTICLE)
    assert article.returncode == 0, article.stderr[-3000:]
    assert "'kind': 'article'" in article.stdout and "'id': '300101'" in article.stdout
    topic = scrapy(tmp_path, "parse", "--nolog", TOPIC)
    assert topic.returncode == 0, topic.stderr[-3000:]
    assert "'kind': 'teaser'" in topic.stdout and "'kind': 'article'" not in topic.stdout


def test_check_runs_the_contracts_offline(tmp_path):
    result = scrapy(tmp_path, "check", "golem")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Ran 4 contracts" in result.stderr and "OK" in result.stderr


def test_filled_contract_names_the_empty_fields():
    contract = FilledContract(GolemSpider().parse_article, "id", "headline", "authors")
    contract.post_process([ArticleItem(id="300101", headline="Titel", authors=[{"name": "A"}])])
    with pytest.raises(ContractFail, match="empty fields: headline, authors"):
        contract.post_process([ArticleItem(id="300101", headline="", authors=[])])


def test_nolog_writes_no_log_file(tmp_path):
    result = scrapy(tmp_path, "crawl", "golem", "--nolog", "-a", f"urls={ARTICLE}")
    assert result.returncode == 0, result.stdout[-3000:]
    assert not (tmp_path / "logs").exists()
    assert "log:" not in result.stderr
    assert len(list((tmp_path / "output").glob("*-articles.jsonl"))) == 1
