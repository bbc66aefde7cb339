"""Statuses are normalised at index time ("Superseded by [036. Foo](036-foo.md)" → superseded,
the link kept as a typed link), and the Library's status filter finds them."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from assistant.config import Settings
from index.load import load_path
from index.pipeline import index_paths
from tests.api.conftest import make_services

MANIFEST_ROWS = [
    {
        "id": "adr-021-multi-cluster",
        "path": "021-multi-cluster.md",
        "kind": "decision",
        "title": "21. Multi-cluster",
        "status": "Superseded by [036. Multi-cluster](036-multi-cluster.md)",
    },
    {
        "id": "adr-036-multi-cluster",
        "path": "036-multi-cluster.md",
        "kind": "decision",
        "title": "36. Multi-cluster",
        "status": "Accepted",
    },
]


def _manifest_kb(root: Path) -> Path:
    kb = root / "kb"
    kb.mkdir()
    (kb / "021-multi-cluster.md").write_text("# 21. Multi-cluster\n\nOne cluster per team.\n")
    (kb / "036-multi-cluster.md").write_text("# 36. Multi-cluster\n\nShared clusters.\n")
    (kb / "manifest.jsonl").write_text("\n".join(json.dumps(r) for r in MANIFEST_ROWS) + "\n")
    return kb


def test_a_manifest_status_with_a_link_becomes_a_status_and_a_link(tmp_path: Path) -> None:
    docs = {d.id: d for d in load_path(_manifest_kb(tmp_path)).documents}
    old, new = docs["adr-021-multi-cluster"], docs["adr-036-multi-cluster"]
    assert old.status == "superseded"
    # The file name in the link resolves to the id the manifest gives that file.
    assert [(k.rel, k.target) for k in old.links] == [("superseded_by", "adr-036-multi-cluster")]
    assert new.status == "accepted" and new.links == []


def test_a_front_matter_status_with_a_link_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "001-old.md").write_text(
        "---\nstatus: Superseded by [2. New](002-new.md)\n---\n# 1. Old\n\nText.\n"
    )
    (tmp_path / "002-new.md").write_text("---\nstatus: accepted\n---\n# 2. New\n\nText.\n")
    docs = {d.path: d for d in load_path(tmp_path).documents}
    old = docs[str(tmp_path / "001-old.md")]
    new_id = docs[str(tmp_path / "002-new.md")].id
    assert old.status == "superseded"
    assert [(k.rel, k.target) for k in old.links] == [("superseded_by", new_id)]


def test_the_library_status_filter_finds_normalised_statuses(
    tmp_path: Path, settings: Settings
) -> None:
    services = make_services(settings)
    index_paths([_manifest_kb(tmp_path)], store=services.store, embedder=services.embedder)
    with TestClient(create_app(services), base_url="http://127.0.0.1") as client:
        page = client.get("/library?status=superseded").text
        assert "21. Multi-cluster" in page and "36. Multi-cluster" not in page
        assert '<option value="superseded"' in page
        doc = client.get("/library/adr-021-multi-cluster").text
        assert 'href="/library/adr-036-multi-cluster"' in doc
