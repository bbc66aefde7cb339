"""The ask eval's scoring functions (pure), table-driven."""

from __future__ import annotations

import pytest

from evals.ask_peers import rrf
from evals.ask_scoring import (
    QuestionResult,
    full_recall_at,
    leave_one_out,
    percentile,
    pick_threshold,
    recall_at,
    reciprocal_rank,
    score,
    score_by_type,
    trade_off,
)


@pytest.mark.parametrize(
    ("ranked", "gold", "recall", "full", "rr"),
    [
        (["a", "b", "c"], ["a"], 1.0, 1.0, 1.0),
        (["x", "a", "b"], ["b", "a"], 1.0, 1.0, 0.5),
        (["x", "y", "z", "w", "v", "a"], ["a"], 0.0, 0.0, 1 / 6),
        (["x", "a", "y", "z", "w", "b"], ["a", "b"], 1.0, 0.0, 0.5),
        ([], ["a"], 0.0, 0.0, 0.0),
        (["a"], [], 0.0, 0.0, 0.0),
    ],
)
def test_ranking_metrics(ranked, gold, recall, full, rr) -> None:
    assert recall_at(ranked, gold, 5) == recall
    assert full_recall_at(ranked, gold, 5) == full
    assert reciprocal_rank(ranked, gold) == pytest.approx(rr)


def _r(qid, gold, ranked, *, refused=False, conf=1.0, kind="why"):
    return QuestionResult(
        id=qid, type=kind, gold=gold, ranked=ranked, refused=refused, confidence=conf
    )


def test_score_splits_answerable_and_unanswerable() -> None:
    results = [
        _r("1", ["a"], ["a", "b"], conf=0.9),
        _r("2", ["b"], ["x", "b"], refused=True, conf=0.2),
        _r("3", [], ["x"], refused=True, conf=0.1, kind="unanswerable"),
        _r("4", [], ["y"], refused=False, conf=0.6, kind="unanswerable"),
    ]
    s = score(results)
    assert s.n == 4
    assert s.recall_at_5 == 1.0  # retrieval is scored on the ranking, refused or not
    assert s.mrr == 0.75
    assert s.answered_rate == 0.5
    assert s.refusal_accuracy == 0.5
    by_type = score_by_type(results)
    assert list(by_type) == ["why", "unanswerable"]
    assert by_type["unanswerable"].refusal_accuracy == 0.5


def test_trade_off_moves_both_rates_with_the_threshold() -> None:
    results = [
        _r("1", ["a"], ["a"], conf=0.9),
        _r("2", ["a"], ["a"], conf=0.4),
        _r("3", [], [], conf=0.3, kind="unanswerable"),
        _r("4", [], [], conf=0.7, kind="unanswerable"),
    ]
    points = {p.threshold: p for p in trade_off(results, [0.0, 0.35, 0.5, 1.0])}
    assert (points[0.0].refusal_accuracy, points[0.0].answered_rate) == (0.0, 1.0)
    assert (points[0.35].refusal_accuracy, points[0.35].answered_rate) == (0.5, 1.0)
    assert (points[0.5].refusal_accuracy, points[0.5].answered_rate) == (0.5, 0.5)
    assert (points[1.0].refusal_accuracy, points[1.0].answered_rate) == (1.0, 0.0)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1.0, 2.0, 3.0, 4.0], 50, 2.0),
        ([1.0, 2.0, 3.0, 4.0], 95, 4.0),
        ([5.0], 95, 5.0),
        ([], 50, 0.0),
    ],
)
def test_percentile_is_nearest_rank(values, q, expected) -> None:
    assert percentile(values, q) == expected


def test_rrf_rewards_agreement() -> None:
    assert rrf([["a", "b", "c"], ["b", "c", "a"]])[0] == "b"
    assert rrf([["a"], []]) == ["a"]


def test_pick_threshold_and_leave_one_out() -> None:
    results = [
        _r("a1", ["a"], ["a"], conf=0.9),
        _r("a2", ["a"], ["a"], conf=0.8),
        _r("a3", ["a"], ["a"], conf=0.7),
        _r("u1", [], [], conf=0.2, kind="unanswerable"),
        _r("u2", [], [], conf=0.3, kind="unanswerable"),
    ]
    assert pick_threshold(results) == pytest.approx(0.5)
    loo = leave_one_out(results)
    assert (loo.refusal_accuracy, loo.answered_rate) == (1.0, 1.0)
    # An unanswerable question that looks answerable cannot be caught by the others' threshold.
    loo = leave_one_out([*results, _r("u3", [], [], conf=0.95, kind="unanswerable")])
    assert loo.refusal_accuracy == pytest.approx(2 / 3, abs=1e-4)


def test_a_second_eval_cannot_open_a_cache_in_use(tmp_path) -> None:
    from assistant.errors import InputError
    from evals.ask_eval import exclusive

    with exclusive(tmp_path / "cache"):
        with pytest.raises(InputError, match="wait for it to finish"):
            with exclusive(tmp_path / "cache"):
                pass
    with exclusive(tmp_path / "cache"):  # released
        pass
