"""The record contract as JSON Schema, kept in the package and used to validate output.

`article.schema.json` and `teaser.schema.json` are the machine-readable form of
record-schema.md; the README points readers here. Field order in the schema is the order
the feeds write fields in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator

SCHEMA_VERSION = 2
KINDS = ("article", "teaser")


@cache
def schema(kind: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(f"{kind}.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(schema(kind))


# Keywords that explain a schema to readers and never change a verdict.
_ANNOTATIONS = frozenset({"description", "title"})
# Keywords whose value is a schema, a list of schemas, or a map of name -> schema.
_SUBSCHEMA = frozenset({"items", "not", "additionalProperties"})
_SUBSCHEMA_LISTS = frozenset({"oneOf", "anyOf", "allOf"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties"})
# Keywords a typed alternative of a nullable `oneOf` may carry and still be merged with
# {"type": "null"}: each constrains only values of its own type, never null.
_NULL_NEUTRAL = frozenset({"type", "minLength", "maxLength", "pattern", "minimum", "maximum"})


def _plain(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A schema with the same verdicts in the form fastjsonschema runs fastest.

    Annotations (descriptions) are left out. `$ref`s into `$defs` are inlined
    (fastjsonschema builds an error path string for every referenced value, valid or not),
    and `oneOf: [S, {"type": "null"}]` becomes S with "null" added to its type
    (fastjsonschema tries each alternative by raising and catching an exception). Anything
    else is kept as it is.
    """
    node = {key: value for key, value in node.items() if key not in _ANNOTATIONS}
    if "$ref" in node:
        ref = node["$ref"]
        if len(node) != 1 or not ref.startswith("#/$defs/"):
            raise ValueError(f"cannot inline $ref {node!r}")
        return _plain(defs[ref.removeprefix("#/$defs/")], defs)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("$schema", "$id", "$defs"):
            continue
        if key in _SUBSCHEMA and isinstance(value, dict):
            value = _plain(value, defs)
        elif key in _SUBSCHEMA_LISTS:
            value = [_plain(alternative, defs) for alternative in value]
        elif key in _SCHEMA_MAPS:
            value = {name: _plain(sub, defs) for name, sub in value.items()}
        out[key] = value
    alternatives = out.get("oneOf")
    if alternatives and len(alternatives) == 2 and {"type": "null"} in alternatives:
        typed = alternatives[1 - alternatives.index({"type": "null"})]
        if (
            isinstance(typed.get("type"), str)
            and typed["type"] != "null"
            and set(typed) <= _NULL_NEUTRAL
            and not set(typed) & (set(out) - {"oneOf"})
        ):
            del out["oneOf"]
            out.update(typed, type=[typed["type"], "null"])
    return out


@cache
def fast_validator(kind: str) -> Callable[[dict[str, Any]], Any]:
    """The schema compiled to Python by fastjsonschema: ~50x faster than jsonschema.

    Used for the verdict on the happy path only; a record it rejects is explained (and
    judged) by jsonschema. Draft-07 code from a draft 2020-12 schema is fine here: the
    schema uses no keyword whose meaning differs between the two. Where the two libraries
    differ (fastjsonschema takes a tuple for an array, True for `const: 1`) no record is
    concerned: the pipelines build lists and ints (tests/test_fast_paths.py compares both).
    """
    source = schema(kind)
    plain = _plain(source, source.get("$defs", {}))
    plain["$schema"] = "http://json-schema.org/draft-07/schema#"
    return fastjsonschema.compile(plain)


@cache
def record_fields(kind: str) -> tuple[str, ...]:
    return tuple(schema(kind)["properties"])


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
    try:
        fast_validator(kind)(record)
        return []
    except Exception:  # rejected (or anything unforeseen)
        pass  # jsonschema says why, and has the last word
    found = []
    for error in validator(kind).iter_errors(record):
        where = "/".join(str(part) for part in error.absolute_path) or "(record)"
        found.append(f"{where}: {error.message[:200]}")
    return found
