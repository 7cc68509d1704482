"""`scrapy report PATH.html`: one self-contained HTML file of plots over all runs' files.

See `newsarchive.report` for the plots. Reads `NEWSARCHIVE_OUTPUT_DIR` (after moving in the
feeds a killed run left unfinished). Exit status 0, or 1 with a one-line reason.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsarchive.archive import recover_quietly
from newsarchive.report import write_report


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options] <report.html>"

    def short_desc(self) -> str:
        return "Write one self-contained HTML report with plots of the whole archive"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one file to write, e.g. report.html")
        assert self.settings is not None
        folder = Path(self.settings.get("NEWSARCHIVE_OUTPUT_DIR"))
        if not folder.is_dir():
            print(f"report: no output folder {folder}", file=sys.stderr)
            self.exitcode = 1
            return
        recover_quietly(folder)
        target = Path(args[0])
        generated = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            archive = write_report(folder, target, generated)
        except OSError as error:
            print(f"report: {target}: {error}", file=sys.stderr)
            self.exitcode = 1
            return
        print(f"report: {target}: {len(archive.current)} articles, {len(archive.runs)} runs")
