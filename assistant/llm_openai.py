"""The OpenAI-compatible chat client (the one module that imports `openai`).

Works with OpenAI and OpenAI-compatible servers (vLLM, Ollama, llama.cpp's llama-server, LM
Studio). Structured output uses `json_schema` and falls back to `json_object` when the server
rejects it. Our own retry loop retries 429/5xx/timeouts/connection errors with backoff,
honouring Retry-After, and never waits past the caller's deadline; every other failure becomes
an LLMError whose message says the fix.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any, Literal, TypeVar

import openai

try:  # openai 3 talks through httpx2, a fork of httpx with the same API
    import httpx2 as httpx
except ImportError:  # earlier openai releases use httpx itself
    import httpx  # type: ignore[no-redef]
from pydantic import BaseModel

from assistant.errors import LLMError
from assistant.llm import LLMReply, LLMStatusError, Message
from assistant.llm_schema import response_schema
from assistant.tokens import count_tokens

ResponseFormat = Literal["auto", "json_schema", "json_object"]
T = TypeVar("T")
MAX_RETRY_AFTER_S = 120.0  # a server asking us to wait longer than this is treated as down
# The wall-clock deadline of the call in flight on this thread, for the transport below.
_DEADLINE: ContextVar[float | None] = ContextVar("specreview_llm_deadline", default=None)


class DeadlineExceeded(httpx.TimeoutException):
    """The call's wall-clock deadline passed while the reply was still arriving."""


class _Watchdog:
    """Shuts the request's socket down when the deadline passes, so that a blocked read returns
    at once: httpx's timeouts bound each read, not the reply, and a server that sends a byte
    now and then (headers or body, streamed or not) would otherwise hold the call for good."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            sock = info["return_value"].get_extra_info("socket")
            with self._lock:
                self._sock = sock
                fired = self.fired
            if fired:
                self._shutdown()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
        self._shutdown()

    def _shutdown(self) -> None:
        with self._lock:
            sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed

    def cancel(self) -> None:
        self._timer.cancel()


class _WatchedStream(httpx.SyncByteStream):
    """A reply body read under its watchdog: a read cut short by it is DeadlineExceeded."""

    def __init__(self, inner: httpx.SyncByteStream, watchdog: _Watchdog, request: httpx.Request):
        self._inner = inner
        self._watchdog = watchdog
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._inner
        except httpx.HTTPError as exc:
            if self._watchdog.fired:
                raise DeadlineExceeded("deadline passed", request=self._request) from exc
            raise
        if self._watchdog.fired:  # the socket was shut down between two reads
            raise DeadlineExceeded("deadline passed", request=self._request)

    def close(self) -> None:
        self._watchdog.cancel()
        self._inner.close()


class DeadlineTransport(httpx.BaseTransport):
    """httpx's transport with the call's wall-clock deadline (`_DEADLINE`) enforced on every
    request: connect and read timeouts no longer than what is left, and a watchdog for the
    rest. Connections are not kept alive, so the watchdog always knows the request's socket."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self._inner = inner or httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = _DEADLINE.get()
        if deadline is None:
            return self._inner.handle_request(request)
        left = deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded("deadline passed", request=request)
        timeouts = dict(request.extensions.get("timeout") or {})
        for key in ("connect", "read", "write", "pool"):
            value = timeouts.get(key)
            timeouts[key] = left if value is None else min(value, left)
        watchdog = _Watchdog(left)
        request.extensions = {**request.extensions, "timeout": timeouts, "trace": watchdog.trace}
        try:
            response = self._inner.handle_request(request)
        except httpx.HTTPError as exc:
            watchdog.cancel()
            if watchdog.fired:
                raise DeadlineExceeded("deadline passed", request=request) from exc
            raise
        except BaseException:
            watchdog.cancel()
            raise
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _WatchedStream(response.stream, watchdog, request)
        return response

    def close(self) -> None:
        self._inner.close()


def _retry_after(exc: openai.APIStatusError) -> float | None:
    """Seconds from a Retry-After header (seconds form, or retry-after-ms), if any."""
    headers = exc.response.headers
    if "retry-after-ms" in headers:
        try:
            return float(headers["retry-after-ms"]) / 1000
        except ValueError:
            return None
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class OpenAILLM:
    """Chat completions through the `openai` client; see the module docstring."""

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        response_format: ResponseFormat = "auto",
        stream: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = model
        self.base_url = base_url
        self._is_openai = base_url is None or "api.openai.com" in base_url
        if self._is_openai and not api_key:
            raise LLMError(
                f"model {model!r} is configured for api.openai.com but no API key is set; "
                "set OPENAI_API_KEY (or SPECREVIEW_LLM_API_KEY), or point SPECREVIEW_LLM_BASE_URL "
                "at a local server (scripts/run-local-llm.sh prints the settings)"
            )
        self._api_key = api_key or "not-needed"  # local servers ignore it; the client wants one
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.use_stream = stream  # stream completions too (keeps slow local servers alive)
        self._format: ResponseFormat = response_format
        self._client: openai.OpenAI | None = None
        self._sleep = sleep
        self._clock = clock

    @property
    def where(self) -> str:
        return self.base_url or "https://api.openai.com/v1"

    def _openai(self) -> openai.OpenAI:
        if self._client is None:  # built on first use: no I/O or sockets in __init__
            self._client = openai.OpenAI(
                api_key=self._api_key,
                base_url=self.base_url,
                timeout=self.timeout_s,
                max_retries=0,
                http_client=openai.DefaultHttpxClient(transport=DeadlineTransport()),
            )
        return self._client

    # --- public -------------------------------------------------------------------------------

    def ping(self, *, timeout: float = 3.0) -> str:
        """GET /models once, no retries: the server answers, or an LLMError says how it did not."""
        try:
            self._openai().with_options(timeout=timeout, max_retries=0).models.list()
        except openai.APIStatusError as exc:
            raise LLMError(
                f"LLM server at {self.where} answered {exc.status_code} to /models"
            ) from exc
        except openai.APIError as exc:  # connection refused, timeouts
            raise LLMError(f"LLM unreachable at {self.where}: {exc}") from exc
        return f"{self.name} at {self.where}"

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        deadline: float | None = None,
    ) -> LLMReply:
        """One chat completion, retried on 429/5xx/timeouts until max_retries or the deadline."""

        def call(timeout: float) -> LLMReply:
            kwargs = self._kwargs(messages, schema, max_tokens, timeout)
            if self.use_stream:
                return self._collect(self._open_stream(kwargs), timeout)
            return self._plain(kwargs, timeout)

        reply = self._retrying(call, deadline, schema)
        if schema is not None and self._format == "auto":
            self._format = "json_schema"
        if not reply.prompt_tokens:  # some servers omit usage: estimate it
            prompt = "\n".join(m.content for m in messages)
            reply = LLMReply(
                reply.text, reply.finish_reason, count_tokens(prompt), count_tokens(reply.text)
            )
        return reply

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        deadline: float | None = None,
        on_done: Callable[[LLMReply], None] | None = None,
    ) -> Iterator[str]:
        """Yield text deltas. Retries happen only before the first delta arrives."""
        timeout_used = self.timeout_s

        def open_(timeout: float) -> openai.Stream[Any]:
            nonlocal timeout_used
            timeout_used = timeout
            return self._open_stream(self._kwargs(messages, None, max_tokens, timeout))

        stream = self._retrying(open_, deadline, None)
        parts: list[str] = []
        finish: str | None = None
        usage = (0, 0)
        try:
            for chunk in stream:
                if chunk.usage is not None:
                    usage = (chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for choice in chunk.choices:
                    if choice.finish_reason:
                        finish = choice.finish_reason
                    if choice.delta.content:
                        parts.append(choice.delta.content)
                        yield choice.delta.content
        except (openai.OpenAIError, httpx.HTTPError, json.JSONDecodeError) as exc:
            raise self._translate(exc, timeout_used) from exc
        finally:
            stream.close()
        if on_done is not None:
            text = "".join(parts)
            if not usage[0]:
                usage = (count_tokens("\n".join(m.content for m in messages)), count_tokens(text))
            on_done(LLMReply(text, finish, usage[0], usage[1]))

    # --- internals ----------------------------------------------------------------------------

    def _retrying(
        self,
        call: Callable[[float], T],
        deadline: float | None,
        schema: type[BaseModel] | None,
    ) -> T:
        attempt = 0
        while True:
            remaining = None if deadline is None else deadline - self._clock()
            if remaining is not None and remaining <= 0:
                raise self._deadline_error()
            timeout = self.timeout_s if remaining is None else min(self.timeout_s, remaining)
            # The transport enforces the deadline on the wire (in real monotonic seconds).
            token = _DEADLINE.set(None if remaining is None else time.monotonic() + remaining)
            try:
                return call(timeout)
            except openai.BadRequestError as exc:
                if schema is not None and self._format == "auto":
                    # The server does not take json_schema: json_object + validation instead.
                    self._format = "json_object"
                    continue
                raise self._translate(exc, timeout) from exc
            except (openai.OpenAIError, httpx.HTTPError, json.JSONDecodeError) as exc:
                error = self._translate(exc, timeout)
                if deadline is not None and self._clock() >= deadline:
                    raise self._deadline_error() from exc
                if not error.retryable or attempt >= self.max_retries:
                    raise error from exc
                wait = error.retry_after if isinstance(error, LLMStatusError) else None
                if wait is None:
                    wait = min(30.0, 0.5 * 2**attempt) * (0.5 + random.random() / 2)
                if wait > MAX_RETRY_AFTER_S or (
                    deadline is not None and self._clock() + wait >= deadline
                ):
                    raise error from exc
                self._sleep(wait)
                attempt += 1
            finally:
                _DEADLINE.reset(token)

    def _deadline_error(self) -> LLMError:
        return LLMError(
            f"the model at {self.where} did not finish its reply before the deadline; raise "
            "SPECREVIEW_LLM_DEADLINE_S or use a faster model",
            retryable=True,
        )

    def _kwargs(
        self,
        messages: Sequence[Message],
        schema: type[BaseModel] | None,
        max_tokens: int | None,
        timeout: float,
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.name,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": self.temperature,
            "timeout": timeout,
        }
        # OpenAI's newer models reject max_tokens; most other servers only know max_tokens.
        key = "max_completion_tokens" if self._is_openai else "max_tokens"
        kwargs[key] = max_tokens or self.max_tokens
        if schema is not None:
            kwargs["response_format"] = self._response_format(schema)
        return kwargs

    def _response_format(self, schema: type[BaseModel]) -> dict[str, Any]:
        if self._format == "json_object":
            return {"type": "json_object"}
        return {
            "type": "json_schema",
            "json_schema": {
                "name": schema.__name__,
                "schema": response_schema(schema),
                "strict": True,
            },
        }

    def _plain(self, kwargs: dict[str, Any], timeout: float) -> LLMReply:
        completion = self._openai().chat.completions.create(**kwargs)
        if not completion.choices:
            raise LLMError(
                f"the model server at {self.where} returned no choices; check the model name "
                f"(timeout {timeout:.0f}s)"
            )
        choice = completion.choices[0]
        usage = completion.usage
        return LLMReply(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )

    def _open_stream(self, kwargs: dict[str, Any]) -> openai.Stream[Any]:
        stream: openai.Stream[Any] = self._openai().chat.completions.create(
            **kwargs, stream=True, stream_options={"include_usage": True}
        )
        return stream

    def _collect(self, stream: openai.Stream[Any], timeout: float) -> LLMReply:
        parts: list[str] = []
        finish: str | None = None
        prompt_tokens = completion_tokens = 0
        try:
            for chunk in stream:
                if chunk.usage is not None:
                    prompt_tokens = chunk.usage.prompt_tokens
                    completion_tokens = chunk.usage.completion_tokens
                for choice in chunk.choices:
                    if choice.delta.content:
                        parts.append(choice.delta.content)
                    if choice.finish_reason:
                        finish = choice.finish_reason
        except (openai.OpenAIError, httpx.HTTPError, json.JSONDecodeError) as exc:
            raise self._translate(exc, timeout) from exc
        finally:
            stream.close()
        return LLMReply("".join(parts), finish, prompt_tokens, completion_tokens)

    def _translate(self, exc: Exception, timeout: float) -> LLMError:
        """An openai (or, while a reply streams, httpx) exception as an LLMError whose message
        says the fix."""
        if isinstance(exc, DeadlineExceeded) or isinstance(exc.__cause__, DeadlineExceeded):
            return self._deadline_error()
        if isinstance(exc, openai.APIStatusError):
            return self._status_error(exc)
        if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
            return LLMError(
                f"the model at {self.where} timed out after {timeout:.0f}s; raise "
                "SPECREVIEW_LLM_TIMEOUT_S or use a faster model",
                retryable=True,
            )
        if isinstance(exc, openai.APIConnectionError | httpx.HTTPError):
            return LLMError(
                f"cannot reach the model server at {self.where}; start it "
                "(scripts/run-local-llm.sh prints the settings) or unset SPECREVIEW_LLM_MODEL "
                "for offline mode",
                retryable=True,
            )
        return LLMError(  # undecodable body, broken stream
            f"the model server at {self.where} sent a reply that is not valid JSON ({exc}); "
            "check that SPECREVIEW_LLM_BASE_URL points at an OpenAI-compatible /v1 endpoint",
            retryable=True,
        )

    def _status_error(self, exc: openai.APIStatusError) -> LLMError:
        code = exc.status_code
        if code in (401, 403):
            return LLMError(
                f"the model server at {self.where} refused the API key ({code}); set "
                "SPECREVIEW_LLM_API_KEY (or OPENAI_API_KEY) to a valid key",
                raw=_body(exc),
            )
        if code == 404:
            return LLMError(
                f"model {self.name!r} was not found at {self.where} (404); set "
                "SPECREVIEW_LLM_MODEL to a model the server serves and check that "
                "SPECREVIEW_LLM_BASE_URL ends in /v1",
                raw=_body(exc),
            )
        if code == 400:
            return LLMError(
                f"the model server rejected the request (400: {_detail(exc)}); check "
                "SPECREVIEW_LLM_MODEL and lower SPECREVIEW_LLM_MAX_TOKENS or "
                "SPECREVIEW_LLM_CONTEXT_TOKENS",
                raw=_body(exc),
            )
        retryable = code == 429 or code >= 500 or code == 408
        return LLMStatusError(
            f"the model server at {self.where} answered {code} ({_detail(exc)})"
            + ("; it kept failing after retries, try again later" if retryable else ""),
            raw=_body(exc),
            retryable=retryable,
            retry_after=_retry_after(exc),
        )


def _body(exc: openai.APIStatusError) -> str:
    """The error body as the client decoded it (the raw response may be an unread stream)."""
    body = exc.body
    if body is None:
        return ""
    return (body if isinstance(body, str) else json.dumps(body, default=str))[:2000]


def _detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message") or body.get("error")
        if isinstance(message, dict):
            message = message.get("message")
        if message:
            return str(message)[:200]
    return exc.message[:200]
