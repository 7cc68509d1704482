"""Images kept when asked (`NEWSARCHIVE_IMAGES=True`): each archived article's own images.

Scrapy's FilesPipeline, not its ImagesPipeline: an archive keeps the bytes the site served.
ImagesPipeline re-encodes every image to JPEG with Pillow (a dependency more), changing the
bytes, so its copy would match neither the site nor the WARC record of the same response.

- Requests go through the same downloader as pages: robots.txt, AutoThrottle, the per-domain
  concurrency, retries, and the WARC middleware, which records every image response beside
  the page it belongs to (a WARC replay shows the page with its images).
- Only images on golem.de's own hosts are fetched, mapped to `GOLEM_BASE_URL` like pages
  (`GolemSpider.on_site`); an image anywhere else is not requested and keeps a null path.
- Stored content-addressed under the output folder: `images/ab/abcd….jpg`, named by the
  SHA-256 of the bytes, so an image used by many articles, or fetched again in a later run,
  is stored once. Each image of the record gets `path` (relative to the output folder) and
  `checksum` (`sha256:` + hex); a failed download leaves both null and is counted.
- Only new and changed articles get here (the pipeline runs after the state store's
  verdict), so an unchanged article costs no image request.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline

from newsarchive.config import setting
from newsarchive.feeds import archiving
from newsarchive.meta import Meta

logger = logging.getLogger(__name__)

FOLDER = "images"
STAT = "newsarchive/images/{}"


def stored_name(body: bytes, url: str, content_type: str | None = None) -> str:
    """`images/ab/abcd….ext`: the SHA-256 of the bytes, the URL's (or type's) extension."""
    digest = hashlib.sha256(body).hexdigest()
    extension = PurePosixPath(urlsplit(url).path).suffix.lower()
    if extension not in mimetypes.types_map and content_type:
        extension = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
    if extension not in mimetypes.types_map:
        extension = ""
    return f"{FOLDER}/{digest[:2]}/{digest}{extension}"


class ArticleImagesPipeline(FilesPipeline):
    """Downloads the images of an article record and fills in their `path` and `checksum`."""

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not setting(settings, "NEWSARCHIVE_IMAGES", "getbool") or not archiving(settings):
            raise NotConfigured  # no message: Scrapy would log one as a warning
        cls._update_stores(settings)
        return cls(setting(settings, "NEWSARCHIVE_OUTPUT_DIR"), crawler=crawler)

    def count(self, key: str, amount: int = 1) -> None:
        self.crawler.stats.inc_value(STAT.format(key), amount)

    def get_media_requests(self, item: Any, info: Any) -> list[Request]:
        adapter = ItemAdapter(item)
        if adapter.get("kind") != "article":
            return []
        spider = self.crawler.spider
        requests = []
        for image in adapter.get("images") or []:
            url = image.get("url")
            if not url or not spider.is_site_url(url):
                self.count("offsite")
                continue
            requests.append(
                Request(spider.on_site(url), callback=NO_CALLBACK, meta={Meta.IMAGE_URL: url})
            )
        return requests

    def file_path(self, request, response=None, info=None, *, item=None) -> str:
        if response is None:
            # Before the download the bytes, and with them the name, are unknown: a name
            # no file has, so the store never answers "already there" for another image.
            return f"{FOLDER}/unknown/{hashlib.sha256(request.url.encode()).hexdigest()}"
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        return stored_name(response.body, request.url, content_type)

    def file_downloaded(self, response, request, info, *, item=None) -> str:
        path = self.file_path(request, response=response, info=info, item=item)
        absolute = Path(self.store.basedir) / path
        if absolute.exists() and absolute.stat().st_size == len(response.body):
            self.count("already_stored")  # the same bytes, stored by an earlier article
        else:
            self.store.persist_file(path, BytesIO(response.body), info)
            self.count("stored")
        return "sha256:" + hashlib.sha256(response.body).hexdigest()

    def item_completed(self, results, item, info):
        adapter = ItemAdapter(item)
        if adapter.get("kind") != "article":
            return item
        stored = {}
        for ok, result in results:
            if ok:
                stored[result["url"]] = result
        spider = self.crawler.spider
        images = []
        for image in adapter.get("images") or []:
            url = image.get("url")
            result = stored.get(spider.on_site(url)) if url and spider.is_site_url(url) else None
            if url and spider.is_site_url(url) and result is None:
                self.count("failed")
            images.append(
                {
                    **image,
                    "path": result["path"] if result else None,
                    "checksum": result["checksum"] if result else None,
                }
            )
        adapter["images"] = images
        return item
