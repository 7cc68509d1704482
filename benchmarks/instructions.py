"""`python -m benchmarks.instructions STAGE PAGE [CALLS]`: one stage of extract, for
counting its machine instructions under valgrind, where timings on a shared machine swing.

Instruction counts do not change with the machine's load, so a change to the code can be
judged by a difference of one or two per cent. Run it under callgrind, which counts only
inside `functools.reduce` (the loop of timed calls; nothing else here uses it):

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce \\
        --callgrind-out-file=/dev/null .venv/bin/python -m benchmarks.instructions \\
        extract ../shared/golem-pages/2025-09-09-current-199920.html 10

and divide the "Collected" figure by CALLS. Stages: `parse` (lxml.html.fromstring, the
benchmark's yardstick), `tree` (the tree extract builds), `parser` (layout parser on a
built tree),
`pipelines` (normalising pipelines and validation of a parsed item), `extract` (all of it).
Without valgrind it just runs the calls.
"""

from __future__ import annotations

import copy
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html

from benchmarks.pages import FETCHED_AT

STAGES = ("parse", "tree", "parser", "pipelines", "extract")


def stage_call(stage: str, body: bytes, url: str, calls: int) -> Callable[[], Any]:
    """A function doing `stage` once per call, with everything it needs made beforehand."""
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from newsarchive import extract
    from newsarchive.api import _pipelines
    from newsarchive.items import ArticleItem
    from newsarchive.parsers import page_tree, parse_page
    from newsarchive.spiders.golem import GolemSpider

    if stage == "parse":
        return lambda: lxml.html.fromstring(body)
    if stage == "tree":
        return lambda: page_tree(body)
    root = page_tree(body)
    if stage == "parser":
        return lambda: parse_page(root, url)
    if stage == "pipelines":
        meta = {"fetched_at": FETCHED_AT, "follow": False, "multipage": False}
        response = HtmlResponse(url=url, body=body, request=Request(url, meta=meta))
        parsed = [r for r in GolemSpider().parse_article(response) if isinstance(r, ArticleItem)]
        items = [copy.deepcopy(parsed[0]) for _ in range(calls + 1)]
        pipelines = _pipelines()

        def normalise() -> Any:
            item = items.pop()
            for pipeline in pipelines:
                item = pipeline.process_item(item)
            return item

        return normalise
    if stage == "extract":
        return lambda: extract(body, url, fetched_at=FETCHED_AT)
    raise SystemExit(f"unknown stage {stage!r}; one of {', '.join(STAGES)}")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) not in (2, 3) or args[0] not in STAGES:
        print(__doc__)
        return 2
    stage, page = args[0], Path(args[1])
    calls = int(args[2]) if len(args) == 3 else 10
    call = stage_call(stage, page.read_bytes(), page.resolve().as_uri(), calls)
    call()  # first-call costs (compiled selectors, dateparser) stay outside the count
    functools.reduce(lambda _, __: call(), range(calls), None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
