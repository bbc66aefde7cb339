"""Security headers on every response (drafts are untrusted text: even if escaping ever failed,
the Content-Security-Policy keeps injected markup from running scripts), and a guard against
cross-site form posts."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

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


class CrossSiteGuardMiddleware:
    """Refuses state-changing requests that a browser marks as cross-site (Sec-Fetch-Site).

    Without tokens the server trusts loopback callers, so another web site must not be able to
    make the user's browser post uploads or reviews to it. Non-browser clients do not send the
    header and are unaffected.
    """

    SAFE = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method", "GET") not in self.SAFE:
            site = dict(scope.get("headers") or []).get(b"sec-fetch-site", b"")
            if site == b"cross-site":
                response = error_response(
                    403,
                    "cross_site_request",
                    "cross-site requests cannot change anything here; open the page on this "
                    "server, or call the API from a non-browser client",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
