"""The indexing benchmark runs end to end on a small folder and reports consistent figures."""

from __future__ import annotations

from pathlib import Path

from evals.bench_index import render_markdown, run_bench

FORMATS = Path(__file__).resolve().parent.parent / "fixtures" / "index" / "formats"


def test_bench_reports_every_figure() -> None:
    lines: list[str] = []
    result = run_bench(FORMATS, threads=1, batch_size=8, queries=5, log=lines.append)
    assert result.documents == 7 and result.chunks > 0
    assert result.raw_rate > 0 and result.pipeline_rate > 0
    assert result.ratio == result.pipeline_rate / result.raw_rate
    # The raw rate is the mean of a run before and one after the pipeline (machine drift).
    assert len(result.raw_runs_seconds) == 2
    assert result.raw_seconds == sum(result.raw_runs_seconds) / 2
    assert 0 < result.unchanged_seconds and result.query_p50_ms <= result.query_p95_ms
    table = render_markdown(result, command="specreview bench index X")
    for label in ("raw embedder", "pipeline / raw", "unchanged re-index", "p50 / p95"):
        assert label in table
    assert lines[0].startswith("7 documents")
    assert [line.split(":")[0] for line in lines if line.startswith("raw")] == [
        "raw embedder (before the pipeline)",
        "raw embedder (after the pipeline)",
    ]
