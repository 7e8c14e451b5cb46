"""The desk's guards: the access token, same-origin actions, CSRF tokens, loopback binds.

- Without ``--token`` the desk binds a loopback address only, and answers only requests
  addressed to a loopback name (a page elsewhere cannot reach it by DNS rebinding).
- With a token every request carries it: ``?token=`` once (it then sits in an HttpOnly,
  SameSite=Strict cookie), the cookie, or ``Authorization: Bearer``.
- An action (a POST) is refused from another origin (``Origin``, ``Sec-Fetch-Site``) and
  without the form's CSRF token, which only a page of the desk itself can read.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "samestory_token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")

#: The Content-Security-Policy of every page: nothing but the desk's own files.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class BindError(ValueError):
    """A bind the desk refuses (another address without a token); one line."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to bind anything but a loopback address without a token."""
    if not is_loopback(host) and not token:
        raise BindError(
            f"--host {host} lets other machines in: give --token (every request then carries it)"
        )


def new_csrf_token() -> str:
    """A fresh secret for this run's forms."""
    return secrets.token_urlsafe(32)


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class Guard:
    """ASGI middleware: the token, the Host, and same-origin POSTs (see the module docstring)."""

    def __init__(self, app: ASGIApp, token: str | None, hosts: tuple[str, ...] | None) -> None:
        self.app = app
        self.token = token
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse, take the token from the URL into a cookie, or pass the request on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await PlainTextResponse(refusal[1], status_code=refusal[0])(scope, receive, send)
            return
        if self.token:
            query = dict(parse_qsl(scope.get("query_string", b"").decode()))
            if _same(query.get("token"), self.token):  # set the cookie and drop it from the URL
                rest = urlencode({k: v for k, v in query.items() if k != "token"})
                response = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), 303)
                response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        if self.hosts is not None and host_name(headers.get("host", "")) not in self.hosts:
            return 421, "This desk answers only at a loopback address.\n"
        if self.token and not self._has_token(scope, headers):
            return 401, "This desk needs its token: open it with ?token=… once.\n"
        if scope["method"] not in ("GET", "HEAD") and not same_origin(headers, scope):
            return 403, "Actions come only from the desk's own pages.\n"
        return None

    def _has_token(self, scope: Scope, headers: Headers) -> bool:
        assert self.token is not None
        bearer = headers.get("authorization", "")
        if bearer.startswith("Bearer ") and _same(bearer[7:], self.token):
            return True
        cookie = SimpleCookie(headers.get("cookie", ""))
        if COOKIE in cookie and _same(cookie[COOKIE].value, self.token):
            return True
        query = dict(parse_qsl(scope.get("query_string", b"").decode()))
        return scope["method"] in ("GET", "HEAD") and _same(query.get("token"), self.token)


def host_name(value: str) -> str:
    """The name in a ``Host`` header, without the port (``[::1]:8750`` → ``[::1]``)."""
    if value.startswith("["):
        return value.split("]", 1)[0] + "]"
    return value.rsplit(":", 1)[0]


def same_origin(headers: Headers, scope: Scope) -> bool:
    """Whether a request comes from a page of this very origin (or a typed-in address)."""
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = headers.get("origin")
    if origin is None:
        return True
    scheme = scope.get("scheme", "http")
    return origin == f"{scheme}://{headers.get('host', '')}"


def check_csrf(request: Request, form_token: object, expected: str) -> bool:
    """Whether the form carried this run's CSRF token."""
    return isinstance(form_token, str) and _same(form_token, expected)
