"""Issue 17 item 5: with auth off a browser cannot be turned against the server (Host, Origin,
fetch metadata); /metrics and /readyz need the token when tokens are set; slow clients are
timed out (raw sockets against a real uvicorn server on loopback)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assistant.config import Settings
from tests.api.conftest import make_services
from tests.api.loopback import serve

DRAFT = "# Checkout v2\n\n## Why\nCarts are abandoned.\n\n## Owner\nOwner: TBD\n"


def app_for(tmp_path: Path, **settings: Any) -> Any:
    settings.setdefault("allowed_hosts", "")  # not the test suite's `testserver`
    return create_app(
        make_services(Settings(store_path=tmp_path / "store", embedder="hashing", **settings))
    )


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("127.0.0.1:8000", 200),
        ("localhost:8000", 200),
        ("localhost", 200),
        ("[::1]:8000", 200),
        ("127.0.0.2", 200),
        ("evil.example", 400),
        ("evil.example:8000", 400),
        ("127.0.0.1.evil.example", 400),
        ("localhost.evil.example:8000", 400),
    ],
)
def test_with_auth_off_only_loopback_host_names_are_served(
    tmp_path: Path, host: str, status: int
) -> None:
    with TestClient(app_for(tmp_path)) as client:
        for method, path in (("GET", "/healthz"), ("GET", "/v1/documents"), ("GET", "/review")):
            response = client.request(method, path, headers={"Host": host})
            assert response.status_code == status, (method, path)
        if status == 400:
            error = response.json()["error"]
            assert error["code"] == "host_not_allowed"
            assert "SPECREVIEW_ALLOWED_HOSTS" in error["message"]


def test_allowed_hosts_and_the_configured_host_are_served(tmp_path: Path) -> None:
    app = app_for(tmp_path, allowed_hosts="specs.internal, Review.Example", host="devbox")
    with TestClient(app) as client:
        for host in ("specs.internal:8000", "review.example", "devbox:8000"):
            assert client.get("/healthz", headers={"Host": host}).status_code == 200
        assert client.get("/healthz", headers={"Host": "other.internal"}).status_code == 400


def test_the_signed_github_webhook_is_served_under_a_tunnels_name(tmp_path: Path) -> None:
    """GitHub's deliveries are signed (a rebinding page cannot sign) and often come through a
    tunnel that keeps its own Host: the webhook authenticates them itself."""
    with TestClient(app_for(tmp_path)) as client:
        response = client.post(
            "/github/webhook", content=b"{}", headers={"Host": "abc.tunnel.example"}
        )
        assert response.json()["error"]["code"] != "host_not_allowed"
        assert client.get("/healthz", headers={"Host": "abc.tunnel.example"}).status_code == 400


def test_with_tokens_the_host_is_not_checked(tmp_path: Path) -> None:
    with TestClient(app_for(tmp_path, api_tokens="s3cret")) as client:
        assert client.get("/healthz", headers={"Host": "specs.example.com"}).status_code == 200


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 200),  # curl, the CLI: no Origin, no fetch metadata
        ({"Sec-Fetch-Site": "same-origin"}, 200),
        ({"Sec-Fetch-Site": "none"}, 200),  # typed into the address bar
        ({"Origin": "http://testserver"}, 200),
        ({"Origin": "http://testserver:80"}, 200),
        ({"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}, 200),
        ({"Sec-Fetch-Site": "same-site"}, 403),  # a sibling subdomain is another application
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Origin": "http://evil.example"}, 403),  # an old browser: Origin, no fetch metadata
        ({"Origin": "http://testserver.evil.example"}, 403),
        ({"Origin": "http://testserver:8001"}, 403),
        ({"Origin": "https://testserver"}, 403),
        ({"Origin": "null"}, 403),  # sandboxed frames, data: pages
        ({"Sec-Fetch-Site": "same-origin", "Origin": "http://evil.example"}, 403),
    ],
)
def test_state_changing_requests_need_this_origin(
    client: TestClient, headers: dict[str, str], status: int
) -> None:
    review = client.post("/v1/reviews", json={"text": DRAFT}, headers=headers)
    assert review.status_code == status
    page = client.post("/review", data={"text": "# x"}, headers=headers)
    assert page.status_code == status
    delete = client.delete("/v1/documents/adr-0001", headers=headers)
    assert delete.status_code == (status if status == 403 else delete.status_code)
    if status == 403:
        assert review.json()["error"]["code"] == "cross_site_request"
        assert client.get("/v1/documents/adr-0001").status_code == 200  # still there
    # Reading is not guarded by Origin (a cross-site page cannot read the answer anyway).
    assert client.get("/v1/documents", headers=headers).status_code == 200


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(app_for(tmp_path, api_tokens="s3cret")) as client:
        yield client


def test_metrics_and_readyz_need_the_token_when_tokens_are_set(secured: TestClient) -> None:
    assert secured.get("/healthz").status_code == 200  # liveness stays open
    for path in ("/metrics", "/readyz"):
        refused = secured.get(path)
        assert refused.status_code == 401, path
        assert refused.json()["error"]["code"] == "unauthorized"
        assert "specreview" not in refused.text.replace("SPECREVIEW_API_TOKENS", "")
        ok = secured.get(path, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200, path


# --- slow clients, on a real server ------------------------------------------------------


@pytest.fixture
def slow_limits(tmp_path: Path) -> Iterator[str]:
    settings = Settings(
        store_path=tmp_path / "store",
        embedder="hashing",
        request_header_timeout_s=1.0,
        request_body_timeout_s=1.0,
        keep_alive_timeout_s=1,
    )
    with serve(create_app(make_services(settings)), settings) as url:
        yield url


def connect(url: str) -> socket.socket:
    port = int(url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.settimeout(0.05)
    return sock


def drip_until_closed(sock: socket.socket, piece: bytes, *, limit_s: float) -> tuple[float, bytes]:
    """Send `piece` every 0.1 s until the server closes; (seconds taken, bytes received)."""
    start = time.monotonic()
    received = b""
    while time.monotonic() - start < limit_s:
        try:
            sock.sendall(piece)
        except OSError:  # reset: the server closed
            return time.monotonic() - start, received
        try:
            data = sock.recv(65536)
        except TimeoutError:
            data = None
        except OSError:
            return time.monotonic() - start, received
        if data == b"":
            return time.monotonic() - start, received
        received += data or b""
        time.sleep(0.1)
    return time.monotonic() - start, received


def test_headers_dripped_slowly_are_cut_off(slow_limits: str) -> None:
    sock = connect(slow_limits)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    took, received = drip_until_closed(sock, b"X-Drip: 1\r\n", limit_s=10)
    sock.close()
    assert took < 3.0  # header limit 1 s; without it the connection stays open for good
    assert received == b""  # the app never saw the request
    assert httpx.get(f"{slow_limits}/healthz").status_code == 200


def test_a_connection_that_sends_nothing_is_closed(slow_limits: str) -> None:
    sock = connect(slow_limits)
    took, _ = drip_until_closed(sock, b"", limit_s=10)
    sock.close()
    assert took < 3.0


def test_a_body_dripped_slowly_gets_408_and_the_connection_closes(slow_limits: str) -> None:
    sock = connect(slow_limits)
    sock.sendall(
        b"POST /v1/reviews HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100000\r\n\r\n{"
    )
    took, received = drip_until_closed(sock, b" ", limit_s=10)
    sock.close()
    assert took < 3.0
    assert received.startswith(b"HTTP/1.1 408 ")
    assert b"SPECREVIEW_REQUEST_BODY_TIMEOUT_S" in received
    assert httpx.get(f"{slow_limits}/healthz").status_code == 200


def test_ordinary_requests_and_keep_alive_still_work(slow_limits: str) -> None:
    with httpx.Client(base_url=slow_limits) as client:
        for _ in range(3):
            assert client.post("/v1/reviews", json={"text": DRAFT}).status_code == 200
            assert client.get("/healthz").status_code == 200
