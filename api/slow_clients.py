"""Time limits for slow clients: a connection that drips its request must not hold a worker.

uvicorn closes idle keep-alive connections (`timeout_keep_alive`) but sets no limit on how long
a request's headers or body may take to arrive, so a client that sends one byte a second
(slowloris) holds its connection, and with a body its request, for as long as it likes. Two
limits close that:

* headers: `header_deadline_protocol` wraps uvicorn's HTTP protocol (httptools or h11, as
  uvicorn would pick) so that a request's headers must be complete within
  `request_header_timeout_s` of the connection opening or of the first byte after the last
  response; otherwise the connection is closed (the app never saw the request);
* body: `BodyTimeoutMiddleware` gives the app's reads of the body one deadline,
  `request_body_timeout_s` from when the headers arrived; past it the request is answered 408
  and the connection is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.config import Settings


class BodyTimeoutMiddleware:
    """408 and close when a request's body has not all arrived `timeout_s` after its headers."""

    def __init__(self, app: ASGIApp, *, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        body_done = False
        timed_out = False

        async def timed_receive() -> Message:
            nonlocal body_done, timed_out
            if body_done:  # waiting for a disconnect is not reading the body
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                timed_out = True
                # Raised inside the app's body read, so FastAPI's handler answers in JSON.
                raise HTTPException(
                    408,
                    detail=f"the request body did not arrive within {self.timeout_s:g}s; send "
                    "it faster, or raise SPECREVIEW_REQUEST_BODY_TIMEOUT_S",
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def closing_send(message: Message) -> None:
            if timed_out and message["type"] == "http.response.start":
                MutableHeaders(scope=message)["connection"] = "close"  # the rest is unread
            await send(message)

        await self.app(scope, timed_receive, closing_send)


def _base_protocol() -> type[Any]:
    """The HTTP protocol uvicorn's "auto" would choose: httptools when installed, else h11."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # httptools is optional
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol
    return HttpToolsProtocol


def header_deadline_protocol(timeout_s: float, base: type[Any] | None = None) -> type[Any]:
    """uvicorn's HTTP protocol, closing a connection whose request headers take too long."""
    parent = base or _base_protocol()

    class HeaderDeadlineProtocol(parent):  # type: ignore[misc,valid-type]
        header_timeout_s = timeout_s

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._header_timer: asyncio.TimerHandle | None = None
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if not self._waiting_for_headers():
                self._disarm()
            elif self._header_timer is None:
                self._arm()  # the first bytes of the next request on a kept-alive connection

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _waiting_for_headers(self) -> bool:
            # Both uvicorn protocols start a new cycle when a request's headers are complete.
            return self.cycle is None or bool(self.cycle.response_complete)

        def _arm(self) -> None:
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._expire)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expire(self) -> None:
            self._header_timer = None
            if self._waiting_for_headers() and not self.transport.is_closing():
                self.transport.close()

    return HeaderDeadlineProtocol


def server_config(
    app: ASGIApp, settings: Settings, *, host: str, port: int, log_level: str = "info"
) -> uvicorn.Config:
    """uvicorn's config for `app` with the slow-client limits from `settings`."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        http=header_deadline_protocol(settings.request_header_timeout_s),
        timeout_keep_alive=settings.keep_alive_timeout_s,
    )
