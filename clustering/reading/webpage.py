"""A web page's article: body, headline, date, source and canonical URL, via trafilatura.

trafilatura drops navigation, cookie banners, ads, related lists, newsletter boxes and
comments; htmldate (inside it) finds the date when the page declares none. The headline and
the date a page declares in JSON-LD come first, with their time of day; then ``og:`` and
``article:`` meta, ``<time>`` and the rest through trafilatura. A page where trafilatura
finds no article (a bare fragment, say) falls back to :func:`markup.html_to_page`, unless
its only text is links, headers and footers: then it has no article (and the ``<title>``
of a section page is no headline).

trafilatura and htmldate take more than linear time in the size of a page (a 6 MB page
took 11 s, and a 30 MB one minutes), so a page of more than :data:`EXTRACTION_LIMIT`
characters of markup is read by :func:`markup.html_to_page` alone (linear, under a second
for 5 MB), with the headline, date and URL it declares, and an :class:`InputWarning`.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import trafilatura
from trafilatura.settings import Document

from clustering.errors import InputWarning
from clustering.reading.dates import DateError, parse_date
from clustering.reading.markup import Page, html_to_page

if TYPE_CHECKING:
    from lxml.html import HtmlElement

for _name in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

_ARTICLE_TYPES = {"Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle"}
_ARTICLE_TYPES |= {"BlogPosting", "LiveBlogPosting", "OpinionNewsArticle", "Report"}
_DATE_PARAMS = {
    "original_date": True,
    "extensive_search": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}
#: Boxes trafilatura's own (mostly English) rules miss, by class or id.
_BOILERPLATE_MARKS = (
    "cookie",
    "consent",
    "rgpd",
    "gdpr",
    "reaction",
    "kommentar",
    "yorum",
    "lire-aussi",
    "plus-lus",
    "read-also",
    "most-read",
    "meistgelesen",
    "bulten",
)


def _lower(expression: str) -> str:
    """An XPath 1.0 expression for ``expression`` in ASCII lower case."""
    return f"translate({expression}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"


_CLASS_AND_ID = _lower("concat(@class, ' ', @id)")
_PRUNE = " | ".join(f"//*[contains({_CLASS_AND_ID}, '{mark}')]" for mark in _BOILERPLATE_MARKS)
_DATE_KEYS = ("article:published_time", "datepublished", "pubdate", "publishdate", "dc.date.issued")
_DATE_XPATH = (
    " | ".join(
        f"//meta[{_lower('@' + attribute)}='{key}']/@content"
        for key in _DATE_KEYS
        for attribute in ("property", "name", "itemprop")
    )
    + ' | //time[@itemprop="datePublished"]/@datetime'
)
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ")
_HEADLINE_LINES = 3
#: Pages with more characters of markup than this are not handed to trafilatura.
EXTRACTION_LIMIT = 4 * 1024 * 1024


def read_page(markup: str, where: str = "page") -> Page:
    """The article an HTML page carries, with the metadata it declares.

    ``where`` names the page in the warning for one over :data:`EXTRACTION_LIMIT`.
    """
    tree = trafilatura.load_html(markup)
    if tree is None:
        return html_to_page(markup)
    declared = _declared(tree)
    if len(markup) > EXTRACTION_LIMIT:
        warnings.warn(
            InputWarning(
                f"{where}: page of {len(markup):,} characters read without boilerplate "
                f"removal (pages over {EXTRACTION_LIMIT:,} are not given to trafilatura)"
            ),
            stacklevel=2,
        )
        return _plain(markup, declared)
    _prune(tree)
    doc = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=False,
        favor_precision=True,
        date_extraction_params=dict(_DATE_PARAMS),
    )
    if not isinstance(doc, Document) or not (doc.text or "").strip():
        if not _prose(tree):  # navigation and a <title> only: no article, not its title
            return Page(text="", title=declared.title)
        return _plain(markup, declared)
    sitename = doc.sitename or None
    title = declared.title or _strip_site(doc.title or "", sitename)
    return Page(
        text=_after_headline(doc.text or "", title),
        title=title,
        lang=declared.lang,
        published=declared.published or doc.date or None,
        url=declared.url or doc.url or None,
        source=sitename,
    )


def _plain(markup: str, declared: Page) -> Page:
    """The page as the plain HTML-to-text parser reads it, with what the page declares."""
    page = html_to_page(markup)
    page.title = declared.title or page.title
    page.published = declared.published or page.published
    page.url = declared.url or page.url
    return page


_PROSE = (
    "//body//text()[not(ancestor::a or ancestor::header or ancestor::footer or ancestor::nav"
    " or ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
)


def _prose(tree: HtmlElement) -> bool:
    """True when the page shows any text outside links, headers, footers and scripts."""
    return any(str(text).strip() for text in tree.xpath(_PROSE))


def _declared(tree: HtmlElement) -> Page:
    """What the page declares in JSON-LD, ``<link rel=canonical>``, ``lang`` and date meta."""
    structured = _json_ld_article(tree)
    return Page(
        text="",
        title=_text(structured.get("headline")) or "",
        lang=_first(tree, "/html/@lang") or _first(tree, '//meta[@property="og:locale"]/@content'),
        published=_declared_date(tree, structured),
        url=_canonical(tree),
    )


def _prune(tree: HtmlElement) -> None:
    """Drop ``<nav>`` and the boxes of :data:`_BOILERPLATE_MARKS`, but none holding most text.

    A ``has-cookie-banner`` class on ``<body>`` must not take the article with it.
    """
    limit = len(tree.text_content()) / 3
    for element in tree.xpath(_PRUNE):
        if element.getparent() is not None and len(element.text_content()) < limit:
            element.drop_tree()
    for element in tree.xpath("//nav"):
        if element.getparent() is not None:
            element.drop_tree()


def _text(value: object) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _declared_date(tree: HtmlElement, structured: dict[str, object]) -> str | None:
    """The first readable date of JSON-LD ``datePublished``, then the publication meta tags."""
    candidates = [_text(structured.get("datePublished"))]
    candidates += [str(value) for value in tree.xpath(_DATE_XPATH)]
    for value in candidates:
        try:
            if value and parse_date(value) is not None:
                return value.strip()
        except DateError:
            continue
    return None


def _json_objects(value: object) -> Iterator[dict[str, object]]:
    if isinstance(value, list):
        for item in value:
            yield from _json_objects(item)
    elif isinstance(value, dict):
        yield value
        yield from _json_objects(value.get("@graph"))


def _json_ld_article(tree: HtmlElement) -> dict[str, object]:
    """The first JSON-LD object typed as an article (empty when there is none)."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError):
            continue
        for item in _json_objects(data):
            kinds = item.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(kind in _ARTICLE_TYPES for kind in kinds if isinstance(kind, str)):
                return item
    return {}


def _first(tree: HtmlElement, xpath: str) -> str | None:
    values = [str(value).strip() for value in tree.xpath(xpath)]
    return next((value for value in values if value), None)


def _canonical(tree: HtmlElement) -> str | None:
    url = _first(tree, '//link[contains(concat(" ", @rel, " "), " canonical ")]/@href')
    return url if url and url.startswith(("http://", "https://")) else None


def _strip_site(title: str, sitename: str | None) -> str:
    """``title`` without a trailing `` | Site Name``."""
    title = " ".join(title.split())
    for separator in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if found and head and sitename and tail.strip().casefold() == sitename.casefold():
            return head.strip()
    return title


def _after_headline(text: str, title: str) -> str:
    """The body after the headline, when the headline is among its first lines."""
    lines = text.split("\n")
    wanted = title.casefold()
    for index, line in enumerate(lines[:_HEADLINE_LINES]):
        if wanted and " ".join(line.split()).casefold() == wanted:
            return "\n".join(lines[index + 1 :])
    return text
