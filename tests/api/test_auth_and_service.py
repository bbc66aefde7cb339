"""Bearer auth, unsafe-bind refusal, health/readiness/metrics, JSON errors for the unexpected."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import check_exposure, create_app
from assistant.config import Settings
from assistant.errors import ConfigError, InputError, StoreError
from assistant.store import InMemoryStore
from tests.api.conftest import make_services
from tests.api.fakes import FakeReviewer
from tests.api.loopback import serve


@pytest.fixture
def secured(tmp_path):
    settings = Settings(store_path=tmp_path, embedder="hashing", api_tokens="s3cret, other")
    with TestClient(create_app(make_services(settings))) as client:
        yield client


def test_v1_needs_a_bearer_token_when_tokens_are_configured(secured: TestClient) -> None:
    response = secured.get("/v1/documents")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"
    wrong = secured.get("/v1/documents", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    for token in ("s3cret", "other"):
        ok = secured.get("/v1/documents", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200


def test_health_stays_open_and_metrics_need_the_token(secured: TestClient) -> None:
    assert secured.get("/healthz").json() == {"status": "ok"}
    assert secured.get("/metrics").status_code == 401
    assert secured.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_pages_redirect_to_login_and_the_cookie_opens_pages_and_api(secured: TestClient) -> None:
    response = secured.get("/library", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/library"
    bad = secured.post("/login", data={"token": "nope", "next": "/library"})
    assert bad.status_code == 401
    good = secured.post(
        "/login", data={"token": "s3cret", "next": "/library"}, follow_redirects=False
    )
    assert good.status_code == 303 and good.headers["location"] == "/library"
    assert "samesite=strict" in good.headers["set-cookie"].lower()
    assert secured.get("/library").status_code == 200
    assert secured.get("/v1/documents").status_code == 200


def test_login_never_redirects_off_site(secured: TestClient) -> None:
    response = secured.post(
        "/login", data={"token": "s3cret", "next": "//evil.example/"}, follow_redirects=False
    )
    assert response.headers["location"] == "/review"


def test_no_tokens_on_a_public_host_refuses_to_start() -> None:
    with pytest.raises(ConfigError, match="SPECREVIEW_API_TOKENS"):
        check_exposure(Settings(), "0.0.0.0")
    assert "auth off" in check_exposure(Settings(), "127.0.0.1")
    assert "auth off" in check_exposure(Settings(), "::1")
    assert "auth on" in check_exposure(Settings(api_tokens="t"), "0.0.0.0")


def test_readyz_reports_the_store(client: TestClient) -> None:
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["checks"]["store"]["ok"] is True


class BrokenStore(InMemoryStore):
    def count_chunks(self) -> int:
        raise StoreError("chroma server at 127.0.0.1:1 is down; start it with `chroma run`")


def test_readyz_is_503_when_the_store_is_down(tmp_path) -> None:
    services = make_services(Settings(store_path=tmp_path, embedder="hashing"))
    services.__dict__["store"] = BrokenStore()
    with TestClient(create_app(services)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert "chroma run" in response.json()["checks"]["store"]["detail"]


def test_readyz_checks_the_llm_when_one_is_configured(tmp_path, monkeypatch) -> None:
    fake_llm = FastAPI()

    @fake_llm.get("/v1/models")
    def models() -> dict:
        return {"object": "list", "data": [{"id": "qwen", "object": "model"}]}

    with serve(fake_llm) as llm_url:
        monkeypatch.setenv("SPECREVIEW_LLM_BASE_URL", llm_url + "/v1")
        settings = Settings(store_path=tmp_path, embedder="hashing", llm_model="qwen")
        with TestClient(create_app(make_services(settings))) as client:
            up = client.get("/readyz")
    assert up.status_code == 200
    assert up.json()["checks"]["llm"]["ok"] is True

    # The same settings once the server is gone: not ready, and the reason names the URL.
    with TestClient(create_app(make_services(settings))) as client:
        down = client.get("/readyz")
    assert down.status_code == 503
    assert llm_url in down.json()["checks"]["llm"]["detail"]


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (InputError("draft is not markdown; send text"), 422, "invalid_input"),
        (StoreError("store is down; start chroma"), 503, "store_unavailable"),
        (RuntimeError("boom"), 500, "internal_error"),
    ],
)
def test_engine_errors_become_json_errors(tmp_path, error, status, code) -> None:
    services = make_services(
        Settings(store_path=tmp_path, embedder="hashing"), reviewer=FakeReviewer(fail_with=error)
    )
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        response = client.post("/v1/reviews", json={"text": "# x"})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert "boom" not in response.text  # unexpected errors do not leak internals


def test_unknown_route_is_json_404(client: TestClient) -> None:
    response = client.get("/v1/nothing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_openapi_is_versioned_and_documents_the_error_shape(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["info"]["version"] == "1.0.0"
    assert all(
        path.startswith(("/v1/", "/github/")) or path in ("/healthz", "/readyz", "/metrics")
        for path in schema["paths"]
    )
    review_body = schema["paths"]["/v1/reviews"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data", "text/markdown"} <= set(review_body)
    assert "ErrorResponse" in schema["components"]["schemas"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


def test_request_metrics_use_route_templates_so_labels_stay_bounded(client: TestClient) -> None:
    for path in ("/v1/documents/a", "/v1/documents/b", "/static/app.css", "/x/1", "/x/2"):
        client.get(path)
    metrics = client.get("/metrics").text
    assert 'route="/v1/documents/{doc_id:path}",status="404"} 2.0' in metrics
    assert 'route="/static",status="200"} 1.0' in metrics
    assert 'route="unmatched",status="404"} 2.0' in metrics
    assert "/x/1" not in metrics


def test_cross_site_browser_posts_are_refused(client: TestClient) -> None:
    files = [("files", ("evil.md", b"# Evil\n\ntext", "text/markdown"))]
    refused = client.post("/v1/documents", files=files, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "cross_site_request"
    assert (
        client.post(
            "/review", data={"text": "# x"}, headers={"Sec-Fetch-Site": "cross-site"}
        ).status_code
        == 403
    )
    # Same-origin pages, and clients that send no such header, are unaffected.
    same = client.post("/review", data={"text": "# x"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 200
    assert client.get("/v1/documents", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200
