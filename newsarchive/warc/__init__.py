"""WARC: the raw pages of a run kept beside its records, and read back for `scrapy reparse`.

- `writing`: `WarcMiddleware` (a downloader middleware) writes every response the crawl
  receives, with its request, into gzip-compressed WARC 1.1 files in `NEWSARCHIVE_OUTPUT_DIR`,
  named like the feeds: `<spider>-<run_id>-00000.warc.gz`, `…-00001.warc.gz` after
  `NEWSARCHIVE_WARC_MAX_BYTES`.
- `replay`: `WarcArchive` indexes the responses of WARC files by URL; `WarcReplayHandler`, a
  download handler for http, https and file, answers the spider's requests from it, so a
  reparse runs the crawl's own spider, middlewares, pipelines and feeds, only offline.
- `format`: what the two agree on: the extra WARC fields, the settings a warcinfo record
  names, the date format.
"""

from __future__ import annotations

# The components keep the paths settings name them by (`newsarchive.warc.WarcMiddleware`,
# `newsarchive.warc.WarcReplayHandler`), which a user's own settings may name too.
from newsarchive.warc.replay import WarcArchive, WarcReplayHandler, read_warcinfo
from newsarchive.warc.writing import WarcMiddleware

__all__ = ["WarcArchive", "WarcMiddleware", "WarcReplayHandler", "read_warcinfo"]
