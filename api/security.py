"""Security headers on every response (drafts are untrusted text: even if escaping ever failed,
the Content-Security-Policy keeps injected markup from running scripts), and a guard against
cross-site form posts."""

from __future__ import annotations

import ipaddress

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from assistant.config import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class SecurityHeadersMiddleware:
    """Adds HEADERS to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def host_name(value: str) -> str:
    """The name part of a Host header or URL authority: `[::1]:8000` -> `::1`, lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") > 1:  # a bare IPv6 address
        return value
    return value.split(":", 1)[0]


def loopback_name(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _authority(origin: str) -> str | None:
    """`scheme://host[:port]` -> `host:port` with the scheme's default port; None if not a URL."""
    scheme, sep, rest = origin.strip().lower().partition("://")
    if not sep or scheme not in ("http", "https") or not rest or "/" in rest:
        return None
    return _with_port(rest, 443 if scheme == "https" else 80)


def _with_port(authority: str, default: int) -> str:
    name = host_name(authority)
    if authority.startswith("["):
        tail = authority.partition("]")[2]
        port = tail[1:] if tail.startswith(":") else ""
    elif authority.count(":") == 1:
        port = authority.split(":", 1)[1]
    else:
        port = ""
    return f"{name}:{port or default}"


class CrossSiteGuardMiddleware:
    """Keeps other web sites from using the user's browser against this server.

    Without tokens the server trusts whoever can reach it on loopback, and a browser can be made
    to reach it: a page on another site can post to it (a cross-site request), and a page whose
    DNS name is rebound to 127.0.0.1 can even read its answers (DNS rebinding). So:

    * with auth off, a request whose `Host` is not a loopback name, the configured host, or an
      allowed host is refused with 400: after a rebinding the browser still sends the page's
      own name as `Host`;
    * a state-changing request (POST, PUT, PATCH, DELETE) is refused with 403 when fetch
      metadata says it did not come from this origin (`Sec-Fetch-Site` other than
      `same-origin` or `none`: `same-site` too, since a sibling subdomain is another
      application) or when its `Origin` is not this server's. Clients that send neither header
      (curl, the CLI, the GitHub webhook) are not browsers and are unaffected.
    """

    SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
    # Routes that authenticate each request themselves: GitHub's deliveries carry an HMAC
    # signature a rebinding page cannot make, and often arrive through a tunnel under its name.
    SIGNED_PATHS = frozenset({"/github/webhook"})

    def __init__(self, app: ASGIApp, *, settings: Settings | None = None) -> None:
        self.app = app
        self.check_host = settings is not None and not settings.api_token_list
        names = set(settings.allowed_host_list) if settings is not None else set()
        if settings is not None and settings.host not in ("0.0.0.0", "::", ""):
            names.add(host_name(settings.host))
        self.allowed = frozenset(names)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        refusal = self._refusal(scope, headers, host)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, headers: dict[bytes, bytes], host: str) -> Response | None:
        signed = scope.get("path") in self.SIGNED_PATHS
        if self.check_host and host and not signed and not self.host_allowed(host_name(host)):
            return error_response(
                400,
                "host_not_allowed",
                f"this server does not answer to the name {host_name(host)!r}; open it as "
                "127.0.0.1 or localhost, or add the name to SPECREVIEW_ALLOWED_HOSTS",
            )
        if scope.get("method", "GET") in self.SAFE:
            return None
        site = headers.get(b"sec-fetch-site")
        origin = headers.get(b"origin")
        cross = site is not None and site not in (b"same-origin", b"none")
        if origin is not None and not cross:
            scheme = str(scope.get("scheme", "http"))
            own = _with_port(host.lower(), 443 if scheme == "https" else 80) if host else None
            cross = _authority(origin.decode("latin-1")) != own
        if not cross:
            return None
        return error_response(
            403,
            "cross_site_request",
            "cross-site requests cannot change anything here; open the page on this "
            "server, or call the API from a non-browser client",
        )

    def host_allowed(self, name: str) -> bool:
        return loopback_name(name) or name in self.allowed
