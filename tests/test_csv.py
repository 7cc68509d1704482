"""`-o x.csv`: every cell reads back as the record's value; nested fields are JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from newsarchive.exporters import JsonCellCsvItemExporter
from tests.helpers import run_crawl

FIXTURES = Path(__file__).parent / "fixtures"


def cell_value(cell: str, like: object) -> object:
    """A CSV cell read back the way the exporter wrote a value of `like`'s type."""
    if like is None:
        return None if cell == "" else cell
    if isinstance(like, (list, dict, bool)):
        return json.loads(cell)
    return type(like)(cell)


def test_csv_feed_of_a_crawl_reads_back_field_by_field(tmp_path):
    pages = [
        (FIXTURES / "classic-analyse-2501-300101.html").as_uri(),
        (FIXTURES / "current-paywall-2603-300202.html").as_uri(),
    ]
    target = tmp_path / "x.csv"
    result = run_crawl(tmp_path, "-a", "urls=" + ",".join(pages), "-O", str(target))
    assert result.returncode == 0, result.log[-2000:]
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    by_id = {record["id"]: record for record in result.articles}
    assert sorted(row["id"] for row in rows) == sorted(by_id)
    for row in rows:
        record = by_id[row["id"]]
        for name, value in record.items():
            assert cell_value(row[name], value) == value, name
    assert any(json.loads(row["authors"]) for row in rows)


NESTED = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(value=st.lists(NESTED, max_size=4) | st.dictionaries(st.text(), NESTED, max_size=4))
def test_any_nested_value_is_one_json_cell(value):
    buffer = io.BytesIO()
    exporter = JsonCellCsvItemExporter(buffer, fields_to_export=["nested", "flag"])
    exporter.start_exporting()
    exporter.export_item({"nested": value, "flag": True})
    exporter.finish_exporting()
    rows = list(csv.reader(io.StringIO(buffer.getvalue().decode("utf-8"), newline="")))
    assert rows[0] == ["nested", "flag"]
    assert json.loads(rows[1][0]) == value and rows[1][1] == "true"
