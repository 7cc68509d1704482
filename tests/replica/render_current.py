"""The current golem.de layout (a Svelte page, since September 2025): articles, home, topics.

Markup follows the saved page of 2025-09-09 (golem-facts.md, "current"), including the white
space Svelte puts around inline elements and its HTML_TAG comments. Links are relative, so
they resolve against whichever host serves the page; canonical metadata names www.golem.de.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC

from .markup import (
    NEW_WINDOW,
    FlowItem,
    Segment,
    article_meta,
    attr,
    body_flow,
    check_page,
    clock,
    german_date,
    json_ld,
    media_alt,
    noisy,
    segments,
    teaser_alt,
    truncate,
)
from .specs import CANONICAL_BASE, ArticleSpec, Image, Video, table_rows

_ICON = '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24"></svg>'
_VH_COLON = '<span class="go-vh" data-svelte-h="svelte-7qnjek">:</span>'
_VH_NEW_WINDOW = f'<span class="go-vh">{NEW_WINDOW}</span>'
_SPONSORED = '<span class="go-label go-label--sponsored">Anzeige</span> '


def _tag(html: str) -> str:
    """Svelte's raw-HTML wrapper around text."""
    return f"<!-- HTML_TAG_START -->{html}<!-- HTML_TAG_END -->"


def render_article(
    spec: ArticleSpec,
    page: int = 1,
    *,
    single: bool = False,
    related: Sequence[ArticleSpec] = (),
    most_read: Sequence[ArticleSpec] = (),
    base: str = CANONICAL_BASE,
    jsonld: bool = True,
    time_datetime: bool = True,
    truncate_at: int | None = None,
) -> str:
    """One page of a current-layout article (all pages merged when `single`).

    `related` fills the "Verwandte Artikel" block, `most_read` the "Meistgelesene Artikel"
    block. `base` is accepted for a signature common with render_classic; this layout's links
    are relative. Edge-case switches as in render_classic.render_article.
    """
    del base  # links are relative
    if spec.layout != "current":
        raise ValueError(f"article {spec.id} is not a current-layout article")
    check_page(spec, page)
    first = single or page == 1
    parts = [
        "<!doctype html>",
        '<html lang="de">',
        _head(spec, 1 if single else page, jsonld),
        '<body data-sveltekit-preload-data="false">',
        '\t<div style="display: contents">',
        _SITE_HEADER,
        '<main class="go-grid">   ',
        '<article class="go-richtext go-article ">  ',
        _header(spec, first, time_datetime),
        _button_bar(spec),
        _media(spec.images[0], eager=True) if first and spec.images else "",
        _body(spec, None if single else page),
        _FOOTER_BAR,
        _PAYWALL if spec.paywall else "",
        _ALINK,
        "</article>",
        # The one-page view keeps the page list (without a next link), as classic keeps its
        # table of contents: the number of pages stays visible.
        _pagination(spec, 0 if single else page) if spec.page_count > 1 else "",
        '<hr class="go-hr  ">',
        _tags(spec),
        "</main>",
        _aside(spec, related, most_read),
        _FOOTER,
        "</div>",
        "</body>",
        "</html>",
    ]
    return truncate(" ".join(p for p in parts if p), truncate_at)


# -- head and header -------------------------------------------------------------------------


def _golem_var(**values: object) -> str:
    """The page-level `var Golem={…}` script of the real page."""
    data = json.dumps({"_development": False, **values}, ensure_ascii=False, separators=(",", ":"))
    return _tag(f'<script type="text/javascript">var Golem={data};</script>')


_RSS_LINK = (
    '<link rel="alternate" href="/rss.php?feed=RSS2.0" title="Golem.de RSS Feed" '
    'type="application/rss+xml">'
)


def _head(spec: ArticleSpec, page: int, jsonld: bool) -> str:
    parts = [
        "<head>",
        '\t<meta charset="utf-8" />',
        '\t<meta name="viewport" content="width=device-width, initial-scale=1" />',
        _golem_var(_contentId=spec.id, _contentType="article", _currentPage=page),
        f'<link rel="canonical" href="{spec.path(page)}">',
        *article_meta(spec, attr),
        '<meta name="robots" content="max-image-preview:large, noarchive">',
        _RSS_LINK,
        json_ld(spec, classic=False) if jsonld else "",
        "</head>",
    ]
    return "".join(parts)


_SITE_HEADER = (
    '<div id="bannerTopWrapper"><div class="go-ad-slot__site-align"> '
    + _tag('<div class="go-ad-slot go-sdg go-sdg-superbanner" id="superbanner"></div>')
    + '</div></div> <header class="go-header"><div class="go-header__wrapper">'
    '<a class="go-header__logo" href="/" title="zurück zur Startseite">Golem</a>'
    '<nav class="go-navigation " aria-label="Hauptnavigation" hidden>'
    '<a class="go-navigation-link" href="/ticker/">Ticker</a>'
    '<a class="go-navigation-link" href="https://video.golem.de/">Videos</a>'
    '<a class="go-navigation-link" href="https://forum.golem.de/">Forum</a>'
    '<a class="go-navigation-link" href="https://jobs.golem.de/">Jobs</a>'
    "</nav></div></header>"
)


def _kicker(spec: ArticleSpec, css: str, salt: str) -> str:
    """The kicker span; a sponsored label sits inside it but is no part of the kicker."""
    label = _SPONSORED if spec.sponsored else ""
    text = f"{noisy(spec.kicker, salt)}{_VH_COLON}" if spec.kicker else ""
    return f'<span class="{css}"> {label}{text}</span>' if label or text else ""


def _header(spec: ArticleSpec, first: bool, time_datetime: bool) -> str:
    intro = ""
    if first and spec.summary:
        segs = segments(spec.summary, spec.id, spec.topics, quotes=False, external=False)
        intro = f'<div class="go-article-header__intro">{_inline(segs, spec.id + ":intro")}</div> '
    datetime_attr = ""
    if time_datetime:
        datetime_attr = f' datetime="{spec.published.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.000Z"'
    authors = ", ".join(
        f'<a href="/specials/autor-{slug}/" class="go-article-header__author">'
        f"{noisy(name, 'a')}</a>"
        for name, slug in spec.authors
    )
    kicker = _kicker(spec, "go-article-header__kicker", spec.id)
    return (
        '<header articleType="news" class="go-article-header  ">'
        f'<h1 class="go-heading  go-heading--h1 ">{kicker} '
        f'<span class="go-article-header__title">{noisy(spec.title, spec.id)}</span></h1> '
        f'<div class="go-article-header__series"></div> {intro}'
        f'<div class="go-article-header__meta"> <time{datetime_attr}>'
        f"{german_date(spec.published, ' um ')}</time> "
        '<span class="go-article-header__meta-divider" data-svelte-h="svelte-1uzh4ac">/</span> '
        f'<span class="go-article-header__byline"> {spec.genre_phrase or ""} </span> '
        f'<span class="go-article-header__authors">{authors}  </span></div></header>'
    )


def _comment_button(count: int | None, href: str, extra: str = "") -> str:
    """The comment button; it shows `.go-comment-button__count` only when there is a count."""
    counter = f'<span class="go-comment-button__count">{count}</span> ' if count else ""
    return (
        '<a class="go-button go-button--tertiary go-button--normal go-button--icon-start false '
        f'go-comment-button {extra}" href="{href}"><span class="go-button__icon">{_ICON}</span> '
        f'<span class="go-button__title">{counter}'
        '<span class="go-comment-button__label go-vh">Kommentare</span> </span></a>'
    )


def _button_bar(spec: ArticleSpec) -> str:
    extra = "" if spec.comment_count else "go-comment-button--count-only"
    return (
        '<div class="go-button-bar go-button-bar--cta-top go-col-wide '
        'go-article-header__button-bar">  '
        + _comment_button(spec.comment_count, "#cmts", extra)
        + ' <span class="go-button-bar__separator"></span>  <a class="go-button '
        'go-button--tertiary" href="https://news.google.com/publications/golem" target="_blank">'
        f'<span class="go-button__title"> News folgen {_VH_NEW_WINDOW} </span></a>  '
        '<div class="go-overflowmenu false go-article-header__share"><button class="go-button">'
        '<span class="go-button__title">Teilen</span></button> </div></div>  '
    )


def _media(image: Image, *, eager: bool) -> str:
    """An article image: alt repeats caption and credit, the figcaption splits them."""
    url = attr(image["url"])
    caption = ""
    if image["caption"]:
        caption = f'<span class="go-media__caption">{noisy(image["caption"], url)}</span> '
    credit = _tag(noisy(image["credit"], "credit"))
    return (
        f'<figure class="go-media  " style="--_go-media-bg-image: url({url})"> '
        f'<div class="go-media__wrap"> <img class="go-media__img" src="{url}" '
        f'alt="{attr(media_alt(image))}" loading="{"eager" if eager else "lazy"}"></div> '
        f'<figcaption>{caption}<span class="go-media__credit">{credit}</span></figcaption></figure>'
    )


def _video(video: Video) -> str:
    number = video["url"].rstrip("/").split("/")[-2]
    return (
        f'<figure class="go-video "><div id="rmpPlayer-{number}-0" class="go-video__wrap">'
        f'<img class="go-video__img" src="https://video.golem.de/teaser/{number}/poster.jpg" '
        f'alt="{attr(video["title"])}" loading="lazy"></div> <figcaption>'
        f'<span class="go-video__caption"><span><a href="{attr(video["url"])}">'
        f"{noisy(video['title'], 'video')}</a> ({clock(video['duration_seconds'])})</span></span>"
        "</figcaption></figure>"
    )


# -- body ------------------------------------------------------------------------------------


def _inline(segs: list[Segment], salt: str) -> str:
    """Svelte inline markup: every run is padded with white space, before punctuation too."""
    out = []
    for k, seg in enumerate(segs):
        text = noisy(seg.text, f"{salt}:{k}")
        if seg.kind == "quote":
            out.append(f"<cite>    {_tag(text)}</cite>")
        elif seg.kind == "topic":
            out.append(f'<a href="/specials/{seg.href}/" target="_self">    {_tag(text)}</a>')
        elif seg.kind == "link":
            out.append(
                f'<a class="go-external-link " href="{attr(seg.href)}" target="_blank">'
                f"{text}{_ICON}{_VH_NEW_WINDOW}</a>"
            )
        else:
            out.append(_tag(text))
    return "   " + "   ".join(out)


def _body(spec: ArticleSpec, page: int | None) -> str:
    """The body; the first two blocks of each page sit in a nested div.go-richtext."""
    out = []
    nested, blocks_seen = False, 0
    for item in body_flow(spec, page):
        if item.kind == "slot" and item.slot == "ad_top":
            out.append('<div class="go-richtext  ">   ')
            nested, blocks_seen = True, 0
        out.append(_item(item, spec) + "   ")
        blocks_seen += item.kind == "block"
        if nested and (blocks_seen == 2 or item.slot == "end"):
            out.append("</div>   ")
            nested = False
    return "".join(out)


def _item(item: FlowItem, spec: ArticleSpec) -> str:
    if item.kind == "slot":
        return _SLOTS[item.slot]
    if item.kind == "image":
        return _media(item.image, eager=False)
    if item.kind == "video":
        return _video(item.video)
    block = item.block
    salt = f"{spec.id}:{item.ordinal}"
    kind = block["type"]
    if kind == "paragraph":
        inner = _inline(segments(block["text"], salt, spec.topics), salt)
        end = ' class="go-article-end" id="fpop"' if item.last else ""
        return _tag(f"<p{end}>{inner}</p>")
    if kind == "list":
        items = "".join(f"<li>   {_tag(noisy(text, salt))}</li>" for text in block["items"])
        return f'<ul class="go-list">{items}</ul>'
    if kind == "code":
        return f'<pre class="go-code"><code>{attr(block["text"])}</code></pre>'
    if kind == "table":
        head, *rows = table_rows(block)
        head_html = "".join(f"<th>{noisy(cell, salt)}</th>" for cell in head)
        rows_html = "".join(
            "<tr>" + "".join(f"<td>{noisy(cell, salt)}</td>" for cell in row) + "</tr>"
            for row in rows
        )
        return (
            '<div class="go-table-wrap"><table class="go-table">'
            f"<thead><tr>{head_html}</tr></thead><tbody>{rows_html}</tbody></table></div>"
        )
    text = _tag(noisy(block["text"], salt))
    if kind == "heading":
        return f'<h2 class="go-heading  go-heading--h2 ">    {text}</h2>'
    return f'<blockquote class="go-blockquote"><p>   {text}</p></blockquote>'


def _ad(slot_id: str, extra: str = "") -> str:
    ad = f'<div class="go-ad-slot go-ad-in-text go-sdg {extra}" id="{slot_id}"></div>'
    return _tag(" " + _tag(ad))


def _career_block(label: str, items: str) -> str:
    """A job or course carousel (boilerplate inside and beside the body)."""
    return (
        '<div class="go-teaser-block go-teaser-block--career   " role="region">'
        f'<span class="go-label go-label--career go-teaser-block__label">{label}</span> '
        '<div class="go-teaser-block__header"> </div>     <div class="go-slideshow ">'
        f'<div class="go-slideshow__wrapper" tabindex="-1">{items}</div> </div></div>'
    )


_JOBS = "   ".join(
    '<div class="go-slideshow__item ">    <div class="go-jobs-teaser-container">'
    f'<a class="go-jobs-teaser " href="https://jobs.golem.de/stellenanzeigen/{number}.html" '
    f'target="_blank"><span class="go-jobs-teaser__title">{title}</span> '
    f'<span class="go-jobs-teaser__meta">{company}</span> {_VH_NEW_WINDOW}</a></div></div>'
    for number, title, company in (
        (3600101, "IT-Administrator*in Netzwerke (m/w/d)", "Landratsamt Süderhagen"),
        (3600102, "Softwareentwickler Java (m/w/d)", "Nordlicht Logistik GmbH &amp; Co. KG"),
        (3600103, "Cloud Engineer (w/m/d)", "Quellwerk Systems"),
    )
)

_COURSES = "   ".join(
    '<div class="go-slideshow__item ">    <div class="go-teaser-container">'
    '<article class="go-teaser  go-teaser--type-course  "><div class="go-teaser__media">'
    '<picture class="go-teaser__image ">'
    f'<img src="https://karrierewelt.golem.de/cdn/{slug}.png" alt="{title} undefined" '
    'loading="lazy"></picture> </div> '
    f'<a href="https://karrierewelt.golem.de/products/{slug}" class="go-teaser__link"> '
    f'<span class="go-teaser__kicker"> {kicker}{_VH_COLON}</span> '
    f'<span class="go-teaser__title">{title}</span></a>     '
    '<a class="go-button go-button--text go-teaser__btn-cta" '
    f'href="https://karrierewelt.golem.de/products/{slug}">'
    '<span class="go-button__title"> zum Kurs  </span></a></article></div></div>'
    for slug, kicker, title in (
        (
            "terraform-workshop",
            "Seminar",
            "Terraform in der Praxis: virtueller Zwei-Tages-Workshop",
        ),
        ("python-e-learning", "E-Learning", "Python für Administratoren (E-Learning)"),
    )
)

_SLOTS = {
    "ad_top": _ad("iqadtile8", "go-sdg-d"),
    "jobs": _ad("iqadtile8mobile", "go-sdg-m")
    + "   "
    + _career_block("Neue Angebote bei Golem Jobs", _JOBS),
    "info": (
        '<div class="go-info-box"><p>Dieser Artikel enthält sogenannte Affiliate-Links. '
        "Bei einem Kauf über diese Links erhält Golem eine kleine Provision; am Preis ändert "
        "das nichts.</p></div>"
    ),
    "ad_mid": _ad("iqadtile4", "go-ad-slot--full-content"),
    "courses": _career_block("Neues aus der Golem Karrierewelt", _COURSES),
    "end": "",
}

_FOOTER_BAR = (
    '<div class="go-button-bar go-button-bar--cta go-article-footer__button-bar"> '
    '<a class="go-button go-button--secondary" href="/"><span class="go-button__title"> '
    "Zur Startseite  </span></a>  " + _comment_button(None, "#cmts") + " </div>"
)

_PAYWALL = (
    '<div class="go-paywall"><span class="go-label go-label--plus">Golem Plus</span> '
    "<p>Weiterlesen mit Golem Plus: Dieser Artikel ist Abonnentinnen und Abonnenten "
    'vorbehalten.</p> <a class="go-button go-button--primary" '
    'href="https://account.golem.de/product/plus">'
    '<span class="go-button__title"> Jetzt abonnieren  </span></a></div>'
)

_ALINK = (
    '<ul class="go-alink-list "><li><a class="go-alink" '
    'href="https://www.example.com/angebot?tag=golem-de-21" rel="nofollow" target="_blank">'
    '<span class="go-label go-label--sponsored go-alink__label">Reklame</span> '
    f'<span class="go-alink__title">Hier geht es zum Angebot bei Amazon</span> {_ICON}</a> '
    "</li></ul>"
)


# -- after the article -----------------------------------------------------------------------


def pagination(current: int, paths: Sequence[str]) -> str:
    """go-pagination: numbered pages, and a next link where there is a next page."""
    items = []
    if current > 1:
        items.append(
            '<li class="go-pagination__item go-pagination__item--prev">'
            f'<a href="{paths[current - 2]}" rel="prev">Zurück</a></li>'
        )
    for number, path in enumerate(paths, 1):
        if number == current:
            items.append(
                '<li class="go-pagination__item go-pagination__item--active">'
                f"<span>{number}</span></li>"
            )
        else:
            items.append(f'<li class="go-pagination__item"><a href="{path}">{number}</a></li>')
    if 0 < current < len(paths):
        items.append(
            '<li class="go-pagination__item go-pagination__item--next">'
            f'<a href="{paths[current]}" rel="next">Weiter</a></li>'
        )
    return (
        '<nav class="go-pagination" aria-label="Seiten"><ul class="go-pagination__list">'
        f"{''.join(items)}</ul></nav>"
    )


def _pagination(spec: ArticleSpec, page: int) -> str:
    return pagination(page, [spec.path(n) for n in range(1, spec.page_count + 1)])


def _tag_links(topics: Sequence[tuple[str, str]]) -> str:
    return "".join(
        f'<a class="go-tag " href="/specials/{slug}/">{attr(name)}</a>' for name, slug in topics
    )


def _tags(spec: ArticleSpec) -> str:
    return (
        '<div class="go-tag-list go-tag-list--inline go-article__related-topics">'
        '<div class="go-tag-list__heading"><h3 slot="heading" class="go-heading  go-heading--h3 ">'
        "Relevante Themen</h3></div> "
        f'<div class="go-tag-list__tags">{_tag_links(spec.topics)}</div></div>'
    )


def teaser(spec: ArticleSpec, *, nextread: bool = False) -> str:
    """An article teaser as on home, topic and article pages; the image alt names the credit."""
    path = spec.path()
    media = ""
    if spec.images:
        image = spec.images[0]
        media = (
            '<div class="go-teaser__media"><picture class="go-teaser__image ">'
            f'<img src="{attr(image["url"])}" alt="{attr(teaser_alt(image))}" loading="lazy">'
            "</picture> </div> "
        )
    text = ""
    if spec.summary:
        text = f'<div class="go-teaser__text">  {noisy(spec.summary, "teaser")} </div> '
    byline = ""
    if spec.genre_phrase:
        names = ",".join(name for name, _ in spec.authors)
        byline = (
            '<span class="go-teaser__actions-seperator" data-svelte-h="svelte-1hhdiyg">/</span> '
            f'<span class="go-teaser__actions-text">{spec.genre_phrase} {attr(names)}</span>'
        )
    variant = "go-teaser--nextread " if nextread else ""
    return (
        f'<div class="go-teaser-container"><article class="go-teaser {variant}'
        f'go-teaser--type-article go-teaser--variant-standard ">{media}'
        f'<a href="{path}" class="go-teaser__link"> {_kicker(spec, "go-teaser__kicker", "teaser")} '
        f'<span class="go-teaser__title">{noisy(spec.title, "teaser")}</span></a> {text}'
        '<div class="go-teaser__actions">   '
        f"{_comment_button(spec.comment_count, path + '#cmts')} {byline}</div>  </article></div>"
    )


def teaser_block(
    heading: str | None, specs: Sequence[ArticleSpec], *, level: int = 2, nextread: bool = False
) -> str:
    """A go-teaser-block with an optional heading."""
    head = ""
    if heading:
        head = (
            f'<div class="go-teaser-block__heading">   <h{level} class="go-heading  '
            f'go-heading--h{level} ">    {_tag(heading)}</h{level}></div> '
        )
    teasers = "   ".join(teaser(s, nextread=nextread) for s in specs)
    return (
        f'<div class="go-teaser-block    "> <div class="go-teaser-block__header">{head}'
        f'<span class="go-teaser-block__link"></span></div>      {teasers}</div>'
    )


def _aside(
    spec: ArticleSpec, related: Sequence[ArticleSpec], most_read: Sequence[ArticleSpec]
) -> str:
    """Beside the article: newsletter, comments placeholder, jobs, related and most read."""
    columns = "   ".join(
        f'<div class="go-col   ">    {teaser_block(heading, specs, level=3, nextread=True)}</div>'
        for heading, specs in (("Verwandte Artikel", related), ("Meistgelesene Artikel", most_read))
        if specs
    )
    return (
        '<aside class="go-grid go-grid--full-content">   '
        + _tag('<hr class="go-hr  ">')
        + "   "
        + _NEWSLETTER
        + '   <div class="go-grid go-grid--rectangle ">    '
        '<div id="cmts" class="go-teaser-block go-teaser-block--nextread go-scroll-top  "> '
        '<div class="go-teaser-block__header"><div class="go-teaser-block__heading">'
        '<h2 slot="heading" class="go-heading  go-heading--h3 ">Kommentare</h2></div> </div> '
        '<p data-svelte-h="svelte-ynipzb">lade Kommentare...</p> </div>   '
        + _ad("iqadtile9")
        + "</div>   "
        + _career_block("Karrierewelt", _JOBS)
        + f'   <hr class="go-hr  ">   <div class="go-grid go-grid--50-50 ">    {columns}</div>   '
        '<nav class="go-breadcrumb " aria-label="Breadcrumb"><ol class="go-breadcrumb__list">'
        '<li class="go-breadcrumb__item"><a href="/">Home </a> </li>'
        '<li class="go-breadcrumb__item"><a href="/news/">News </a> </li>'
        '<li class="go-breadcrumb__item"><a aria-current="page" '
        f'href="{spec.path()}">{attr(spec.title)} </a> </li></ol></nav></aside>'
    )


_NEWSLETTER = (
    '<div class="go-newsletter-box-container"><div class="go-newsletter-box ">'
    '<span class="go-newsletter-box__headline"><span class="go-newsletter-box__kicker">'
    f'Die Golem Newsletter {_VH_COLON}</span> <span class="go-newsletter-box__title">'
    "Das Wichtigste für Techies und IT-Leader auf einen Blick.</span></span>  "
    '<a class="go-button go-newsletter-box__link" href="/microsite/newsletter/index.html"> '
    '<span class="go-button__title"> Jetzt abonnieren  </span></a></div></div>'
)

_FOOTER = (
    '<footer class="go-footer"><div class="go-footer__links">'
    '<a href="https://www.golem.de/sonstiges/impressum.html">Impressum</a> '
    '<a href="https://www.golem.de/sonstiges/Datenschutz.html">Datenschutz</a></div>'
    '<p class="go-copyright">© 1997–2025 Golem Media GmbH</p></footer>'
)


# -- index pages -----------------------------------------------------------------------------


def _page(title: str, content_type: str, main: str) -> str:
    return (
        '<!doctype html>\n<html lang="de">\n<head>\n\t<meta charset="utf-8" />\n'
        f"<title>{attr(title)}</title>{_golem_var(_contentType=content_type)}{_RSS_LINK}\n"
        '</head>\n<body data-sveltekit-preload-data="false">\n\t<div style="display: contents">'
        f'{_SITE_HEADER}<main class="go-grid">   {main}</main>{_FOOTER}</div>\n</body>\n</html>'
    )


# Links of the home page that lead to no article (video, forum, jobs … hosts, the ticker,
# the topic index, and /forum-mirror/, which robots.txt disallows).
_SERVICE_LINKS = (
    ("/ticker/", "Newsticker"),
    ("https://video.golem.de/", "Videos"),
    ("https://forum.golem.de/", "Forum"),
    ("/forum-mirror/", "Forum-Archiv"),
    ("https://jobs.golem.de/", "Jobs"),
    ("https://karrierewelt.golem.de/", "Karrierewelt"),
    ("https://account.golem.de/user/login", "Anmelden"),
    ("/specials/", "Alle Themen"),
)


def render_home(
    teaser_blocks: Sequence[tuple[str, Sequence[ArticleSpec]]],
    *,
    topics: Sequence[tuple[str, str]] = (),
    base: str = CANONICAL_BASE,
) -> str:
    """The home page: teaser blocks, and around them links a crawler must not archive.

    Those are: other golem hosts, a glm.io short link, topic pages, the ticker, `#cmts`
    fragments (in every teaser), article links with `utm_` queries, and `/forum-mirror/`.
    """
    del base  # links are relative
    blocks = "   ".join(teaser_block(heading, specs) for heading, specs in teaser_blocks)
    articles = [s for _, specs in teaser_blocks for s in specs]
    promos = "".join(
        f'<a class="go-promo-link" href="{s.path()}?utm_source=golem.de&amp;utm_medium=promo'
        f'&amp;utm_campaign=top{k}">{attr(s.headline)}</a> '
        for k, s in enumerate(articles[:2], 1)
    )
    short = f'<a href="https://glm.io/{articles[0].id}">Kurzlink</a> ' if articles else ""
    services = "".join(
        f'<a class="go-linklist-link" href="{href}">'
        f'<span class="go-linklist-link__title">{label}</span></a> '
        for href, label in _SERVICE_LINKS
    )
    main = (
        f'<div class="go-promo">{promos}{short}</div>   {blocks}   '
        f'<div class="go-tag-list"><div class="go-tag-list__tags">{_tag_links(topics)}</div></div>'
        f'   <div class="go-linklist">{services}</div>'
    )
    return _page("Golem.de: IT-News für Profis", "homepage", main)


def render_topic(
    name: str,
    slug: str,
    specs: Sequence[ArticleSpec],
    *,
    page: int = 1,
    page_count: int = 1,
    base: str = CANONICAL_BASE,
) -> str:
    """A topic page /specials/<slug>/ (page n at /specials/<slug>/n/): teasers, no heading."""
    del base  # links are relative
    paths = [f"/specials/{slug}/" + (f"{n}/" if n > 1 else "") for n in range(1, page_count + 1)]
    nav = pagination(page, paths) if page_count > 1 else ""
    main = (
        f'<h1 class="go-heading  go-heading--h1 ">{attr(name)}</h1>   '
        f"{teaser_block(None, specs)}{nav}"
    )
    return _page(f"{name} - Golem.de", "special", main)


def render_topic_index(topics: Sequence[tuple[str, str]]) -> str:
    """/specials/: links to every topic page."""
    main = (
        '<h1 class="go-heading  go-heading--h1 ">Themen</h1>'
        f'<div class="go-tag-list__tags">{_tag_links(topics)}</div>'
    )
    return _page("Themen - Golem.de", "specials", main)


def render_consent_wall() -> str:
    """The consent interstitial served instead of a page to visitors without consent."""
    return (
        '<!doctype html>\n<html lang="de">\n<head>\n\t<meta charset="utf-8" />\n'
        "<title>Golem.de</title>\n</head>\n<body>\n"
        '<div class="golem-consent"><h1>Willkommen auf Golem.de</h1>\n'
        "<p>Wir und unsere Partner verarbeiten Daten, um Inhalte und Anzeigen zu "
        "personalisieren. Sie können zustimmen oder Golem.de werbefrei mit Golem pur lesen.</p>\n"
        '<form method="post" action="/consent"><button type="submit" name="consent" value="cmp">'
        "Zustimmen und weiter</button></form>\n"
        '<a class="golem-consent__pur" href="https://account.golem.de/product/subscription">'
        "Golem pur abonnieren</a>\n</div>\n</body>\n</html>"
    )
