"""A fresh app per test around Services with the in-memory store and fake engines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assistant.config import Settings
from assistant.embed import HashingEmbedder
from assistant.services import Services
from assistant.store import InMemoryStore
from tests.api.fakes import FakeAsker, FakeReviewer, record


class ServicesWithFakes(Services):
    """Services whose engines are fakes set on the instance; they outlive store changes."""

    def store_changed(self) -> None:
        pass


def make_services(settings: Settings, **engines: object) -> Services:
    services = ServicesWithFakes(
        settings=settings, _embedder=HashingEmbedder(), _store=InMemoryStore()
    )
    services.reviewer = engines.get("reviewer", FakeReviewer())  # type: ignore[attr-defined,misc]
    services.asker = engines.get("asker", FakeAsker())  # type: ignore[misc]
    return services


@pytest.fixture
def api_services(settings: Settings) -> Services:
    services = make_services(settings)
    for doc in (
        record("adr-0001", title="Use Postgres", text="# Use Postgres\n\nStatus\n\nWe chose it."),
        record("adr-0002", title="Drop MongoDB", status="superseded"),
        record("retro-2024-q1", kind="retro", status=None, title="Q1 outage retro"),
        record("kep-1", kind="spec", status="implemented", title="Windows nodes"),
    ):
        services.store.put_document(doc)
    return services


@pytest.fixture
def client(api_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(api_services)) as test_client:
        yield test_client
