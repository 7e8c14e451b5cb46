"""Articles from RSS and Atom feeds: local files or http(s) URLs, parsed by feedparser.

A feed source is an ``http://`` or ``https://`` URL, or a file ending in ``.rss``, ``.atom``
or ``.xml``. URLs are fetched by a :class:`~clustering.reading.fetch.Fetcher` (limits,
gzip, conditional GET, http(s)-only redirects, no retries); feedparser only ever parses the
bytes. Each entry is one article whose ``line`` is its 1-based position in the feed. A feed
that cannot be read raises :class:`InputError` naming the source, with one of these messages:

- ``cannot reach HOST: REASON``, HOST being the one that failed (after redirects) and
  REASON ``connection refused``, ``connection reset``, ``host name lookup failed``,
  ``timed out after T s`` (the whole fetch: a server that drips bytes is cut off too),
  ``TLS error (…)`` or the system's own wording for other network errors;
- ``HTTP CODE PHRASE`` for an HTTP error status, e.g. ``HTTP 404 Not Found``;
- ``redirected to URL (only http and https are followed)``, ``redirected to URL (a URL
  with a user name or password is not followed)`` (no message shows a user name or password);
- ``feed larger than N bytes`` (the fetcher's ``max_bytes``, counted after gzip decoding),
  ``corrupt gzip content (…)``, ``unsupported Content-Encoding 'NAME'``;
- ``feed cut short (N of M bytes)`` for a body shorter than its ``Content-Length``,
  ``feed cut short (the transfer stopped after N bytes)`` for a chunked one, and
  ``feed cut short (no closing </NAME>)`` for a document (fetched or a file) that ends
  before its root element does: a feed is read whole or not at all;
- ``invalid URL (…)``, ``no such file or directory``, ``cannot read file (…)``;
- ``not a feed (empty)``, ``not a feed (an HTML page)``, ``not a feed (root element <NAME>)``
  or ``not a feed`` for content that is no RSS or Atom document;
- ``cannot decode feed (MESSAGE)`` when the declared encoding is garbled beyond use;
- ``malformed feed XML (MESSAGE)``, with the XML parser's message (``mismatched tag``,
  ``not well-formed (invalid token)``, …), when the XML is broken and no entry could be
  recovered from it;
- ``feed has no entries``.

Feedparser flags many harmless irregularities (a wrong Content-Type, an encoding that
differs from the declared one, an undefined entity such as ``&nbsp;``): a feed whose entries
it could still read is accepted. A declaration of UTF-16 or UTF-32 over bytes without a BOM
that read as ASCII (so they cannot be UTF-16) is ignored, as for any declared charset the
bytes do not fit: they are decoded as :mod:`~clustering.reading.decoding` guesses.
"""

from __future__ import annotations

import calendar
import io
import os
import re
import time
import xml.sax
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import feedparser

from clustering.errors import InputError
from clustering.reading.articles import RawArticle
from clustering.reading.decoding import DecodeError, decode_bytes
from clustering.reading.fetch import Fetcher, one_line
from clustering.reading.records import read_bytes

FEED_SUFFIXES = (".rss", ".atom", ".xml")
_URL_PREFIXES = ("http://", "https://")
#: The first element of an XML or HTML document, after a BOM, declarations and comments.
_ROOT = re.compile(
    rb"^(?:\xef\xbb\xbf)?(?:\s|<\?.*?\?>|<!--.*?-->|<!doctype[^>\[]*(?:\[.*?\])?\s*>)*+"
    rb"<([A-Za-z_][\w.:-]*)",
    re.IGNORECASE | re.DOTALL,
)
#: An XML declaration of UTF-16 or UTF-32 that is itself read as ASCII (no BOM, no NULs).
_WIDE_DECLARATION = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']\s*(?:utf|ucs)-?(?:16|32|2|4)",
    re.IGNORECASE,
)
_DECLARED_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?\bencoding\s*=\s*[\"'])[^\"']*", re.IGNORECASE)
#: The XML parser's complaints about a document that ends too early.
_CUT_SHORT = {"no element found", "unclosed token", "unclosed CDATA section", "partial character"}


def is_url(source: str) -> bool:
    """True for an ``http://`` or ``https://`` URL."""
    return source.lower().startswith(_URL_PREFIXES)


def is_feed_source(path_or_url: str | os.PathLike[str]) -> bool:
    """True for an http(s) URL and for a path ending in ``.rss``, ``.atom`` or ``.xml``.

    A directory with such a name is not a feed source.
    """
    source = os.fspath(path_or_url)
    return is_url(source) or (source.lower().endswith(FEED_SUFFIXES) and not Path(source).is_dir())


def read_feed(source: str | os.PathLike[str], fetcher: Fetcher | None = None) -> list[RawArticle]:
    """The entries of the feed at a URL or in a file, as raw articles.

    URLs are fetched by ``fetcher`` (a new default one without it). When the fetcher has seen
    the feed before and the server answers ``304 Not Modified``, there is nothing new: the
    list is empty. Raises :class:`InputError` naming the source when it cannot be fetched or
    is not a feed with entries (messages in the module docstring).
    """
    given = os.fspath(source)
    if not is_url(given):
        name = str(Path(given))
        return _entries(name, _read_file(name), {})
    fetcher = fetcher or Fetcher()
    fetched = fetcher.fetch(given)
    if fetched is None:
        return []
    articles = _entries(given, fetched.data, fetched.headers)
    fetcher.remember(fetched)  # only a feed that could be read is worth a 304 next time
    return articles


def _entries(name: str, data: bytes, headers: Mapping[str, str]) -> list[RawArticle]:
    data = _without_false_wide_declaration(data)
    try:
        parsed = feedparser.parse(io.BytesIO(data), response_headers=dict(headers))
    except (ValueError, LookupError) as exc:  # e.g. an encoding name with a NUL byte in it
        raise InputError(name, f"cannot decode feed ({one_line(exc)})") from exc
    if not parsed.entries:
        raise InputError(name, _no_entries_reason(data, parsed))
    if (why := _cut_short(data, parsed)) is not None:
        raise InputError(name, f"feed cut short ({why})")
    feed = parsed.feed
    return [
        _article(name, number, entry, feed.get("title") or None, feed.get("language"))
        for number, entry in enumerate(parsed.entries, start=1)
    ]


def _read_file(name: str) -> bytes:
    path = Path(name)
    if not path.exists():
        raise InputError(name, "no such file or directory")
    return read_bytes(path)


def _without_false_wide_declaration(data: bytes) -> bytes:
    """``data`` re-encoded as declared UTF-8, when it declares UTF-16/32 over ASCII-like bytes.

    Feedparser trusts such a declaration and reads garbage; the bytes are decoded instead as
    for any document whose declared charset does not fit them.
    """
    if not _WIDE_DECLARATION.match(data):
        return data
    try:
        text = decode_bytes(data)[0]
    except DecodeError:
        return data
    return _DECLARED_ENCODING.sub(r"\g<1>utf-8", text, count=1).encode("utf-8")


def _cut_short(data: bytes, parsed: Mapping[str, object]) -> str | None:
    """Why the document looks cut short (it ends before its root element closes), or None.

    The bytes are looked at directly when the root element can be found in them (an
    undefined entity earlier on hides a missing end from the XML parser); else the XML
    parser's own complaint about the end of the document is taken.
    """
    root = _ROOT.match(data[:65536])
    if root is not None:
        name = root.group(1)
        closing = re.compile(rb"</" + re.escape(name) + rb"\s*>")
        found = closing.search(data, root.end())
        return None if found else f"no closing </{name.decode('ascii', 'replace')}>"
    error = parsed.get("bozo_exception")
    if isinstance(error, xml.sax.SAXParseException) and error.getMessage() in _CUT_SHORT:
        return f"the XML ends early: {error.getMessage()}"
    return None


def _no_entries_reason(data: bytes, parsed: Mapping[str, object]) -> str:
    """Why a parsed document gave no entries, most specific first."""
    if not data.strip():
        return "not a feed (empty)"
    root = _ROOT.match(data[:65536])
    name = root.group(1).decode("ascii", "replace") if root else None
    if name is not None and name.lower() == "html":
        return "not a feed (an HTML page)"
    error = parsed.get("bozo_exception")
    if isinstance(error, xml.sax.SAXParseException):
        return f"malformed feed XML ({one_line(error.getMessage())})"
    if not parsed.get("version"):
        return f"not a feed (root element <{name}>)" if name else "not a feed"
    return "feed has no entries"


def _article(
    name: str,
    number: int,
    entry: Mapping[str, object],
    feed_title: str | None,
    feed_lang: str | None,
) -> RawArticle:
    texts = [str(_first_content(entry).get("value") or ""), str(entry.get("summary") or "")]
    ident = str(entry.get("id") or entry.get("link") or "").strip()
    return RawArticle(
        path=name,
        line=number,
        id=ident or f"{name}#{number}",
        title=str(entry.get("title") or ""),
        text=max(texts, key=len),
        published=entry.get("published") or entry.get("updated"),
        published_fallback=_iso(entry.get("published_parsed") or entry.get("updated_parsed")),
        lang=_entry_lang(entry) or feed_lang or None,
        source=feed_title,
        url=str(entry.get("link") or "") or None,
    )


def _first_content(entry: Mapping[str, object]) -> Mapping[str, object]:
    """The entry's first ``content`` element, or an empty mapping."""
    content = entry.get("content")
    first = content[0] if isinstance(content, list) and content else None
    return first if isinstance(first, Mapping) else {}


def _entry_lang(entry: Mapping[str, object]) -> str | None:
    """The entry's own language (``dc:language``, else an ``xml:lang`` in effect), if any."""
    content = _first_content(entry)
    for place in (entry, entry.get("title_detail"), content, entry.get("summary_detail")):
        if isinstance(place, Mapping) and place.get("language"):
            return str(place["language"])
    return None


def _iso(value: object) -> str | None:
    """An ISO 8601 UTC timestamp from feedparser's UTC ``struct_time``."""
    if not isinstance(value, time.struct_time):
        return None
    return datetime.fromtimestamp(calendar.timegm(value), UTC).isoformat()
