"""newsarchive: golem.de articles archived as normalised JSON Lines records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["ExtractionError", "extract"]

if TYPE_CHECKING:
    from newsarchive.api import ExtractionError, extract


def __getattr__(name: str) -> Any:
    # Lazy, so that `import newsarchive.settings` (done by every scrapy command) stays light.
    if name in __all__:
        from newsarchive import api

        return getattr(api, name)
    raise AttributeError(name)
