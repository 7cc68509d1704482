"""The record contract as JSON Schema, kept in the package and used to validate output.

`article.schema.json` and `teaser.schema.json` are the machine-readable form of
record-schema.md; the README points readers here. Field order in the schema is the order
the feeds write fields in.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_VERSION = 1
KINDS = ("article", "teaser")


@cache
def schema(kind: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(f"{kind}.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(schema(kind))


def record_fields(kind: str) -> list[str]:
    return list(schema(kind)["properties"])


def export_fields() -> list[str]:
    """Every record field of both kinds, in schema order (for FEED_EXPORT_FIELDS)."""
    fields: list[str] = []
    for kind in KINDS:
        fields += [name for name in record_fields(kind) if name not in fields]
    return fields


def problems(record: dict[str, Any]) -> list[str]:
    """Why a record breaks the contract, one short line per problem; [] when it is valid."""
    kind = record.get("kind")
    if kind not in KINDS:
        return [f"unknown kind {kind!r}"]
    found = []
    for error in validator(kind).iter_errors(record):
        where = "/".join(str(part) for part in error.absolute_path) or "(record)"
        found.append(f"{where}: {error.message[:200]}")
    return found
