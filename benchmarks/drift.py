"""`python -m benchmarks.drift`: how each page reads under each markup mutation.

For every page of the drift tests (real pages where `../shared` is present, and fixtures) and
every mutation family of `tests/mutations.py`, one line: the fields that stay exact, the
fields named in `fallbacks`, and the fields that differ from the expected record without a
fallback (lost: empty). The tests assert the promise; this prints the detail behind it.
"""

from __future__ import annotations

from tests.mutations import DERIVED, MUTATIONS, PAGES, comparable, dump, extract, load

SKIP = {"fallbacks", "crawled_at", "captured_at", "source_url"}


def describe(record: dict | None, expected: dict) -> tuple[int, list[str], list[str]]:
    """(exact fields, fields from fallbacks, fields lost) of a record against its expected one."""
    if record is None:
        return 0, [], ["(no record)"]
    exact, lost = 0, []
    for name in expected:
        if name in SKIP:
            continue
        if comparable(record, name) == comparable(expected, name):
            exact += 1
            continue
        base = next((b for b, derived in DERIVED.items() if name in derived), name)
        if base not in record["fallbacks"] and name not in record["fallbacks"]:
            lost.append(name)
    return exact, list(record["fallbacks"]), lost


def main() -> None:
    print(f"{'page':<28} {'mutation':<32} {'exact':>5}  fallbacks / lost")
    for name, body, expected, url in PAGES:
        compared = len([n for n in expected if n not in SKIP])
        for mutation in [None, *MUTATIONS]:
            doc = load(body)
            if mutation is not None and not mutation.apply(doc, 0):
                continue
            exact, fallbacks, lost = describe(extract(dump(doc), url), expected)
            family = mutation.family if mutation else "(unchanged)"
            detail = ", ".join(fallbacks) or "-"
            if lost:
                detail += " / lost: " + ", ".join(lost)
            print(f"{name:<28} {family:<32} {exact:>2}/{compared:<2}  {detail}")


if __name__ == "__main__":
    main()
