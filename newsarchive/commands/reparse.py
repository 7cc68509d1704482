"""`scrapy reparse FILE.warc.gz…`: a run's records rebuilt from its WARC files, offline.

It is a crawl of the `golem` spider in which every download is answered from the WARC files
(`newsarchive.warc.WarcReplayHandler`), so the records come out of the same callbacks,
pipelines (multi-page merging included) and feed exports as in a crawl. The spider starts
with the arguments, the replayed settings and the clock (`NEWSARCHIVE_NOW`) recorded in the
warcinfo record; every response keeps its WARC-Date as `fetched_at`, so `crawled_at` and
`seen_at` are those of the crawl.

Output goes to `NEWSARCHIVE_OUTPUT_DIR` in files named by the reparse's own start (never
appended to the crawl's); `-o`/`-O`, `-s` and `-a` (overriding a recorded argument) work as
for `scrapy crawl`. Exit status: 0 when responses were read, 1 when no WARC file yielded a
single one (or the run could not start). Damaged files are logged and counted
(`newsarchive/reparse/files_unreadable`), the responses before the damage still used.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError
from scrapy.settings import Settings

from newsarchive.arguments import check_command_line, usage_error
from newsarchive.feeds import archive_feeds
from newsarchive.warc.format import REPLAYED_SETTINGS
from newsarchive.warc.replay import REPLAY_STAT, read_warcinfo

logger = logging.getLogger(__name__)

SPIDER = "golem"
HANDLER = "newsarchive.warc.WarcReplayHandler"
# What a replay changes against a crawl, at "spider" priority: above settings.py, below -s.
REPLAY_SETTINGS: dict[str, Any] = {
    # Every scheme Scrapy can download is answered from the WARC: nothing reaches a network
    # or a file outside the WARC files, whatever URL a (crafted) WARC leads the spider to.
    "DOWNLOAD_HANDLERS": {
        scheme: HANDLER for scheme in Settings().getdict("DOWNLOAD_HANDLERS_BASE")
    },
    # robots.txt decided what was fetched; what was not fetched is not in the WARC anyway.
    "ROBOTSTXT_OBEY": False,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    # Rebuilt from the WARC alone: no state store to skip or version against, no new WARC,
    # no crawl-health verdict (the exit status is the reparse's own, see above).
    "NEWSARCHIVE_STATE_ENABLED": False,
    "NEWSARCHIVE_WARC_ENABLED": False,
    "SPIDERMON_ENABLED": False,
}


class Command(BaseRunSpiderCommand):
    requires_project = True
    readable_files = 0  # files that begin with a readable WARC record (process_options)

    def syntax(self) -> str:
        return "[options] <file.warc.gz> [<file.warc.gz> ...]"

    def short_desc(self) -> str:
        return "Rebuild a run's article and teaser records from its WARC files, offline"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if not args:
            raise UsageError("give one or more WARC files")
        assert self.settings is not None
        self.settings.set("NEWSARCHIVE_COMMAND", "reparse", priority="cmdline")
        try:
            recorded = recorded_run(args)
        except UsageError as error:
            usage_error(error)
        self.readable_files = recorded["readable_files"]
        # A -a on the command line wins over the recorded argument of the same name.
        opts.spargs = {**recorded["arguments"], **opts.spargs}
        for name, value in recorded["settings"].items():
            self.settings.set(name, value, priority="spider")
        for name, value in REPLAY_SETTINGS.items():
            self.settings.set(name, value, priority="spider")
        self.settings.set("NEWSARCHIVE_REPLAY_WARCS", [str(Path(p)) for p in args], "spider")
        if recorded["run_started"] and not recorded["settings"].get("NEWSARCHIVE_NOW"):
            # The spider's clock at the recorded run (it picks this month's sitemap).
            self.settings.set("NEWSARCHIVE_NOW", recorded["run_started"], priority="spider")
        # The recorded arguments and settings are input like -a and -s: checked the same way.
        check_command_line(self.settings, SPIDER, opts.spargs)
        self.settings.set("FEEDS", archive_feeds(self.settings), priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None
        if not self.readable_files:
            print("reparse: nothing could be read from the WARC files")
            self.exitcode = 1
            return
        crawler = self._create_crawler(SPIDER)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = crawler.stats.get_stats() if crawler.stats else {}
        read = stats.get(REPLAY_STAT.format("records"), 0)
        unreadable = stats.get(REPLAY_STAT.format("files_unreadable"), 0)
        print(
            f"reparse: {read} responses from {len(args)} WARC files"
            f" ({unreadable} damaged or unreadable),"
            f" {stats.get(REPLAY_STAT.format('replayed'), 0)} replayed,"
            f" {stats.get(REPLAY_STAT.format('missing'), 0)} requests not in the WARC,"
            f" {stats.get(REPLAY_STAT.format('unused'), 0)} responses unused;"
            f" records: {stats.get('item_scraped_count', 0)}"
        )
        if not read:
            print("reparse: nothing could be read from the WARC files")
            self.exitcode = 1


def recorded_run(paths: list[str]) -> dict[str, Any]:
    """Spider arguments, replayed settings and run start from the files' warcinfo records.

    The first file with one decides; other runs' files are used all the same, with a warning.
    """
    found: dict[str, Any] = {
        "arguments": {},
        "settings": {},
        "run_started": None,
        "readable_files": 0,
    }
    first: tuple[str, str] | None = None
    for path in paths:
        if not Path(path).is_file():
            logger.error("WARC %s: no such file", path)
            continue
        readable, info = read_warcinfo(path)
        found["readable_files"] += readable
        if info is None:
            continue
        key = (info.get("spider-arguments", ""), info.get("run-started", ""))
        if first is None:
            first = key
            try:
                found["arguments"] = json.loads(info.get("spider-arguments") or "{}")
                settings = json.loads(info.get("settings") or "{}")
            except json.JSONDecodeError as error:
                logger.error("WARC %s: unreadable warcinfo fields: %s", path, error)
                continue
            if not isinstance(found["arguments"], dict) or not isinstance(settings, dict):
                raise UsageError(f"WARC {path}: warcinfo arguments or settings are no JSON object")
            found["settings"] = {k: v for k, v in settings.items() if k in REPLAYED_SETTINGS}
            found["run_started"] = info.get("run-started") or None
            spider = info.get("spider")
            if spider and spider != SPIDER:
                logger.warning("WARC %s was written by spider %r, not %r", path, spider, SPIDER)
        elif key != first:
            logger.warning(
                "WARC %s is of another run (%s); replayed with the first run's arguments",
                path,
                info.get("run-started"),
            )
    if first is None:
        logger.warning("no warcinfo record found: the spider runs with -a/-s as given only")
    return found
