"""Image captions and credits: split, unwrapped, never doubled.

golem.de writes the credit in three ways: in its own markup ("(Bild: X)" in the classic
layout, bare "X" in the current one), as a trailing "(Bild: X)" inside the caption text, and
inside an image's alt text that repeats caption and credit ("Caption (Bild: X) X"). Whatever
the page used, the record gets the caption once and the credit once.
"""

from __future__ import annotations

import re

from newsarchive.normalise.text import clean_text

CREDIT_WORDS = ("Bild", "Foto", "Screenshot", "Grafik", "Video")
_WORDS = "|".join(CREDIT_WORDS)
_WRAPPED_CREDIT = re.compile(rf"^\(\s*(?:{_WORDS})\s*:\s*(?P<credit>.+?)\s*\)$")
# "Caption (Bild: X)" optionally followed by the credit once more, as teaser alt texts have.
_ALT_WITH_CREDIT = re.compile(
    rf"^(?P<caption>.*?)\s*\(\s*(?:{_WORDS})\s*:\s*(?P<credit>[^()]+?)\s*\)(?:\s+(?P=credit))?$"
)
_TRAILING_CREDIT = re.compile(rf"\s*\(\s*(?:{_WORDS})\s*:\s*(?P<credit>[^()]+?)\s*\)\s*$")


def unwrap_credit(credit: str | None) -> str | None:
    """ "(Bild: X)" → "X"; a bare credit stays as it is."""
    credit = clean_text(credit)
    if credit is None:
        return None
    match = _WRAPPED_CREDIT.match(credit)
    return clean_text(match.group("credit")) if match else credit


def split_caption(text: str | None) -> tuple[str | None, str | None]:
    """Split "Caption (Foto: X)" into ("Caption", "X"); no trailing credit → (text, None)."""
    text = clean_text(text)
    if text is None:
        return None, None
    match = _TRAILING_CREDIT.search(text)
    if not match:
        return text, None
    return clean_text(text[: match.start()]), clean_text(match.group("credit"))


def _caption_from_alt(alt: str | None, credit: str | None) -> tuple[str | None, str | None]:
    """Read caption and credit from an alt text that repeats both ("C (Bild: X) X")."""
    alt = clean_text(alt)
    if alt is None:
        return None, credit
    match = _ALT_WITH_CREDIT.match(alt)
    if not match:
        return alt, credit
    return clean_text(match["caption"]), credit or clean_text(match["credit"])


def normalise_caption(
    caption: str | None, credit: str | None, alt: str | None = None
) -> tuple[str | None, str | None]:
    """The (caption, credit) pair of an image from whatever its markup offered."""
    credit = unwrap_credit(credit)
    caption, trailing_credit = split_caption(caption)
    if caption is None and trailing_credit is None:
        caption, credit = _caption_from_alt(alt, credit)
    elif credit is None:
        credit = trailing_credit
    if caption is not None and credit is not None and caption == credit:
        caption = None
    return caption, credit
