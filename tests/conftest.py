"""Shared test set-up: end-to-end crawls carry the `crawl` marker.

`pytest -m "not crawl"` runs the unit tests alone (parsers, normalisation, schema, state,
spider logic: a minute or less); `pytest -m crawl` the tests that start `scrapy crawl` or
`scrapy reparse` in a subprocess against servers on 127.0.0.1.
"""

from __future__ import annotations

import inspect
import sys
import types

import pytest

# What starts a Scrapy process: the helpers of tests/helpers.py, or subprocess itself.
CRAWLERS = frozenset({"run_crawl", "start_crawl", "crawl_command", "subprocess"})


def _names(code: types.CodeType) -> set[str]:
    """Global names a function's code (and the lambdas and comprehensions in it) refer to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _crawls(function: types.FunctionType, seen: set) -> bool:
    """Whether a test function starts a crawl, itself or through a helper of the tests."""
    names = _names(function.__code__)
    if names & CRAWLERS:
        return True
    module = sys.modules.get(function.__module__)
    for name in names:
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and helper not in seen:
            seen.add(helper)
            if helper.__module__.startswith("tests") and _crawls(helper, seen):
                return True
    return False


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "crawl: starts scrapy in a subprocess (end to end)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        function = getattr(item, "function", None)
        if inspect.isfunction(function) and _crawls(function, set()):
            item.add_marker(pytest.mark.crawl)
