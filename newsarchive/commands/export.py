"""`scrapy export PATH.sqlite [--parquet DIR]`: the archive as one SQLite database.

Reads every run's feed files in `NEWSARCHIVE_OUTPUT_DIR` (after moving in the feeds a killed
run left unfinished) and builds, or on later calls updates, the database described in
`newsarchive.export`. Exit status 0, or 1 with a one-line reason.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsarchive.archive import recover_quietly
from newsarchive.export import export, export_parquet, metadata_path


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options] <archive.sqlite>"

    def short_desc(self) -> str:
        return "Build or update one SQLite database (and Parquet files) from all runs' records"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--parquet", metavar="DIR", help="also write every table as DIR/<table>.parquet"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one database path, e.g. archive.sqlite")
        assert self.settings is not None
        folder = Path(self.settings.get("NEWSARCHIVE_OUTPUT_DIR"))
        target = Path(args[0])
        if not folder.is_dir():
            print(f"export: no output folder {folder}", file=sys.stderr)
            self.exitcode = 1
            return
        recovered = recover_quietly(folder)
        try:
            result = export(folder, target)
            tables = export_parquet(target, Path(opts.parquet)) if opts.parquet else None
        except (OSError, sqlite3.Error) as error:
            print(f"export: {target}: {error}", file=sys.stderr)
            self.exitcode = 1
            return
        print(
            f"export: {target}: {result.files_read} new files read"
            f" ({result.files_skipped} already in), {result.article_records} article and"
            f" {result.teaser_records} teaser records,"
            f" {len(result.articles_touched)} articles updated"
            + (f"; {recovered} unfinished files of killed runs moved in" if recovered else "")
        )
        print(f"browse: datasette {target}  (or: datasette {target} -m {metadata_path(target)})")
        if tables is not None:
            print(
                f"parquet: {opts.parquet}: "
                + ", ".join(f"{name} {count}" for name, count in tables.items())
            )
