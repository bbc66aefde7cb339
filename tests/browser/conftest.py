"""A real headless browser (Debian's chromium via Playwright) against a loopback uvicorn server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from assistant.config import Settings
from tests.api.conftest import make_services
from tests.api.fakes import record
from tests.api.loopback import serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# An ignored folder: tests never change tracked files. `bash scripts/refresh-screenshots.sh`
# copies these into evals/reports/screenshots/ when a page changed on purpose.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed: `apt-get install -y chromium` (scripts/test.sh does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A uvicorn server on 127.0.0.1 around fake engines and an in-memory library."""
    services = make_services(Settings(store_path=tmp_path / "store", embedder="hashing"))
    services.store.put_document(
        record(
            "adr-0001",
            title="Use Postgres",
            text="# Use Postgres\n\n## Decision\nWe chose Postgres\nfor transactions.\n",
        )
    )
    services.store.put_document(
        record("retro-2024-q1", kind="retro", status=None, title="Q1 outage retro")
    )
    with serve(create_app(services)) as base:
        yield base


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # CSP violations and failed loads are console errors: the pages must cause none.
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert errors == [], f"JavaScript or console errors on the page: {errors}"


def screenshot(page: Any, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)
