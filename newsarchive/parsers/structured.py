"""Structured data of an article page: JSON-LD `NewsArticle` and meta tags.

These are the fallbacks behind each layout's markup, in the order the fields read them:
the layout's markup → JSON-LD → meta tags (`og:*`, `description`, `news_keywords`,
`article:*`). They are also all the generic parser has for the head of an article.

Rules where signals disagree (also in docs/records.md):
- Markup that a reader sees wins over machine values; the displayed date wins over
  `datetime` and JSON-LD (the date pipeline applies that rule).
- `paywall`: a paywall element in the article's markup means locked; else the
  `article:content_tier` meta tag decides (`free` or not); only a page without a tier falls
  back to JSON-LD `isAccessibleForFree`. golem.de marks free articles that are also part of
  the ad-free "golem pur" product `isAccessibleForFree: False` while their tier is `free`
  and the whole text is on the page: the tier is the statement about the reader.
- JSON-LD strings are unescaped once more: the classic layout writes HTML entities inside
  them (`zerst&ouml;ren`). Headlines lose golem.de's ` - Golem.de` suffix.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from newsarchive.parsers.common import Node, attr, css, news_article_jsonld

_SITE_SUFFIX = re.compile(r"\s+[-–|]\s+Golem\.de\s*$", re.IGNORECASE)

_META_NAMES = {
    "description": ('meta[name="description"]', 'meta[property="og:description"]'),
    "title": ('meta[property="og:title"]', 'meta[name="twitter:title"]'),
    "image": ('meta[property="og:image"]', 'meta[name="twitter:image"]'),
    "author": ('meta[name="author"]', 'meta[property="article:author"]'),
    "published": ('meta[property="article:published_time"]', 'meta[name="date"]'),
    "modified": ('meta[property="article:modified_time"]', 'meta[property="og:updated_time"]'),
    "keywords": ('meta[name="news_keywords"]', 'meta[name="keywords"]'),
    "content_tier": ('meta[property="article:content_tier"]',),
    "opinion": ('meta[property="article:opinion"]',),
    "og_type": ('meta[property="og:type"]',),
}
_TITLE = css("head title")
_META = {name: css(", ".join(selectors)) for name, selectors in _META_NAMES.items()}


def _clean(value: Any) -> str | None:
    """A JSON-LD or meta string with entities decoded; None for anything else or blank."""
    if not isinstance(value, str):
        return None
    text = html.unescape(value).strip()
    return text or None


@dataclass
class Structured:
    """A page's JSON-LD NewsArticle and meta tags, each read when first asked for."""

    root: Node
    jsonld: dict[str, Any] = field(default_factory=dict)
    _meta: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def of(cls, root: Node, jsonld: dict[str, Any] | None = None) -> Structured:
        return cls(root, news_article_jsonld(root) if jsonld is None else jsonld)

    def meta(self, name: str) -> str | None:
        if name not in self._meta:
            element = _META[name].first(self.root)
            self._meta[name] = _clean(attr(element, "content")) if element is not None else None
        return self._meta[name]

    # --- the head of the article -------------------------------------------------------------
    def headline(self) -> tuple[str | None, str | None]:
        """(kicker, title) from JSON-LD `headline`, else `og:title`, else the document's
        `<title>`: "Kicker: Title - Golem.de"."""
        text = _clean(self.jsonld.get("headline")) or self.meta("title")
        if not text:
            element = _TITLE.first(self.root)
            text = _clean(element.text(deep=True)) if element is not None else None
        if not text:
            return None, None
        text = _SITE_SUFFIX.sub("", text)
        kicker, colon, title = text.partition(": ")
        if colon and kicker and title:
            return kicker, title
        return None, text

    def summary(self) -> str | None:
        return _clean(self.jsonld.get("description")) or self.meta("description")

    def authors(self) -> list[dict[str, str | None]]:
        found = self.jsonld.get("author") or []
        if isinstance(found, dict):
            found = [found]
        authors = [
            {"name": _clean(a.get("name")), "url": _clean(a.get("url"))}
            for a in found
            if isinstance(a, dict) and _clean(a.get("name"))
        ]
        if authors:
            return authors
        names = self.meta("author") or ""
        return [{"name": name.strip(), "url": None} for name in names.split(",") if name.strip()]

    def published(self) -> str | None:
        return _clean(self.jsonld.get("datePublished")) or self.meta("published")

    def modified(self) -> str | None:
        return _clean(self.jsonld.get("dateModified")) or self.meta("modified")

    def modified_source(self) -> str | None:
        """Where `modified` comes from: "jsonld" (the layouts' own source), "meta" or None."""
        if _clean(self.jsonld.get("dateModified")):
            return "jsonld"
        return "meta" if self.meta("modified") else None

    def images(self) -> list[dict[str, str | None]]:
        """The lead image as JSON-LD `image` or `og:image` names it (no caption markup)."""
        found = self.jsonld.get("image")
        for candidate in found if isinstance(found, list) else [found]:
            if isinstance(candidate, dict):
                url = _clean(candidate.get("url") or candidate.get("contentUrl"))
                if url:
                    caption = _clean(candidate.get("caption"))
                    credit = _clean(candidate.get("creditText") or candidate.get("copyrightHolder"))
                    return [{"url": url, "caption": caption, "credit": credit, "alt": None}]
            elif _clean(candidate):
                return [{"url": _clean(candidate), "caption": None, "credit": None, "alt": None}]
        url = self.meta("image")
        return [{"url": url, "caption": None, "credit": None, "alt": None}] if url else []

    def topics(self) -> list[str]:
        """`news_keywords` (golem.de lists the tag pages there), else JSON-LD about/mentions."""
        keywords = self.meta("keywords") or ""
        words = [word.strip() for word in keywords.split(",") if word.strip()]
        if words:
            return words
        things: list[Any] = []
        for key in ("about", "mentions"):
            value = self.jsonld.get(key)
            things += value if isinstance(value, list) else [value]
        names = [_clean(t.get("name")) for t in things if isinstance(t, dict)]
        return [name for name in names if name]

    # --- flags -------------------------------------------------------------------------------
    def content_tier_locked(self) -> bool | None:
        """Whether `article:content_tier` locks the article; None when the page has no tier."""
        tier = self.meta("content_tier")
        return None if tier is None else tier.lower() != "free"

    def accessible_for_free(self) -> bool | None:
        flag = self.jsonld.get("isAccessibleForFree")
        if isinstance(flag, str):
            return {"true": True, "false": False}.get(flag.strip().lower())
        return flag if isinstance(flag, bool) else None

    def opinion(self) -> bool:
        return (self.meta("opinion") or "").lower() == "true"

    def is_article(self) -> bool:
        """The page states it is an article (a JSON-LD NewsArticle or `og:type` article)."""
        return bool(self.jsonld) or (self.meta("og_type") or "").lower() == "article"


def paywall(structured: Structured, marker_in_markup: bool) -> tuple[bool, bool]:
    """(paywall, read from a fallback): the markup's paywall element, then the content tier,
    then JSON-LD `isAccessibleForFree` (see the module's rules)."""
    if marker_in_markup:
        return True, False
    locked = structured.content_tier_locked()
    if locked is not None:
        return locked, False
    free = structured.accessible_for_free()
    if free is not None:
        return not free, True
    return False, False
