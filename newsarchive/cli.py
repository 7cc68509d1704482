"""`newsarchive`: the project's Scrapy command line, from any folder once installed.

`newsarchive crawl golem`, `newsarchive reparse FILE…`, `newsarchive parse URL`: the same
commands as `scrapy …` inside the checkout, with this project's settings wherever the command
runs (after `pip install` or `pipx install`, no checkout or scrapy.cfg needed). Relative
folders in the settings (output/, state/, logs/) are relative to the current folder.
"""

from __future__ import annotations

import os
import sys

SETTINGS_MODULE = "newsarchive.settings"


def main(argv: list[str] | None = None) -> None:
    # Scrapy finds a project through SCRAPY_SETTINGS_MODULE or the closest scrapy.cfg; set
    # here, it is this project's settings even in a folder of another Scrapy project. An
    # explicit SCRAPY_SETTINGS_MODULE (a module of the user's own) still wins.
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)
    from scrapy.cmdline import execute

    execute(["newsarchive", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
