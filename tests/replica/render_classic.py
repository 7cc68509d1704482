"""The classic golem.de layout (until August 2025): article pages, ticker and monthly archive.

Markup follows the saved page of 2024-04-28 (golem-facts.md, "classic"). Links to pages the
replica serves use `base`; links to pages it does not serve (authors, forum, account) keep
their real absolute form. Canonical metadata always names https://www.golem.de.
"""

from __future__ import annotations

from collections.abc import Sequence

from .markup import (
    FlowItem,
    Segment,
    article_meta,
    attr,
    body_flow,
    check_page,
    credit_phrase,
    entities,
    german_date,
    json_ld,
    noisy,
    page_title,
    segments,
    truncate,
    yymm_label,
)
from .specs import CANONICAL_BASE, ArticleSpec, Image, iso_berlin, table_rows

_COMMENT_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">'
    '<path d="M18 8.016V6H6v2.016h12z"/></svg>'
)


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
    """One page of a classic article (all pages merged when `single`), as golem.de served it.

    `related` fills the "Verwandte Artikel" widget, `most_read` the "Meistgelesen" widget and
    the home-page promo; neither is part of the article. Edge-case switches: `jsonld=False`
    drops the JSON-LD, `time_datetime=False` drops the time element's datetime attribute,
    `truncate_at` cuts the document after that many bytes.
    """
    if spec.layout != "classic":
        raise ValueError(f"article {spec.id} is not a classic-layout article")
    check_page(spec, page)
    first = single or page == 1
    parts = [
        "<!DOCTYPE html>",
        '<html lang="de-DE" class="no-js">',
        _head(spec, page, base, jsonld),
        "<body>",
        _site_header(base),
        '<div id="grandwrapper" class="golem-zo-grandwrapper iq-site-wrapper">',
        '<div id="screen">',
        '<!-- begin ad tag (tile=3) -->\n<div id="iqadtile3"></div>\n<!-- end ad tag (tile=3) -->',
        '<div class="g g6">',
        "<article>",
        _header(spec, first, base, time_datetime),
        _body(spec, None if single else page, base),
        # The one-page view keeps the table of contents (no next link): it is how a reader,
        # and the spider, still see how many pages the article has.
        _toc(spec, 0 if single else page, base) if spec.page_count > 1 else "",
        _PAYWALL if spec.paywall else "",
        _comment_count(spec),
        _REKLAME,
        _topics(spec),
        "</article>",
        '<hr class="implied" />',
        "</div><!-- .g.g6 -->",
        _NEWSLETTER,
        _widgets(related, most_read, base),
        _comments(spec),
        _promo(most_read, base),
        "</div>",
        "</div>",
        _FOOTER,
        "</body>",
        "</html>",
    ]
    return truncate("\n".join(p for p in parts if p), truncate_at)


# -- head and header -------------------------------------------------------------------------


def _head(spec: ArticleSpec, page: int, base: str, jsonld: bool) -> str:
    lines = [
        "<head>",
        '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">',
        '<meta name="viewport" id="metaviewport" content="width=device-width">',
        *article_meta(spec, lambda text: entities(text, quote=True)),
        json_ld(spec, classic=True) if jsonld else "",
        '<meta name="robots" content="max-image-preview:large">',
        _rss_link(base),
        '<script type="text/javascript">\n<!--\nvar Golem = Golem||{};\n'
        f"Golem.CurrentArticle = {{}};\nGolem.CurrentArticle.idArticle = '{spec.id}';\n"
        f"Golem.CurrentArticle.page = {page};\n//-->\n</script>",
        "</head>",
    ]
    return "\n".join(line for line in lines if line)


def _rss_link(base: str) -> str:
    return (
        '<link rel="alternate" type="application/rss+xml" title="Golem.de RSS Feed" '
        f'href="{base}/rss.php?feed=RSS2.0">'
    )


def _site_header(base: str) -> str:
    return f"""<div id="header"><nav><ul id="hn1">
<li><a id="hn1-home" href="{base}/">Startseite</a></li>
<li><a id="hn1-ticker" href="{base}/ticker/">Ticker</a></li>
<li><a id="hn1-video" href="https://video.golem.de/">Video</a></li>
<li><a id="hn1-forum" href="https://forum.golem.de/">Forum</a></li>
<li><a id="hn1-login" href="https://account.golem.de/user/login">Anmelden</a></li>
</ul></nav></div>"""


def _header(spec: ArticleSpec, first: bool, base: str, time_datetime: bool) -> str:
    cls = "cluster-header" if first else "cluster-header paged-cluster-header"
    kicker = ""
    if spec.kicker:
        kicker = (
            f'<span class="dh2 head1">{noisy(spec.kicker, spec.id)}</span>'
            '<span class="implied">: </span>\n                '
        )
    summary = ""
    if first and spec.summary:
        segs = segments(spec.summary, spec.id, spec.topics, quotes=False, external=False)
        summary = f"\n<p>{_inline(segs, base, spec.id + ':intro')}</p>"
    hero = _figure(spec.images[0], "hero", spec) if first and spec.images else ""
    return f"""<header class="{cls}">

<hgroup>
<h1>
                    {kicker}<span class="dh1 head5">{entities(spec.title)}</span>
</h1>{summary}
</hgroup>
<ul class="social-tools social-tools--inverted">
    <li class="share-item"><a href="javascript:void(0);" class="share-save"><span></span>
        merken</a></li>
    <li class="share-item"><button class="share-share" type="button">Artikel teilen</button></li>
</ul>{_byline(spec, time_datetime)}
<div id="narando-placeholder"></div>
{hero}
</header>"""


def _byline(spec: ArticleSpec, time_datetime: bool) -> str:
    if spec.genre_phrase:
        kind = f'<span class="authors__type">{spec.genre_phrase}</span>'
    else:
        kind = '<span class="authors__type implied">Artikel</span>'
    datetime_attr = f' datetime="{iso_berlin(spec.published)}"' if time_datetime else ""
    names = '<span class="authors__fillword"> und </span>'.join(
        f'<span class="authors__name"><a href="{CANONICAL_BASE}/specials/autor-{slug}/" '
        f'rel="author">{entities(name)}</a></span>'
        for name, slug in spec.authors
    )
    return f"""<div class="authors authors--withsource">
{kind}
<span class="implied"> ver&ouml;ffentlicht am </span>
<time class="authors__pubdate" pubdate="pubdate"{datetime_attr}>\
{german_date(spec.published, ", ")}</time><span class="authors__fillword">, </span>
{names}</div><!-- .authors -->"""


def _figure(image: Image, css_class: str, spec: ArticleSpec) -> str:
    caption = ""
    if image["caption"]:
        caption = f'<span class="big-image-sub">{noisy(image["caption"], image["url"])}</span>\n'
    return f"""<!-- img -->
<figure class="{css_class}">
<img src="{attr(image["url"])}" title="{entities(spec.headline, quote=True)}" \
alt="{attr(image["caption"] or "")}" srcset="{attr(image["url"])} 1x">
<figcaption>
{caption}<span class="big-image-lic">{entities(credit_phrase(image))}</span>
</figcaption>
</figure>"""


# -- body ------------------------------------------------------------------------------------


def _inline(segs: list[Segment], base: str, salt: str) -> str:
    """Classic inline markup: links and <em> sit flush against the text around them."""
    out = []
    for k, seg in enumerate(segs):
        text = noisy(seg.text, f"{salt}:{k}")
        if seg.kind == "quote":
            out.append(f"<em>{text}</em>")
        elif seg.kind == "topic":
            out.append(
                f'<a href="{base}/specials/{seg.href}/"  target="_blank"  '
                f'class="golem-internal-url golem-url-specials">{text}</a>'
            )
        elif seg.kind == "link":
            out.append(
                f'<a href="{attr(seg.href)}"  target="_blank"  class="golem-external-url">'
                f"{text}</a>"
            )
        else:
            out.append(text)
    return "".join(out)


def _body(spec: ArticleSpec, page: int | None, base: str) -> str:
    out = ['<div class="formatted">', "<!--content-->", "<section>"]
    section_has_content = False
    for item in body_flow(spec, page):
        if item.kind == "block" and item.block["type"] == "heading" and section_has_content:
            out.append("</section>\n<section>")
        out.append(_item(item, spec, base))
        section_has_content = section_has_content or item.kind == "block"
    out += ["</section>", "<!--/content-->", "</div>"]
    return "\n".join(out)


def _item(item: FlowItem, spec: ArticleSpec, base: str) -> str:
    if item.kind == "slot":
        return _SLOTS[item.slot]
    if item.kind == "image":
        return _figure(item.image, "gimg", spec)
    block = item.block
    salt = f"{spec.id}:{item.ordinal}"
    kind = block["type"]
    if kind == "paragraph":
        segs = segments(block["text"], salt, spec.topics)
        n = item.ordinal
        return f'<p id="gpar{n}">{_inline(segs, base, salt)}</p><!-- gpar{n} -->'
    if kind == "heading":
        return f"<h2>{noisy(block['text'], salt)}</h2>\n"
    if kind == "list":
        items = "\n".join(f"<li>{noisy(text, salt)}</li>" for text in block["items"])
        return f"<ul>\n{items}\n</ul>"
    if kind == "quote":
        return f"<blockquote>\n<p>{noisy(block['text'], salt)}</p>\n</blockquote>"
    if kind == "code":
        return f"<pre><code>{attr(block['text'])}</code></pre>"
    head, *rows = table_rows(block)
    head_html = "".join(f"<th>{noisy(c, salt)}</th>" for c in head)
    rows_html = "\n".join(
        "<tr>" + "".join(f"<td>{noisy(c, salt)}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        f'<table class="gtable">\n<thead><tr>{head_html}</tr></thead>\n'
        f"<tbody>\n{rows_html}\n</tbody>\n</table>"
    )


def _supplementary(
    tag: str, aside_id: str, heading: str, offers: list[tuple[str, str, str]], more: tuple[str, str]
) -> str:
    """A job or seminar box inside the body (boilerplate)."""
    items = "\n".join(
        f'<li class="text1"><a href="{href}" target="_blank" rel="nofollow">{title}</a>'
        f"<br>{detail}</li>"
        for href, title, detail in offers
    )
    return f"""<!-- begin ad tag ({tag}) -->
<aside class="supplementary" id="{aside_id}" data-nosnippet>
    <div class="dh1 head3">{heading}</div>
    <ol style="max-width:300px; overflow:hidden">
{items}
    </ol>
    <a class="text1" href="{more[0]}" target="_blank" rel="nofollow">{more[1]}</a>
</aside><!-- .supplementary -->
<!-- end ad tag ({tag}) -->"""


_JOB_OFFERS = [
    (
        "https://jobs.golem.de/job/systemadministrator-linux.1490011.html?utm_source=golem",
        "Systemadministrator Linux (m/w/d)",
        "Stadtwerke Nordheim GmbH, Nordheim",
    ),
    (
        "https://jobs.golem.de/job/entwickler-in-backend.1490012.html?utm_source=golem",
        "Entwickler/in Backend (m/w/d)",
        "Brückenbau Software AG, M&uuml;nchen",
    ),
]
_COURSE_OFFERS = [
    (
        "https://karrierewelt.golem.de/products/kubernetes-grundlagen-workshop",
        "Kubernetes-Grundlagen: virtueller Zwei-Tages-Workshop",
        "12.-13.11.2025",
    ),
    (
        "https://karrierewelt.golem.de/products/it-sicherheit-fuer-admins-workshop",
        "IT-Sicherheit f&uuml;r Admins: virtueller Ein-Tages-Workshop",
        "02.12.2025",
    ),
]

_SLOTS = {
    "ad_top": """<aside style="max-width:300px; width:auto; float:right;" data-nosnippet>
<!-- begin ad tag (tile=8) -->
<div id="iqadtile8">
    <script type="text/javascript">
        if (typeof SDG !== 'undefined') { SDG.Publisher.registerSlot('rectangle','iqadtile8'); }
    </script>
</div>
<!-- end ad tag (tile=8) -->
</aside>""",
    "jobs": _supplementary(
        "jobs",
        "job-market",
        "Stellenmarkt",
        _JOB_OFFERS,
        ("https://jobs.golem.de/?utm_source=golem", "Detailsuche"),
    ),
    "ad_mid": """<aside style="width:1000px; margin: 16px -150px; clear:both;" data-nosnippet>
<!-- begin ad tag (tile=4) -->
<div id="iqadtile4"></div>
<!-- end ad tag (tile=4) -->
</aside>""",
    "courses": _supplementary(
        "seminars",
        "seminars",
        "Golem Karrierewelt",
        _COURSE_OFFERS,
        ("https://karrierewelt.golem.de/collections/alle-kurse", "Weitere IT-Trainings"),
    ),
    "info": "",
    "end": """<figure id="kgomrovnylb">
<style type="text/css" scoped>
figure#kgomrovnylb { position: absolute; top: 0; left: 0; width: 100%; height: 100%; }
</style>
<figcaption>
    Bitte aktivieren Sie Javascript.<br>
    Oder nutzen Sie das <a href="https://account.golem.de/product/subscription">Golem-pur-Angebot</a><br>
    und lesen Golem.de
    <ul>
        <li>ohne Werbung</li>
        <li>mit ausgeschaltetem Javascript</li>
        <li>mit RSS-Volltext-Feed</li>
    </ul>
</figcaption>
</figure>
<script type="text/javascript">
<!--
(function(d) { var e = d.getElementById('kgomrovnylb'); e.parentNode.removeChild(e); })(document);
//-->
</script>""",
}

_PAYWALL = """<div class="go-paywall golemplus-paywall" data-nosnippet>
<div class="dh1 head3">Golem Plus</div>
<p>Weiterlesen mit Golem Plus: Dieser Artikel ist Abonnentinnen und Abonnenten vorbehalten.</p>
<a href="https://account.golem.de/product/subscription">Jetzt Golem Plus abonnieren</a>
</div>"""

_REKLAME = """<aside class="tags" style="display:block; font-weight:bold;" data-nosnippet>
    <span>Reklame: </span><a href="https://www.example.com/angebot?tag=golem-de-21"
        title="Hier geht es zum Angebot" target="_blank" rel="nofollow">Hier geht es zum
        Angebot bei Amazon</a>
</aside>"""


# -- after the body --------------------------------------------------------------------------


def _toc(spec: ArticleSpec, page: int, base: str) -> str:
    """Next-page link and table of contents of a multi-page article."""
    rows = []
    for number in range(1, spec.page_count + 1):
        label = f"{number}. {entities(page_title(spec, number))}"
        if number == page:
            rows.append(f'<tr><td class="active">{label}</td></tr>')
        else:
            rows.append(f'<tr><td><a href="{base}{spec.path(number)}">{label}</a></td></tr>')
    next_link = ""
    if 0 < page < spec.page_count:
        next_link = (
            f'<a id="atoc_next" href="{base}{spec.path(page + 1)}" class="golem-jtoc-next">'
            f"{entities(page_title(spec, page + 1))}</a>\n"
        )
    return (
        '<div class="jtoc">\n<div class="dh1 head3">Inhalt:</div>\n'
        f'{next_link}<table class="table-jtoc">\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n</div>"
    )


def _comment_count(spec: ArticleSpec) -> str:
    if spec.comment_count is None:
        return ""
    return f"""<!-- FORUM -->
<ul class="social-tools social-tools--footer">
  <li class="share-item comments">
    <a class="comments-link" href="#cmts"
        onclick="javascript:_gcpx.push(['ev','d','commentscroll']);return true;">
      {_COMMENT_ICON}
      {spec.comment_count}
    </a>
  </li>
</ul>
<!-- / FORUM -->"""


def _topics(spec: ArticleSpec) -> str:
    items = "\n".join(
        f'<li><a href="/specials/{slug}/" title="{entities(name, quote=True)}">'
        f"{entities(name)}</a></li>"
        for name, slug in spec.topics
    )
    return f"""<div class="topictags fadetags" id="breadcrumbs">
    <h3 class="tags__title">
        <a href="/specials/">Themenseiten:</a>
    </h3>
    <div>
        <span></span>
        <ul class="tags__list">
{items}
        </ul>
    </div>
</div>"""


def _widget_teaser(spec: ArticleSpec, base: str) -> str:
    image = ""
    if spec.images:
        image = f'<img src="{attr(spec.images[0]["url"])}" alt="artikel-bild">'
    kicker = f'<div class="dh3 head1">{entities(spec.kicker)}</div>' if spec.kicker else ""
    return (
        f'      <a href="{base}{spec.path()}"><div class="widget-inner-container">'
        f'<div class="widget-inner-container-col-left">{image}</div>'
        f'<div class="widget-inner-container-col-right"><hgroup>{kicker}'
        f'<div class="dh2 head2">{entities(spec.title)}</div></hgroup></div></div></a>'
    )


def _widgets(related: Sequence[ArticleSpec], most_read: Sequence[ArticleSpec], base: str) -> str:
    out = ['<div id="tusplit1">', '<div class="g g6">']
    for heading, specs in (("Verwandte Artikel", related), ("Meistgelesen", most_read)):
        if specs:
            teasers = "\n".join(_widget_teaser(s, base) for s in specs)
            out.append(
                f'<div class="teaser-widget">\n  <div class="dh2 head4 header">{heading}</div>\n'
                f"{teasers}\n  </div>"
            )
    out += ["</div>", "</div><!-- #tusplit1 -->"]
    return "\n".join(out)


def _comments(spec: ArticleSpec) -> str:
    if not spec.comments_url:
        return ""
    preview = ""
    if spec.comment_count:
        preview = f"""
    <div class="dlifc"><div class="dh2"><a rel="nofollow" href="{attr(spec.comments_url)}">\
Re: Interessante Frage</a></div><div class="dh3"><strong>leser{spec.id[-2:]}</strong>&nbsp;18:02\
</div><p style="overflow:hidden;">Danke f&uuml;r den Artikel, das deckt sich mit meinen \
Erfahrungen...</p></div>"""
    return f"""<!-- FORUM -->
<div id="cmts" class="stickymark"></div>
<section id="comments">
    <div class="dh1"><a href="{attr(spec.comments_url)}">Kommentar&uuml;bersicht</a></div>{preview}
    <p class="meta">
            <a href="https://forum.golem.de/posting.php?{spec.id}" class="rlink"
                rel="nofollow">Kommentieren</a>
        </p>
</section><!-- #comments -->
<!-- / FORUM -->"""


def _promo(most_read: Sequence[ArticleSpec], base: str) -> str:
    """The 'Aktuell auf der Startseite' box below the article: links with a tracking query."""
    if not most_read:
        return ""
    items = "\n".join(
        list_item(s, k, base, query="?_medium=widget.hp") for k, s in enumerate(most_read, 1)
    )
    return (
        '<div class="minihp index"><div class="dh1 head4 header">'
        "Aktuell auf der Startseite von Golem.de</div>\n"
        f'<section>\n<div class="dh1 implied">Artikel</div>\n<ol class="list-articles">\n{items}\n'
        "</ol>\n</section>\n</div>"
    )


_NEWSLETTER = """<div class="g g6">
<div class="subscribe-newsletter staticNlForm">
  <form action="https://account.golem.de/product/newsletter/subscribe" class="gnlform"
        method="post">
    <label for="subscribe-newsletter" class="nl-headline">Melde dich zu unserem
        IT-Newsletter an</label>
    <input type="email" name="email_sub" id="subscribe-newsletter" required>
  </form>
</div>
</div>"""

_FOOTER = """<footer id="footer"><p class="text1">&copy; 1997&ndash;2025 Golem Media GmbH</p>
<ul><li><a href="https://www.golem.de/sonstiges/impressum.html">Impressum</a></li>
<li><a href="https://www.golem.de/sonstiges/Datenschutz.html">Datenschutz</a></li></ul></footer>"""


# -- index pages -----------------------------------------------------------------------------


def list_item(spec: ArticleSpec, position: int, base: str, *, query: str = "") -> str:
    """A teaser in an `ol.list-articles`: header link with kicker and title, summary below."""
    kicker = f'<div class="dh3 head1">{noisy(spec.kicker, "li")}</div>\n' if spec.kicker else ""
    summary = ""
    if spec.summary:
        segs = segments(spec.summary, spec.id, spec.topics, quotes=False, external=False)
        summary = f"""
    <p>
        {_inline(segs, base, spec.id + ":li")}
                    </p>"""
    return f"""<!--- item start position: {position} -->
<li class="" data-article-id="{spec.id}">
    <header class="cluster-header">
        <a id="hpal_{spec.id}" href="{base}{spec.path()}{query}"
            title="{entities(spec.headline, quote=True)}">
            <div>
                <hgroup>
                    {kicker}<div class="dh2 head2">{noisy(spec.title, "li")}</div>
                </hgroup>
            </div>
        </a>
    </header>{summary}
</li>
<!--- item end position: {position} -->"""


def _list_page(title: str, heading: str, specs: Sequence[ArticleSpec], base: str, nav: str) -> str:
    items = "\n".join(list_item(s, k, base) for k, s in enumerate(specs, 1))
    return f"""<!DOCTYPE html>
<html lang="de-DE" class="no-js">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>{entities(title)}</title>
{_rss_link(base)}
</head>
<body>
{_site_header(base)}
<div id="grandwrapper" class="golem-zo-grandwrapper iq-site-wrapper">
<div id="screen">
<div class="g g6">
<h1 class="dh1 head4">{entities(heading)}</h1>
<section>
<ol class="list-articles">
{items}
</ol>
</section>
{nav}
</div>
</div>
</div>
{_FOOTER}
</body>
</html>"""


def render_ticker(specs: Sequence[ArticleSpec], *, base: str = CANONICAL_BASE) -> str:
    """The news ticker /ticker/: newest articles first."""
    return _list_page("Newsticker - Golem.de", "Newsticker", specs, base, "")


def render_archive(
    yymm: str,
    specs: Sequence[ArticleSpec],
    *,
    base: str = CANONICAL_BASE,
    newer: str | None = None,
    older: str | None = None,
) -> str:
    """Monthly archive /aa-<YYMM>.html with links to the neighbouring archive months."""
    links = [
        f'<a class="archive-{rel}" href="{base}/aa-{month}.html">{yymm_label(month)}</a>'
        for rel, month in (("older", older), ("newer", newer))
        if month
    ]
    nav = f'<nav class="archive-nav">{" | ".join(links)}</nav>' if links else ""
    label = yymm_label(yymm)
    return _list_page(f"Artikel im {label} - Golem.de", f"Artikel im {label}", specs, base, nav)
