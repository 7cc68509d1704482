"""Index pages: every era's teasers are read in page order, each by the era whose markup it has."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from newsarchive.normalise.text import clean_text
from newsarchive.parsers import TEASER_LAYOUTS, page_tree
from newsarchive.parsers.index import next_page, teasers
from newsarchive.parsers.template import RawTeaser
from tests.replica.site import build_site

BASE = "https://www.golem.de"
SITE = build_site(now=datetime(2026, 3, 20, 12, tzinfo=UTC), n_articles=60, seed=3)


def _words(text: str | None) -> str | None:
    """Text as a record holds it: the page's whitespace, soft hyphens and Unicode forms vary."""
    return clean_text(text)


def _read(path: str) -> list[RawTeaser]:
    status, _, body = SITE.page(path)
    assert status == 200
    return teasers(page_tree(body), BASE)


def test_each_index_page_yields_its_teasers_in_order_with_their_blocks() -> None:
    eras_seen = set()
    for index in SITE.index_pages():
        got = _read(index.path)
        expected = [(heading, spec) for heading, specs in index.blocks for spec in specs]
        assert [t.url for t in got] == [spec.url(BASE) for _, spec in expected], index.path
        assert [_words(t.block) for t in got] == [h for h, _ in expected], index.path
        assert [_words(t.title) for t in got] == [spec.title for _, spec in expected]
        eras_seen.update(
            layout.name
            for layout in TEASER_LAYOUTS
            if layout.teaser(page_tree(SITE.page(index.path)[2]))
        )
    assert eras_seen == {layout.name for layout in TEASER_LAYOUTS}


def _teaser_elements() -> dict[str, list[str]]:
    """Outer HTML of every teaser element of the replica's index pages, by era."""
    found: dict[str, list[str]] = {layout.name: [] for layout in TEASER_LAYOUTS}
    for index in SITE.index_pages():
        root = page_tree(SITE.page(index.path)[2])
        for layout in TEASER_LAYOUTS:
            found[layout.name].extend(node.html for node in layout.teaser(root))
    return found


ELEMENTS = _teaser_elements()
# A classic teaser is an item of `ol.list-articles`: it keeps that parent on the mixed page.
WRAP = {"classic": '<ol class="list-articles">{}</ol>', "current": "{}"}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(sorted(ELEMENTS)).flatmap(
            lambda era: st.tuples(st.just(era), st.sampled_from(ELEMENTS[era]))
        ),
        min_size=1,
        max_size=12,
    )
)
def test_teasers_of_both_eras_on_one_page_keep_page_order(drawn: list[tuple[str, str]]) -> None:
    """Whatever the order of both eras' teasers on one page, each is read as it is alone."""
    alone = [
        teasers(page_tree(f"<html><body>{WRAP[era].format(html)}</body></html>"), BASE)
        for era, html in drawn
    ]
    mixed_html = "".join(WRAP[era].format(html) for era, html in drawn)
    mixed = teasers(page_tree(f"<html><body><main>{mixed_html}</main></body></html>"), BASE)
    fields = ("url", "kicker", "title", "summary", "image")
    assert [{f: getattr(t, f) for f in fields} for t in mixed] == [
        {f: getattr(t, f) for f in fields} for one in alone for t in one
    ]


def test_next_page_link_of_either_era() -> None:
    current = '<ul><li class="go-pagination__item--next"><a href="/specials/x/2/">2</a></li></ul>'
    classic = '<a id="atoc_next" href="/aa-2603-2.html">weiter</a>'
    for markup, path in ((current, "/specials/x/2/"), (classic, "/aa-2603-2.html")):
        root = page_tree(f"<html><body>{markup}</body></html>")
        assert next_page(root, BASE) == BASE + path
    assert next_page(page_tree("<html><body><a href='/x'>x</a></body></html>"), BASE) is None
