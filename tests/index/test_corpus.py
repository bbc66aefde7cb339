"""The real shared corpus: ids, kinds and statuses come out as its manifest says (statuses
normalised to their lifecycle word)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from index.formats.fields import normalise_status
from index.load import load_file, load_path


def test_corpus_loads_with_manifest_ids_kinds_and_statuses(shared_dir: Path) -> None:
    corpus = shared_dir / "corpus"
    rows = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines()]
    result = load_path(corpus)
    assert result.skipped == []
    docs = {d.id: d for d in result.documents}
    assert len(docs) == len(rows) == 347
    for row in rows:
        doc = docs[row["id"]]
        assert doc.kind == row["kind"]
        if row["status"] is not None:  # null = "not stated"; the text may still say it
            # Statuses are lifecycle words at index time ("implemented (alpha)" → implemented).
            assert doc.status == normalise_status(row["status"])
        assert doc.title == row["title"]
    assert Counter(d.kind for d in docs.values()) == {"spec": 183, "decision": 120, "retro": 44}


def test_kinds_are_inferred_right_without_the_manifest(shared_dir: Path) -> None:
    corpus = shared_dir / "corpus"
    rows = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines()]
    wrong = []
    for row in rows:
        (doc,) = load_file(corpus / row["path"]).documents
        if doc.kind != row["kind"]:
            wrong.append((row["id"], doc.kind))
    assert wrong == []


def test_review_kb_index_jsonl_paths_resolve(shared_dir: Path) -> None:
    kb = shared_dir / "evals" / "review-dev" / "kb"
    result = load_path(kb)
    rows = [json.loads(line) for line in (kb / "index.jsonl").read_text().splitlines()]
    assert result.skipped == []
    assert sorted(d.id for d in result.documents) == sorted(r["id"] for r in rows)
