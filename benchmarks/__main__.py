"""`python -m benchmarks [pages|crawl] [options]`; `--help` on each says more."""

from __future__ import annotations

import argparse
import sys

from benchmarks import crawl, pages


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"pages": pages, "crawl": crawl}
    if argv and argv[0] in ("-h", "--help"):
        parser = argparse.ArgumentParser(prog="python -m benchmarks")
        parser.add_argument("command", choices=sorted(commands), nargs="?", default="pages")
        parser.print_help()
        print("\npages (default): extract() against lxml.html.fromstring, per page")
        print("crawl: a full crawl of the replica against a bare download-only crawl")
        return 0
    command = argv.pop(0) if argv and argv[0] in commands else "pages"
    return commands[command].main(argv)


if __name__ == "__main__":
    sys.exit(main())
