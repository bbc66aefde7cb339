"""Side-by-side review eval: offline vs with the configured LLM, on one labelled dataset.

Both runs share one index and the same offline checks; the LLM run adds the LLM stage. Per
draft it records what `specreview eval review --llm` does not: tokens, calls, model findings
dropped by grounding, added, dismissed, and seconds. Progress is appended to a JSONL file as
it goes, so a long run on a slow machine keeps what it finished (--resume continues it).

    SPECREVIEW_LLM_MODEL=... SPECREVIEW_LLM_BASE_URL=... python scripts/eval_review_llm.py \
      ../shared/evals/review-dev --out evals/reports/review-dev-llm
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from assistant.config import load_settings
from assistant.errors import ConfigError
from assistant.llm_review import LLMReviewStage
from assistant.models import Review
from assistant.review import Reviewer
from assistant.services import Services, disable_telemetry
from assistant.store import InMemoryStore
from evals.review_eval import Prediction, build_report, load_cases
from index.pipeline import index_paths


def prediction(case_id: str, review: Review, seconds: float) -> Prediction:
    related: dict[str, list[str]] = {}
    for f in review.findings:
        related.setdefault(f.code, []).extend(r.id for r in f.related)
    codes = sorted({f.code for f in review.findings})
    return Prediction(case_id=case_id, codes=codes, related=related, seconds=seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--out", type=Path, default=Path("evals/reports/review-dev-llm"))
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--limit", type=int, default=0, help="only the first N cases")
    parser.add_argument(
        "--report-only", action="store_true", help="summarise the progress file; review nothing"
    )
    args = parser.parse_args()

    disable_telemetry()
    settings = load_settings()
    services = Services(settings=settings, _store=InMemoryStore())
    if services.llm is None:
        raise ConfigError("set SPECREVIEW_LLM_MODEL (and SPECREVIEW_LLM_BASE_URL) first")
    index_paths([args.dataset / "kb"], store=services.store, embedder=services.embedder)
    offline = Reviewer(history=services.history, config=settings.review, embedder=services.embedder)
    stage = LLMReviewStage.from_settings(services.llm, settings)
    with_llm = Reviewer(
        history=services.history,
        config=settings.review,
        embedder=services.embedder,
        stages=[stage],
    )

    cases = load_cases(args.dataset)
    if args.limit:
        cases = cases[: args.limit]
    progress = args.out.with_suffix(".progress.jsonl")
    progress.parent.mkdir(parents=True, exist_ok=True)
    done: dict[str, dict[str, Any]] = {}
    if (args.resume or args.report_only) and progress.is_file():
        for line in progress.read_text().splitlines():
            row = json.loads(line)
            done[row["case_id"]] = row
    elif progress.exists():
        progress.unlink()

    for case in cases:
        if case.id in done or args.report_only:
            continue
        draft = args.dataset / case.path
        t0 = time.perf_counter()
        off = offline.review_file(draft)
        t1 = time.perf_counter()
        on = with_llm.review_file(draft)
        t2 = time.perf_counter()
        status = on.llm
        row: dict[str, Any] = {
            "case_id": case.id,
            "path": case.path,
            "offline": prediction(case.id, off, t1 - t0).model_dump(),
            "llm": prediction(case.id, on, t2 - t1).model_dump(),
            "mode": status.mode,
            "reason": status.reason,
            "calls": status.calls,
            "prompt_tokens": status.usage.prompt_tokens,
            "completion_tokens": status.usage.completion_tokens,
            "cost_usd": status.usage.estimated_cost_usd,
            "dropped": status.dropped_findings,
            "added": status.added,
            "dismissed": status.dismissed,
            "not_covered": status.not_covered,
            "llm_findings": [
                {
                    "code": f.code,
                    "source": f.source,
                    "lines": f.span and [f.span.start_line, f.span.end_line],
                }
                for f in on.findings
                if f.source != "rules"
            ],
        }
        done[case.id] = row
        with progress.open("a") as out:
            out.write(json.dumps(row) + "\n")
        print(
            f"{case.id} {status.mode} {t2 - t1:6.1f}s tokens {row['prompt_tokens']}+"
            f"{row['completion_tokens']} dropped {row['dropped']} added {row['added']} "
            f"dismissed {row['dismissed']}",
            flush=True,
        )

    finished = [c for c in cases if c.id in done]
    rows = [done[c.id] for c in finished]
    off_report = build_report(finished, [Prediction(**r["offline"]) for r in rows])
    on_report = build_report(
        finished,
        [Prediction(**r["llm"]) for r in rows],
        llm=settings.llm_model or "off",
    )
    n = len(rows) or 1
    summary = {
        "dataset": str(args.dataset),
        "model": settings.llm_model,
        "n_cases": len(rows),
        "offline": json.loads(off_report.scores_json()),
        "llm": json.loads(on_report.scores_json()),
        "llm_totals": {
            "degraded": sum(r["mode"] == "degraded" for r in rows),
            "dropped_by_grounding": sum(int(r["dropped"]) for r in rows),
            "added": sum(int(r["added"]) for r in rows),
            "dismissed": sum(int(r["dismissed"]) for r in rows),
            "prompt_tokens_per_draft": round(sum(int(r["prompt_tokens"]) for r in rows) / n),
            "completion_tokens_per_draft": round(
                sum(int(r["completion_tokens"]) for r in rows) / n
            ),
            "calls_per_draft": round(sum(int(r["calls"]) for r in rows) / n, 2),
            "llm_seconds_per_draft": round(sum(r["llm"]["seconds"] for r in rows) / n, 1),
            "offline_seconds_per_draft": round(sum(r["offline"]["seconds"] for r in rows) / n, 3),
        },
        "settings": {
            "context_tokens": settings.llm_context_tokens,
            "max_tokens": settings.llm_max_tokens,
            "temperature": settings.llm_temperature,
        },
    }
    args.out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(markdown(summary, rows))
    print(json.dumps(summary, indent=2))


def markdown(summary: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """The side-by-side table for evals/reports/ and the README."""
    off, on, tot = summary["offline"], summary["llm"], summary["llm_totals"]
    lines = [
        f"# Review eval: offline vs LLM ({summary['model']})",
        "",
        f"Dataset `{summary['dataset']}`, {summary['n_cases']} drafts; settings "
        f"{summary['settings']}. Produced by `scripts/eval_review_llm.py`.",
        "",
        "| | offline | with LLM |",
        "| --- | --- | --- |",
        f"| core macro-F1 | {off['core_macro_f1']:.4f} | {on['core_macro_f1']:.4f} |",
        f"| extended macro-F1 | {off['extended_macro_f1']:.4f} | {on['extended_macro_f1']:.4f} |",
        f"| seconds per draft | {tot['offline_seconds_per_draft']} "
        f"| {tot['llm_seconds_per_draft']} |",
        "",
        "| code | offline F1 | LLM F1 | LLM tp/fp/fn |",
        "| --- | --- | --- | --- |",
    ]
    for code, score in on["codes"].items():
        base = off["codes"][code]
        lines.append(
            f"| {code} | {base['f1']:.4f} | {score['f1']:.4f} | "
            f"{score['tp']}/{score['fp']}/{score['fn']} |"
        )
    lines += [
        "",
        f"Model: {tot['calls_per_draft']} calls, {tot['prompt_tokens_per_draft']} prompt + "
        f"{tot['completion_tokens_per_draft']} completion tokens per draft; "
        f"{tot['added']} findings added, {tot['dismissed']} offline findings dismissed, "
        f"{tot['dropped_by_grounding']} model claims dropped by grounding, "
        f"{tot['degraded']} drafts degraded.",
        "",
        "| case | mode | s | tokens | added | dropped | dismissed | model findings |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        found = ", ".join(f"{f['code']} ({f['source']})" for f in r["llm_findings"]) or "-"
        lines.append(
            f"| {r['case_id']} | {r['mode']} | {r['llm']['seconds']:.1f} | "
            f"{r['prompt_tokens']}+{r['completion_tokens']} | {r['added']} | {r['dropped']} | "
            f"{r['dismissed']} | {found} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
