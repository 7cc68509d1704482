"""Item exporters of the project's feeds (FEED_EXPORTERS)."""

from __future__ import annotations

import json
from typing import Any

from scrapy.exporters import CsvItemExporter

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class JsonCellCsvItemExporter(CsvItemExporter):
    """CSV whose nested fields (authors, body, images, topics, …) are JSON, not Python reprs.

    Scrapy's CSV exporter joins a list of strings with commas (a topic holding a comma is
    then two) and writes any other list or dict as its Python repr, which no CSV reader can
    read back. Here every list and dict is one JSON cell (umlauts as they are), and booleans
    are JSON's `true`/`false`, so a cell reads back with `json.loads`; strings, numbers and
    null (an empty cell) stay as Scrapy writes them.
    """

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        if "serializer" in field:
            return field["serializer"](value)
        if isinstance(value, (list, tuple, dict, bool)):
            return _JSON.encode(value)
        return value
