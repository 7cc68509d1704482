"""Caption and credit normalisation over the forms golem.de uses."""

from __future__ import annotations

import pytest

from newsarchive.normalise.captions import normalise_caption

CASES = [
    # caption markup, credit markup, alt text → caption, credit
    (
        "Samsung hat Probleme vor Gericht.",
        "(Bild: Tobias Költzsch/Golem.de)",
        "Samsung hat Probleme vor Gericht.",
        ("Samsung hat Probleme vor Gericht.", "Tobias Költzsch/Golem.de"),
    ),
    (
        'Ein Motorrad mit der Aufschrift "Festkörperakku"',
        "VW",
        'Ein Motorrad mit der Aufschrift "Festkörperakku" (Bild: VW)',
        ('Ein Motorrad mit der Aufschrift "Festkörperakku"', "VW"),
    ),
    (
        "Der Prototyp im Labor (Foto: Max Muster)",
        None,
        None,
        ("Der Prototyp im Labor", "Max Muster"),
    ),
    (
        "Die Einstellungen der App (Screenshot: Golem.de)",
        None,
        None,
        ("Die Einstellungen der App", "Golem.de"),
    ),
    (
        "So läuft der Handshake ab (Grafik: Fraunhofer IIS)",
        None,
        None,
        ("So läuft der Handshake ab", "Fraunhofer IIS"),
    ),
    ("Szene aus dem Trailer (Video: Netflix)", None, None, ("Szene aus dem Trailer", "Netflix")),
    # Credit in both places: said once.
    (
        "Rechenzentrum in Frankfurt (Bild: Equinix)",
        "(Bild: Equinix)",
        None,
        ("Rechenzentrum in Frankfurt", "Equinix"),
    ),
    # Only an alt text that repeats caption and credit, as teaser images have.
    (
        None,
        None,
        "Artwork von Command &amp; Conquer (Bild: Electronic Arts) Electronic Arts",
        ("Artwork von Command & Conquer", "Electronic Arts"),
    ),
    (None, "(Foto: dpa)", None, (None, "dpa")),
    ("Ein Rechner ohne Gehäuse", None, None, ("Ein Rechner ohne Gehäuse", None)),
    # Parentheses that are no credit stay.
    (
        "Das Modell (links) neben dem Vorgänger",
        None,
        None,
        ("Das Modell (links) neben dem Vorgänger", None),
    ),
    # Page noise: no-break spaces, soft hyphens, white space runs.
    (
        "Ein\u00a0Ser\u00advergehäuse  (Foto:\u00a0Anna Beispiel)",
        None,
        None,
        ("Ein Servergehäuse", "Anna Beispiel"),
    ),
    ("  ", "  (Bild: Golem.de) ", None, (None, "Golem.de")),
    # A caption that only repeats the credit is no caption.
    ("Golem.de", "(Bild: Golem.de)", None, (None, "Golem.de")),
    (None, None, None, (None, None)),
]


@pytest.mark.parametrize(("caption", "credit", "alt", "expected"), CASES)
def test_normalise_caption(caption, credit, alt, expected):
    assert normalise_caption(caption, credit, alt) == expected
