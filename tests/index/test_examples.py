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


def test_demo_review_cites_the_accepted_decision_and_the_retro() -> None:
    """What `scripts/demo.sh` shows: history findings citing the right records, and nothing
    about the superseded ADR-0002 (the draft follows ADR-0005, which replaced it)."""
    from assistant.services import Services
    from assistant.store import InMemoryStore
    from index.pipeline import index_paths

    services = Services(_store=InMemoryStore())
    index_paths([EXAMPLES / "kb"], store=services.store, embedder=services.embedder)
    review = services.reviewer.review_file(EXAMPLES / "drafts" / "checkout-redesign.md")
    related = {f.code: [r.id for r in f.related] for f in review.findings}
    assert related["conflicts_with_decision"] == ["ADR-0004"]
    assert related["repeats_past_lesson"] == ["RETRO-2024-11"]
    assert {"missing_why", "missing_acceptance_criteria", "unresolved_ownership"} <= set(related)
    assert review.llm.mode == "off"
