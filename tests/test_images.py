"""NEWSARCHIVE_IMAGES=True: every image of the replica's articles fetched once, stored by
content, recorded in the WARC, and named in the records by path and checksum."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from tests.helpers import NOW, fast, run_crawl
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site


def image_requests(server, since: int = 0) -> list[str]:
    return [p for _, p, _ in server.requests[since:] if p.endswith(".jpg")]


def test_images_of_every_article_are_archived_once_by_content(tmp_path):
    site = build_site(now=NOW)
    output = tmp_path / "output"
    settings = {"NEWSARCHIVE_IMAGES": True, "NEWSARCHIVE_WARC_ENABLED": True}
    expected = site.expected_articles()
    wanted = {urlsplit(i["url"]).path for record in expected.values() for i in record["images"]}
    assert wanted, "the replica's articles have images"
    with ReplicaServer(site) as server:
        first = run_crawl(
            tmp_path, "-a", "since=2024-01-01", settings=fast(server, output, **settings)
        )
        assert first.returncode == 0, first.log[-3000:]
        fetched = image_requests(server)
        served = {path: site.page(path, server.base_url)[2] for path in wanted}
        before_rerun = len(server.requests)
        rerun = run_crawl(
            tmp_path, "-a", "since=2024-01-01", settings=fast(server, output, **settings)
        )
        assert rerun.returncode == 0, rerun.log[-3000:]
        again = image_requests(server, before_rerun)
    # Every image once, nothing else that looks like one.
    assert sorted(fetched) == sorted(wanted)
    assert again == [], "an unchanged article costs no image request"
    assert {r["id"] for r in first.articles} == set(site.articles)
    stored_checksums = set()
    for record in first.articles:
        assert [i["url"] for i in record["images"]] == [
            i["url"] for i in expected[record["id"]]["images"]
        ]
        for image in record["images"]:
            body = served[urlsplit(image["url"]).path]
            digest = hashlib.sha256(body).hexdigest()
            assert image["checksum"] == f"sha256:{digest}"
            assert image["path"] == f"images/{digest[:2]}/{digest}.jpg"
            assert (output / image["path"]).read_bytes() == body
            stored_checksums.add(image["checksum"])
    on_disk = [p for p in (output / "images").rglob("*") if p.is_file()]
    assert len(on_disk) == len(stored_checksums)
    assert first.stats["newsarchive/images/stored"] == len(stored_checksums)
    # The WARC holds each image response with the same bytes.
    in_warc = {}
    for warc in sorted(output.glob("*.warc.gz")):
        with warc.open("rb") as file:
            for record in ArchiveIterator(file):
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                if record.rec_type == "response" and uri.endswith(".jpg"):
                    in_warc[urlsplit(uri).path] = record.content_stream().read()
    assert in_warc == served


def test_images_are_off_by_default(tmp_path):
    site = build_site(now=NOW)
    with ReplicaServer(site) as server:
        result = run_crawl(
            tmp_path, "-a", "since=2024-01-01", settings=fast(server, tmp_path / "output")
        )
        assert image_requests(server) == []
    assert result.returncode == 0
    images = [i for r in result.articles for i in r["images"]]
    assert images and all(i["path"] is None and i["checksum"] is None for i in images)
    assert not (tmp_path / "output" / "images").exists()
