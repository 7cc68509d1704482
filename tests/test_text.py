"""Text normalisation rules of record-schema.md."""

from __future__ import annotations

import pytest

from newsarchive.normalise.text import clean_text, count_words

CASES = [
    ("  Zwei   Wörter \n ", "Zwei Wörter"),
    ("Daten\u00adschutz\u00a0und\u200bmehr", "Datenschutz undmehr"),
    (
        "mehr war    von Volkswagen nicht zu erfahren   .",
        "mehr war von Volkswagen nicht zu erfahren.",
    ),
    ("den Investoren   , zu denen", "den Investoren, zu denen"),
    ("( siehe oben ) und ?", "(siehe oben) und?"),
    ("Fu\u0308r", "Für"),  # NFC
    ("Command &amp; Conquer &#8211; 30 Jahre", "Command & Conquer – 30 Jahre"),
    ("\u00a0\u00ad ", None),
    (None, None),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


def test_count_words():
    assert count_words("Ein Satz mit fünf Wörtern.") == 5
    assert count_words("") == 0
