"""Fetching feeds over http(s) with urllib: limits, conditional GET, gzip, safe redirects.

One :class:`Fetcher` serves a whole run, or a whole ``watch``:

- **Limits.** A fetch may take ``timeout`` seconds in all (connecting, redirects, headers
  and body; a server that drips one byte at a time is cut off too) and its body, once
  decoded, may hold ``max_bytes`` bytes.
- **gzip.** Requests say ``Accept-Encoding: gzip``; a gzip or deflate body is decoded,
  within ``max_bytes`` (a small gzip bomb cannot fill memory), every gzip member of it.
- **Whole or not at all.** A body shorter than its ``Content-Length``, a chunked body that
  stops mid-chunk or a gzip stream that does not end is an error, never a shorter feed.
- **Redirects** are followed to http(s) URLs without a user name or password only; an
  error names the host that failed. No message shows a URL's user name or password.
- **Conditional GET.** After :meth:`Fetcher.remember`, the next request for that URL sends
  its ``ETag`` and ``Last-Modified``; a ``304 Not Modified`` gives ``None``. The fetcher keeps
  them in memory, for as long as it lives; a story store keeps them on disk between runs
  (:meth:`Fetcher.kept` and :meth:`Fetcher.recall`).
- **Politeness.** Two requests to one host are at least ``host_spacing`` seconds apart.

Every failure is an :class:`InputError` naming the URL (messages in :mod:`feeds`).
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import IO, Any

from clustering.errors import InputError

USER_AGENT = "samestory"
DEFAULT_MAX_BYTES = 50_000_000
DEFAULT_TIMEOUT = 30.0
DEFAULT_HOST_SPACING = 1.0
_CHUNK = 1 << 16
_ZLIB_AUTO = 32 + zlib.MAX_WBITS  # gzip or zlib header, whichever is there
_DECODED = {"gzip", "x-gzip", "deflate"}
#: The user name and password of a URL (``//user:password@``), to keep out of messages.
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:/*)[^/?#@]*@")
_VALIDATORS = {"etag": "If-None-Match", "last-modified": "If-Modified-Since"}


@dataclass
class Fetched:
    """A feed's decoded body and its response headers (lower-cased names)."""

    url: str
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Fetcher:
    """Fetches URLs within limits, politely, remembering validators for conditional GET."""

    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = DEFAULT_TIMEOUT,
        host_spacing: float = DEFAULT_HOST_SPACING,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.host_spacing = host_spacing
        self._clock = clock
        self._sleep = sleep
        self._validators: dict[str, dict[str, str]] = {}
        self._last_request: dict[str, float] = {}

    def fetch(self, url: str) -> Fetched | None:
        """The body of ``url``, or None when the server says it is unchanged (304)."""
        host = _host(url)
        self._wait_for(host)
        try:
            return _Transfer(self, url).run()
        finally:
            self._last_request[host] = self._clock()

    def remember(self, fetched: Fetched) -> None:
        """Send ``fetched``'s ETag and Last-Modified with the next request for its URL."""
        sent = {_VALIDATORS[k]: v for k, v in fetched.headers.items() if k in _VALIDATORS}
        if sent:
            self._validators[fetched.url] = sent

    def kept(self, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified kept for ``url`` (None for one the server did not send)."""
        sent = self._validators.get(url, {})
        return sent.get(_VALIDATORS["etag"]), sent.get(_VALIDATORS["last-modified"])

    def recall(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Send ``etag`` and ``last_modified`` (as :meth:`kept` gives them) asking for ``url``."""
        given = {"etag": etag, "last-modified": last_modified}
        self.remember(Fetched(url, b"", {k: v for k, v in given.items() if v is not None}))

    def validators(self, url: str) -> dict[str, str]:
        """The conditional-GET headers the next request for ``url`` will send."""
        return dict(self._validators.get(url, {}))

    def _wait_for(self, host: str) -> None:
        last = self._last_request.get(host)
        if last is not None:
            wait = last + self.host_spacing - self._clock()
            if wait > 0:
                self._sleep(wait)


class _Watchdog:
    """Shuts down every connection of one fetch once its time is up, waking blocked reads."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def guard(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Guarded:
    """Mixin: a connection whose socket the fetch's watchdog can shut down."""

    sock: Any

    def __init__(self, *args: Any, watchdog: _Watchdog, **kwargs: Any) -> None:
        self._watchdog = watchdog
        super().__init__(*args, **kwargs)

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self._watchdog.guard(self.sock)


class _HTTPConnection(_Guarded, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_Guarded, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, watchdog: _Watchdog) -> None:
        super().__init__()
        self._connection = functools.partial(_HTTPConnection, watchdog=watchdog)

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, watchdog: _Watchdog) -> None:
        super().__init__()
        self._tls = ssl.create_default_context()
        self._connection = functools.partial(_HTTPSConnection, watchdog=watchdog)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req, context=self._tls)


class _Refused(Exception):
    """A redirect that is not followed; the message says why."""


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) URLs without credentials, remembering the URL last asked for.

    urllib itself refuses a redirect to ``file:`` or ``data:`` with a bare ``HTTP 302``, so
    the target is checked here first, before urllib looks at it.
    """

    def __init__(self, url: str) -> None:
        super().__init__()
        self.current = url

    def http_error_302(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: Any
    ) -> Any:
        location = headers.get("location") or headers.get("uri")
        if location is not None:
            self._check(urllib.parse.urljoin(req.full_url, location.strip()), fp)
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        self._check(newurl, fp)
        self.current = newurl
        return super().redirect_request(req, fp, code, msg, headers, newurl)

    def _check(self, url: str, fp: IO[bytes]) -> None:
        try:
            parts = urllib.parse.urlsplit(url)
        except ValueError:
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https"):
            why = "only http and https are followed"
        elif "@" in parts.netloc:
            why = "a URL with a user name or password is not followed"
        else:
            return
        fp.close()
        raise _Refused(f"redirected to {shown_url(url)} ({why})")


class _Transfer:
    """One fetch of one URL, under one watchdog."""

    def __init__(self, fetcher: Fetcher, url: str) -> None:
        self.fetcher = fetcher
        self.url = url
        self.redirects = _Redirects(url)

    def run(self) -> Fetched | None:
        sent = self.fetcher.validators(self.url)
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip", **sent}
        timeout = self.fetcher.timeout
        if "@" in _netloc(self.url, shown=False):
            raise self._error("invalid URL (a user name or password in a URL is not supported)")
        with _Watchdog(timeout) as watchdog:
            opener = urllib.request.build_opener(
                _HTTPHandler(watchdog), _HTTPSHandler(watchdog), self.redirects
            )
            try:
                request = urllib.request.Request(self.url, headers=headers)
                with opener.open(request, timeout=timeout) as response:
                    data = self._body(response)
                    result = Fetched(self.url, data, _headers(response))
            except InputError:
                if watchdog.expired:  # a body cut short by the watchdog
                    raise self._timed_out() from None
                raise
            except urllib.error.HTTPError as exc:
                exc.close()
                if exc.code == HTTPStatus.NOT_MODIFIED and sent:
                    return None
                raise self._error(f"HTTP {exc.code} {_phrase(exc.code, exc.reason)}") from exc
            except _Refused as exc:
                raise self._error(str(exc)) from None
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                if watchdog.expired:
                    raise self._timed_out() from exc
                reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
                raise self._error(_unreachable(self.redirects.current, reason, timeout)) from exc
            except ValueError as exc:
                raise self._error(f"invalid URL ({one_line(exc)})") from exc
            if watchdog.expired:  # a body cut short by the watchdog reads as a short one
                raise self._timed_out()
        return result

    def _body(self, response: http.client.HTTPResponse) -> bytes:
        """The whole decoded body, refusing more than ``max_bytes`` before or after decoding."""
        limit = self.fetcher.max_bytes
        coding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
        if coding not in _DECODED | {"identity", ""}:
            raise self._error(f"unsupported Content-Encoding {coding!r}")
        decoder = _Members() if coding in _DECODED else None
        body, received = bytearray(), 0
        try:
            while chunk := response.read(_CHUNK):
                received += len(chunk)
                if decoder is None:
                    body += chunk
                else:
                    decoder.feed(chunk, body, limit)
                if len(body) > limit or received > limit:
                    raise self._error(f"feed larger than {limit:,} bytes")
        except http.client.IncompleteRead as exc:  # a chunked body that stops mid-chunk
            received += len(exc.partial)
            message = f"feed cut short (the transfer stopped after {received:,} bytes)"
            raise self._error(message) from exc
        except zlib.error as exc:
            raise self._error(f"corrupt {coding} content ({one_line(exc)})") from exc
        if response.length:  # http.client counts down the Content-Length
            declared = received + response.length
            raise self._error(f"feed cut short ({received:,} of {declared:,} bytes)")
        if decoder is not None and not decoder.done():
            raise self._error(f"corrupt {coding} content (cut short)")
        return bytes(body)

    def _error(self, message: str) -> InputError:
        return InputError(self.url, message)

    def _timed_out(self) -> InputError:
        host = _netloc(self.redirects.current)
        return self._error(f"cannot reach {host}: timed out after {self.fetcher.timeout:g} s")


class _Members:
    """Decodes a gzip body of one or more members (RFC 1952), or one zlib stream."""

    def __init__(self) -> None:
        self._decoder = zlib.decompressobj(_ZLIB_AUTO)

    def feed(self, chunk: bytes, body: bytearray, limit: int) -> None:
        """Decode ``chunk`` onto ``body``, stopping once ``body`` is past ``limit``."""
        while chunk and len(body) <= limit:
            if self._decoder.eof:  # another member follows, or zero padding
                if not chunk.strip(b"\0"):
                    return
                self._decoder = zlib.decompressobj(_ZLIB_AUTO)
            body += self._decoder.decompress(chunk, limit + 1 - len(body))
            ended = self._decoder.eof
            chunk = self._decoder.unused_data if ended else self._decoder.unconsumed_tail

    def done(self) -> bool:
        """Whether the last member ended."""
        return self._decoder.eof


def shown_url(url: str, limit: int = 200) -> str:
    """``url`` for a message: without its user name and password, at most ``limit`` characters."""
    url = one_line(_USERINFO.sub(r"\1", url))
    return url if len(url) <= limit else url[: limit - 1] + "…"


def _netloc(url: str, shown: bool = True) -> str:
    """The host and port of ``url``; with its user name and password unless ``shown``."""
    try:
        return urllib.parse.urlsplit(shown_url(url, len(url)) if shown else url).netloc
    except ValueError:
        return ""


def _host(url: str) -> str:
    """The host name of ``url`` (lower-case), or the URL itself when it cannot be split."""
    try:
        return (urllib.parse.urlsplit(url).hostname or url).lower()
    except ValueError:
        return url


def _headers(response: http.client.HTTPResponse) -> dict[str, str]:
    """The headers that still describe the decoded body, and its URL as the base for links."""
    headers = {key.lower(): value for key, value in response.headers.items()}
    headers.pop("content-encoding", None)
    headers.pop("content-length", None)
    headers["content-location"] = response.url
    return headers


def _phrase(code: int, reason: object) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return one_line(reason)


def _unreachable(url: str, reason: object, timeout: float) -> str:
    host = _netloc(url) or shown_url(url)
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
        why = f"TLS error ({one_line(detail)})"
    elif isinstance(reason, OSError) and reason.strerror:
        why = reason.strerror
    else:
        why = one_line(reason)
    return f"cannot reach {host}: {why}"


def one_line(value: object) -> str:
    """``value`` as text on one line (whitespace runs become a space), never empty."""
    text = " ".join(str(value if value is not None else "").split())
    return text or type(value).__name__
