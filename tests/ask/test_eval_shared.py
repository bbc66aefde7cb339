"""`specreview eval ask` end to end on a slice of ../shared: the small gold records of ask-dev,
two unanswerable questions, and the smallest other records as distractors, with the real
offline MiniLM embedder (about 250 chunks, so it runs in seconds, not minutes)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from assistant.config import Settings
from assistant.services import Services
from evals.ask_eval import run_eval

pytestmark = pytest.mark.slow

MAX_BYTES = 4_000
DISTRACTORS = 30


def _slice(shared: Path, dest: Path) -> tuple[Path, Path]:
    corpus = shared / "corpus"
    rows = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines()]
    by_id = {r["id"]: r for r in rows}
    questions = [
        json.loads(line)
        for line in (shared / "evals" / "ask-dev" / "questions.jsonl").read_text().splitlines()
    ]
    small = [
        q for q in questions if q["gold"] and all(by_id[g]["bytes"] <= MAX_BYTES for g in q["gold"])
    ]
    unanswerable = [q for q in questions if not q["gold"]][:2]
    keep = {g for q in small for g in q["gold"]}
    others = sorted((r for r in rows if r["id"] not in keep), key=lambda r: r["bytes"])
    keep |= {r["id"] for r in others[:DISTRACTORS]}
    out = dest / "corpus"
    for doc_id in sorted(keep):
        row = by_id[doc_id]
        for rel in filter(None, [row["path"], row.get("meta_path")]):
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(corpus / rel, out / rel)
    (out / "manifest.jsonl").write_text(
        "".join(json.dumps(by_id[d]) + "\n" for d in sorted(keep)), encoding="utf-8"
    )
    qfile = dest / "questions.jsonl"
    qfile.write_text("".join(json.dumps(q) + "\n" for q in small + unanswerable))
    return out, qfile


def test_eval_ask_on_a_slice_of_the_shared_corpus(shared_dir: Path, tmp_path: Path) -> None:
    corpus, questions = _slice(shared_dir, tmp_path)
    services = Services(settings=Settings(cache_dir=tmp_path / "cache", embedder="minilm"))
    headline = tmp_path / "ask.json"
    details = tmp_path / "details.json"
    console = Console(record=True, width=120)
    run = run_eval(
        questions,
        corpus=corpus,
        services=services,
        json_out=headline,
        details_out=details,
        out=console,
    )
    written = json.loads(headline.read_text())
    assert list(written) == [
        "recall_at_5",
        "full_recall_at_5",
        "mrr",
        "refusal_accuracy",
        "answered_rate",
        "rationale_hit",
        "n",
        "seconds_per_question",
        "llm",
    ]
    n = len(questions.read_text().splitlines())
    assert written["n"] == n and written["llm"] == "off"
    # Small gold records among ~45: retrieval should find nearly all of them first.
    assert written["recall_at_5"] >= 0.9
    assert written["mrr"] >= 0.8
    assert 0.0 <= written["refusal_accuracy"] <= 1.0
    printed = console.export_text()
    for peer in ("plain BM25", "plain dense", "RRF(BM25, dense)", "refusal trade-off", "p95"):
        assert peer in printed
    (report,) = run.sets.values()
    answered = [p.answered_rate for p in report.trade_off]
    assert answered == sorted(answered, reverse=True)
    assert json.loads(details.read_text())["sets"][report.name]["by_type"]["unanswerable"]["n"] == 2
    # A second run reuses the indexed store instead of embedding again.
    again = run_eval(questions, corpus=corpus, services=services, out=Console(file=None))
    assert again.cache == run.cache
