"""newsarchive: golem.de articles archived as normalised JSON Lines records."""

from __future__ import annotations

from newsarchive.api import ExtractionError, extract

__all__ = ["ExtractionError", "extract"]
