"""The README demo's bundled sample history indexes with the metadata the demo relies on."""

from __future__ import annotations

from pathlib import Path

from index.load import load_path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_examples_kb_is_three_decisions_and_a_retro() -> None:
    result = load_path(EXAMPLES / "kb")
    assert result.skipped == [] and result.warnings == []
    docs = {d.id: d for d in result.documents}
    assert {i: d.kind for i, d in docs.items()} == {
        "ADR-0002": "decision",
        "ADR-0004": "decision",
        "ADR-0005": "decision",
        "RETRO-2024-11": "retro",
    }
    assert docs["ADR-0002"].status == "superseded"
    assert [(k.rel, k.target) for k in docs["ADR-0002"].links] == [("superseded_by", "ADR-0005")]
    assert docs["ADR-0004"].status == docs["ADR-0005"].status == "accepted"


def test_draft_is_a_spec_with_an_unresolved_owner() -> None:
    (draft,) = load_path(EXAMPLES / "drafts" / "checkout-redesign.md").documents
    assert draft.kind == "spec" and draft.status == "draft" and draft.owners == []
    assert "Owner: TBD" in draft.text
