"""HTML and Markdown to plain text, keeping the headline and the metadata a page declares."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_SKIP_TAGS = {
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "nav",
    "footer",
    "aside",
    "form",
    "button",
    "iframe",
    "select",
    "head",
}
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "section",
    "article",
    "main",
    "header",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "tr",
    "table",
    "figure",
    "figcaption",
    "pre",
    "hr",
    "dd",
    "dt",
}
_VOID_TAGS = {"br", "hr", "img", "meta", "link", "input", "source", "wbr", "area", "base", "col"}
_DATE_META = (
    "article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "date",
    "dc.date",
    "dc.date.issued",
    "og:published_time",
    "sailthru.date",
)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


@dataclass
class Page:
    """What an HTML page says about itself."""

    text: str
    title: str = ""
    lang: str | None = None
    published: str | None = None
    url: str | None = None
    source: str | None = None
    meta: dict[str, str] = field(default_factory=dict)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.in_title = False
        self.in_h1 = False
        self.title = ""
        self.h1 = ""
        self.lang: str | None = None
        self.canonical: str | None = None
        self.meta: dict[str, str] = {}
        self.time: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key.lower(): (value or "") for key, value in attrs}
        if tag == "html" and values.get("lang"):
            self.lang = values["lang"]
        elif tag == "meta":
            key = (
                values.get("property") or values.get("name") or values.get("itemprop") or ""
            ).lower()
            if key and values.get("content"):
                self.meta.setdefault(key, values["content"].strip())
        elif tag == "link" and "canonical" in values.get("rel", "").lower():
            self.canonical = values.get("href")
        elif tag == "time" and self.time is None and values.get("datetime"):
            self.time = values["datetime"]
        elif tag == "title":
            self.in_title = True
        if tag == "h1":
            self.in_h1 = True
        if tag in _SKIP_TAGS and tag not in _VOID_TAGS:
            self.skip_depth += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag == "h1":
            self.in_h1 = False
        if tag in _SKIP_TAGS and tag not in _VOID_TAGS and self.skip_depth:
            self.skip_depth -= 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if self.skip_depth:
            return
        if self.in_h1:
            self.h1 += data
        self.parts.append(data)


def html_to_page(markup: str) -> Page:
    """Parse an HTML page into its visible text, headline and metadata."""
    parser = _PageParser()
    parser.feed(markup)
    parser.close()
    meta = parser.meta
    text = "\n".join(" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    title = " ".join((meta.get("og:title") or parser.h1 or parser.title).split())
    published = next((meta[key] for key in _DATE_META if meta.get(key)), None) or parser.time
    return Page(
        text=text,
        title=title,
        lang=parser.lang or meta.get("og:locale"),
        published=published,
        url=meta.get("og:url") or parser.canonical,
        source=meta.get("og:site_name"),
        meta=meta,
    )


def looks_like_html(text: str) -> bool:
    """True when ``text`` carries HTML tags rather than plain prose."""
    return len(_TAG.findall(text[:5000])) >= 2


def strip_tags(text: str) -> str:
    """Remove HTML tags and unescape entities, keeping block breaks as newlines."""
    return html_to_page(text).text if looks_like_html(text) else html.unescape(text)


_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_MD_LINK_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")
_MD_CODE = re.compile(r"`+([^`]*)`+")
_MD_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MD_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_MD_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_MD_FENCE = re.compile(r"^\s*(```|~~~)")


def markdown_to_text(markup: str) -> tuple[str, str]:
    """Strip Markdown; return ``(title, text)`` where title is the first level-1 heading."""
    title = ""
    lines: list[str] = []
    for raw in markup.splitlines():
        if _MD_FENCE.match(raw) or _MD_RULE.match(raw) or _MD_LINK_DEF.match(raw):
            continue
        line = _MD_QUOTE.sub("", raw)
        line = _MD_BULLET.sub("", line)
        heading = _MD_HEADING.match(line)
        if heading:
            line = heading.group(2)
        line = _MD_IMAGE.sub(r"\1", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_REF_LINK.sub(r"\1", line)
        line = _MD_CODE.sub(r"\1", line)
        for _ in range(2):
            line = _MD_EMPHASIS.sub(r"\2", line)
        if heading and len(heading.group(1)) == 1 and not title:
            title = line.strip()
            continue
        lines.append(line)
    return title, "\n".join(lines)


def looks_like_markdown(text: str) -> bool:
    """True when ``text`` uses Markdown headings, or links and emphasis more than once."""
    head = text[:5000]
    headings = sum(1 for line in head.splitlines() if _MD_HEADING.match(line))
    inline = len(_MD_LINK.findall(head)) + len(re.findall(r"\*\*\S[^*]*\*\*", head))
    return headings >= 1 or inline >= 2
