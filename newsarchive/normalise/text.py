"""Text normalisation shared by every string field of a record (record-schema.md).

Parsers hand over text as the markup gives it: entities decoded by the parser, but with the
white space, soft hyphens and no-break spaces of the page. These functions turn that into
the one normal form the archive promises, so equal text always compares (and hashes) equal.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Characters that carry no text: soft hyphen, zero-width space/joiners, word joiner, BOM.
_INVISIBLE_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
# Every kind of space a page uses (nbsp, thin/narrow spaces, tabs, newlines) becomes " ".
# This class is exactly str.isspace() (tests/test_fast_paths.py), so clean_text does it
# with str.split and join, several times faster than the regex on long paragraphs.
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Inline elements in the 2025 layout put a space before punctuation ("erfahren .") and
# after an opening parenthesis; the typeset text never has it.
_SPACE_BEFORE_PUNCT = re.compile(r" (?=[,.;:!?)])")
_SPACED_PUNCT = re.compile(r" [,.;:!?)]")  # where it matches: a search is cheaper than `sub`
_SPACE_AFTER_PAREN = re.compile(r"(?<=\() ")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")


def _visible_nfc(value: str) -> str:
    """`value` without invisible characters, in NFC.

    ASCII text (most of every page) is both already, and `isascii` is far cheaper than
    looking at each character; so are `in` tests before the regex that deletes invisible
    characters (normalize checks quickly by itself whether anything is to do).
    """
    if value.isascii():
        return value
    for character in _INVISIBLE_CHARS:
        if character in value:
            value = _INVISIBLE.sub("", value)
            break
    return unicodedata.normalize("NFC", value)


def clean_text(value: str | None) -> str | None:
    """Return `value` in the archive's normal form, or None when nothing is left."""
    if value is None:
        return None
    if "&" in value and _ENTITY.search(value):
        # Only JSON-LD and attribute values still carry entities at this point (the classic
        # layout writes them into its JSON strings); the parser has decoded those of the markup.
        value = html.unescape(value)
    value = " ".join(_visible_nfc(value).split())  # = _SPACES.sub(" ", ...).strip()
    if not value:
        return None
    # Each substitution only where it can match: building a new string costs more.
    if _SPACED_PUNCT.search(value):
        value = _SPACE_BEFORE_PUNCT.sub("", value)
    if "( " in value:
        value = _SPACE_AFTER_PAREN.sub("", value)
    return value


def clean_lines(value: str | None) -> str | None:
    """Normalise each line of a multi-line value (code blocks, list items) on its own."""
    if value is None:
        return None
    lines = [clean_text(line) for line in value.split("\n")]
    kept = [line for line in lines if line]
    return "\n".join(kept) or None


_LINE_SPACES = re.compile(r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")


def clean_code(value: str | None) -> str | None:
    """Code keeps its indentation and line breaks; only invisible characters and no-break
    spaces go, and trailing white space of each line."""
    if value is None:
        return None
    value = _visible_nfc(value)
    lines = [_LINE_SPACES.sub(" ", line).rstrip() for line in value.splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) or None


def count_words(text: str) -> int:
    """Words as a reader counts them: runs of non-space characters."""
    return len(text.split())
