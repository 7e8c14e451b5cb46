"""Articles from RSS and Atom feeds: local files or http(s) URLs, parsed by feedparser.

A feed source is an ``http://`` or ``https://`` URL, or a file ending in ``.rss``, ``.atom``
or ``.xml``. URLs are fetched once with urllib (User-Agent ``samestory``, a timeout, no
retries); feedparser only ever parses the bytes. Each entry is one article whose ``line`` is
its 1-based position in the feed. A feed that cannot be read raises :class:`InputError`
naming the source, with one of these messages:

- ``cannot reach HOST: REASON``, REASON being ``connection refused``, ``connection reset``,
  ``host name lookup failed``, ``timed out after T s``, ``TLS error (…)`` or the system's
  own wording for other network errors;
- ``HTTP CODE PHRASE`` for an HTTP error status, e.g. ``HTTP 404 Not Found``;
- ``invalid URL (…)``, ``no such file or directory``, ``cannot read file (…)``;
- ``not a feed (empty)``, ``not a feed (an HTML page)``, ``not a feed (root element <NAME>)``
  or ``not a feed`` for content that is no RSS or Atom document;
- ``malformed feed XML (MESSAGE)``, with the XML parser's message (``mismatched tag``,
  ``not well-formed (invalid token)``, …), when the XML is broken and no entry could be
  recovered from it;
- ``feed has no entries``.

Feedparser flags many harmless irregularities (a wrong Content-Type, an encoding that
differs from the declared one, an undefined entity such as ``&nbsp;``): a feed whose entries
it could still read is accepted.
"""

from __future__ import annotations

import calendar
import http.client
import io
import os
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.sax
from collections.abc import Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

import feedparser

from clustering.errors import InputError
from clustering.reading.articles import RawArticle
from clustering.reading.records import read_bytes

FEED_SUFFIXES = (".rss", ".atom", ".xml")
USER_AGENT = "samestory"
_URL_PREFIXES = ("http://", "https://")
#: The first element of an XML or HTML document, after a BOM, declarations and comments.
_ROOT = re.compile(
    rb"^(?:\xef\xbb\xbf)?(?:\s|<\?.*?\?>|<!--.*?-->|<!doctype[^>\[]*(?:\[.*?\])?\s*>)*+"
    rb"<([A-Za-z_][\w.:-]*)",
    re.IGNORECASE | re.DOTALL,
)


def is_url(source: str) -> bool:
    """True for an ``http://`` or ``https://`` URL."""
    return source.lower().startswith(_URL_PREFIXES)


def is_feed_source(path_or_url: str | os.PathLike[str]) -> bool:
    """True for an http(s) URL and for a path ending in ``.rss``, ``.atom`` or ``.xml``.

    A directory with such a name is not a feed source.
    """
    source = os.fspath(path_or_url)
    return is_url(source) or (source.lower().endswith(FEED_SUFFIXES) and not Path(source).is_dir())


def read_feed(source: str | os.PathLike[str], timeout: float = 20.0) -> list[RawArticle]:
    """The entries of the feed at a URL or in a file, as raw articles.

    Raises :class:`InputError` naming the source when it cannot be fetched or is not a feed
    with entries (messages in the module docstring).
    """
    given = os.fspath(source)
    name = given if is_url(given) else str(Path(given))
    data, headers = _fetch(name, timeout) if is_url(name) else (_read_file(name), {})
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if not parsed.entries:
        raise InputError(name, _no_entries_reason(data, parsed))
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


def _fetch(url: str, timeout: float) -> tuple[bytes, dict[str, str]]:
    """The body and the (lower-cased) headers of a URL's response."""
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read()
            headers = {key.lower(): value for key, value in response.headers.items()}
            headers["content-location"] = response.url  # the base for relative links
    except urllib.error.HTTPError as exc:
        exc.close()
        raise InputError(url, f"HTTP {exc.code} {_phrase(exc.code, exc.reason)}") from exc
    except urllib.error.URLError as exc:
        raise InputError(url, _unreachable(url, exc.reason, timeout)) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise InputError(url, _unreachable(url, exc, timeout)) from exc
    except ValueError as exc:
        raise InputError(url, f"invalid URL ({_one_line(exc)})") from exc
    return data, headers


def _phrase(code: int, reason: object) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return _one_line(reason)


def _unreachable(url: str, reason: object, timeout: float) -> str:
    host = urllib.parse.urlsplit(url).netloc or url
    if isinstance(reason, TimeoutError):
        why = f"timed out after {timeout:g} s"
    elif isinstance(reason, ConnectionRefusedError):
        why = "connection refused"
    elif isinstance(reason, ConnectionResetError):
        why = "connection reset"
    elif isinstance(reason, socket.gaierror):
        why = "host name lookup failed"
    elif isinstance(reason, ssl.SSLError):
        detail = getattr(reason, "verify_message", None) or reason.reason or reason
        why = f"TLS error ({_one_line(detail)})"
    elif isinstance(reason, OSError) and reason.strerror:
        why = reason.strerror
    else:
        why = _one_line(reason)
    return f"cannot reach {host}: {why}"


def _one_line(value: object) -> str:
    text = " ".join(str(value if value is not None else "").split())
    return text or type(value).__name__


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
        return f"malformed feed XML ({_one_line(error.getMessage())})"
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
        published=_iso(entry.get("published_parsed") or entry.get("updated_parsed")),
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
