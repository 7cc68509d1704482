"""Spider contracts that make `scrapy check` meaningful offline.

`@fixture NAME` fetches a saved page of the checkout's `tests/fixtures/` (a file:// URL, so
no network and the same bytes every time) instead of `@url`, whose absolute path would tie
the docstring to one machine. `@filled FIELD…` asks that every named field of each item is
present and not empty: Scrapy's `@scrapes` only asks that the field exists, which every field
of a dataclass item always does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter, is_item
from scrapy.contracts import Contract
from scrapy.exceptions import ContractFail

# The checkout's test pages; an installed package without its checkout has none, and
# `scrapy check` then reports the missing file as the failed download it is.
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


class FixtureContract(Contract):
    """@fixture classic-analyse-2501-300101.html"""

    name = "fixture"

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        args["url"] = (FIXTURES / self.args[0]).as_uri()
        return args


class FilledContract(Contract):
    """@filled id headline published authors"""

    name = "filled"

    def post_process(self, output: list[Any]) -> None:
        for item in output:
            if not is_item(item):
                continue
            adapter = ItemAdapter(item)
            empty = [name for name in self.args if adapter.get(name) in (None, "", [], {})]
            if empty:
                raise ContractFail(f"empty fields: {', '.join(empty)}")
