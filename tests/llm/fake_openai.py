"""A small OpenAI-compatible server on 127.0.0.1 for contract tests of the real `openai` client.

It answers POST /v1/chat/completions from a script of `Scripted` replies (status, headers,
body, streaming, delay) and records every request body, so a test can assert on both sides.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    """One scripted reply. `content` makes a normal completion; `raw` sends bytes as they are."""

    content: str | None = "ok"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    finish_reason: str = "stop"
    raw: bytes | None = None
    delay_s: float = 0.0
    usage: tuple[int, int] | None = (11, 7)
    error: dict[str, Any] | None = None
    # Drip: send the whole response (status line, headers, body) one byte every drip_s
    # seconds after its first drip_after bytes, as a stuck or hostile server might.
    drip_s: float = 0.0
    drip_after: int = 0


def completion_body(model: str, item: Scripted) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": item.content},
                "finish_reason": item.finish_reason,
            }
        ],
    }
    if item.usage:
        body["usage"] = {
            "prompt_tokens": item.usage[0],
            "completion_tokens": item.usage[1],
            "total_tokens": sum(item.usage),
        }
    return body


def stream_events(model: str, item: Scripted) -> list[bytes]:
    """Server-sent events: one chunk per word, then finish_reason, then usage, then [DONE]."""
    base = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": model}
    events: list[dict[str, Any]] = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]}
    ]
    words = (item.content or "").split(" ")
    for i, word in enumerate(words):
        piece = word if i == 0 else " " + word
        events.append(
            {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        )
    events.append(
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": item.finish_reason}]}
    )
    if item.usage:
        events.append(
            {
                **base,
                "choices": [],
                "usage": {
                    "prompt_tokens": item.usage[0],
                    "completion_tokens": item.usage[1],
                    "total_tokens": sum(item.usage),
                },
            }
        )
    out = [f"data: {json.dumps(e)}\n\n".encode() for e in events]
    out.append(b"data: [DONE]\n\n")
    return out


class FakeOpenAI:
    """The server: `enqueue` replies, read `requests`; `url` is the /v1 base URL."""

    def __init__(self) -> None:
        self.script: list[Scripted] = []
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def enqueue(self, **reply: Any) -> None:
        """Script the next reply; keyword arguments as for `Scripted`."""
        with self._lock:
            self.script.append(Scripted(**reply))

    def start(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> Scripted:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            if not self.script:
                return Scripted(content=None, status=500, error={"message": "nothing scripted"})
            return self.script.pop(0)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:
                try:
                    self._reply()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to report

            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                item = server._next(body, {k.lower(): v for k, v in self.headers.items()})
                if item.delay_s:
                    time.sleep(item.delay_s)
                model = str(body.get("model", ""))
                if item.drip_s:
                    self._drip(item, model, bool(body.get("stream")))
                elif item.raw is not None:
                    self._send(item.status, item.raw, "application/json", item.headers)
                elif item.status != 200:
                    error = item.error or {"message": f"scripted {item.status}"}
                    payload = json.dumps({"error": error}).encode()
                    self._send(item.status, payload, "application/json", item.headers)
                elif body.get("stream"):
                    self._stream(stream_events(model, item), item.headers)
                else:
                    payload = json.dumps(completion_body(model, item)).encode()
                    self._send(200, payload, "application/json", item.headers)

            def _drip(self, item: Scripted, model: str, stream: bool) -> None:
                if stream:
                    events = stream_events(model, item)
                    body = b"".join(f"{len(e):x}\r\n".encode() + e + b"\r\n" for e in events)
                    head = "Content-Type: text/event-stream\r\nTransfer-Encoding: chunked"
                    body += b"0\r\n\r\n"
                else:
                    body = json.dumps(completion_body(model, item)).encode()
                    head = f"Content-Type: application/json\r\nContent-Length: {len(body)}"
                data = f"HTTP/1.1 200 OK\r\n{head}\r\n\r\n".encode() + body
                self.wfile.write(data[: item.drip_after])
                self.wfile.flush()
                for i in range(item.drip_after, len(data)):
                    time.sleep(item.drip_s)
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()
                self.close_connection = True

            def _send(self, status: int, payload: bytes, ctype: str, extra: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, events: list[bytes], extra: dict[str, str]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                for event in events:
                    self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

        return Handler
