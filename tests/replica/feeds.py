"""Machine-readable entry points of the replica: RSS 2.0, sitemaps and robots.txt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email.utils import format_datetime
from xml.sax.saxutils import escape

from .specs import ArticleSpec, iso_berlin

# Paths robots.txt forbids; the home page links the first of them (a politeness check).
DISALLOWED = ("/forum-mirror/", "/suche/")


def render_rss(specs: Sequence[ArticleSpec], *, base: str) -> str:
    """RSS 2.0 feed, newest first; item links carry tracking parameters as the real feed's do."""
    items = []
    for spec in specs:
        topics = "".join(f"<category>{escape(name)}</category>" for name, _ in spec.topics)
        creators = ", ".join(name for name, _ in spec.authors)
        items.append(
            "<item>"
            f"<title>{escape(spec.headline)}</title>"
            f"<link>{escape(base + spec.path())}?utm_source=rss&amp;utm_medium=feed</link>"
            f"<description><![CDATA[{spec.summary or ''}]]></description>"
            f"<pubDate>{format_datetime(spec.published)}</pubDate>"
            f'<guid isPermaLink="false">{spec.short_url}</guid>'
            f"<dc:creator>{escape(creators)}</dc:creator>{topics}"
            "</item>"
        )
    newest = max((s.modified or s.published for s in specs), default=None)
    build = f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate>" if newest else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>Golem.de</title>\n<link>{escape(base)}/</link>\n"
        "<description>IT-News für Profis</description>\n<language>de</language>\n"
        f'{build}\n<atom:link href="{escape(base)}/rss.php?feed=RSS2.0" rel="self" '
        'type="application/rss+xml"/>\n' + "\n".join(items) + "\n</channel>\n</rss>\n"
    )


def lastmod(spec: ArticleSpec) -> str:
    """W3C datetime of the article's last change, as the sitemaps give it."""
    return iso_berlin(spec.modified or spec.published)


def render_sitemap(
    specs: Sequence[ArticleSpec], *, base: str, paths: Mapping[str, str] | None = None
) -> str:
    """A monthly news sitemap: every article of the month with its lastmod, under its own
    path or the one `paths` gives for its id."""
    paths = paths or {}
    urls = "".join(
        f"<url><loc>{escape(base + paths.get(s.id, s.path()))}</loc>"
        f"<lastmod>{lastmod(s)}</lastmod></url>\n"
        for s in specs
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )


def render_sitemap_index(months: Sequence[tuple[str, str]], *, base: str) -> str:
    """The sitemap index: one (yymm, lastmod) entry per month."""
    entries = "".join(
        f"<sitemap><loc>{escape(base)}/news/gsitemap-{yymm}.xml</loc>"
        f"<lastmod>{modified}</lastmod></sitemap>\n"
        for yymm, modified in months
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}'
        "</sitemapindex>\n"
    )


def render_robots(*, base: str) -> str:
    """robots.txt: a few disallowed paths and the sitemap index."""
    rules = "".join(f"Disallow: {path}\n" for path in DISALLOWED)
    return f"User-agent: *\n{rules}\nSitemap: {base}/gsiteindex.xml\n"
