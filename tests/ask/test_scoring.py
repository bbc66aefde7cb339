"""The ask eval's scoring functions (pure), table-driven."""

from __future__ import annotations

import pytest

from evals.ask_peers import rrf
from evals.ask_scoring import (
    QuestionResult,
    full_recall_at,
    leave_one_out,
    leave_one_set_out,
    percentile,
    pick_threshold,
    quotes_rationale,
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


@pytest.mark.parametrize(
    ("answer", "rationale", "hit"),
    [
        # the span itself, with different case, markup and line breaks
        ('- "The vendor\'s API was **down** for\nsix hours." [1]', "the vendor's API was down", 1),
        # most of its content words, in another order
        ("Down six hours: the vendor API [2]", "The vendor's API was down for six hours", 1),
        # filler words alone do not count
        ("It was to be on the list of the things", "the cache was flushed at peak", 0),
        ("We chose Redis [1]", "Postgres gives transactions", 0),
        ("anything", "", 0),
    ],
)
def test_quotes_rationale(answer, rationale, hit) -> None:
    assert quotes_rationale(answer, rationale) is bool(hit)


def test_rationale_hit_is_the_share_of_answered_questions_with_a_rationale() -> None:
    results = [
        _r("1", ["a"], ["a"]).model_copy(update={"rationale_hit": True}),
        _r("2", ["a"], ["a"]).model_copy(update={"rationale_hit": False}),
        _r("3", ["a"], ["a"], refused=True),  # refused: not scored for its rationale
        _r("4", [], [], kind="unanswerable"),
    ]
    s = score(results)
    assert (s.rationale_hit, s.rationale_n) == (0.5, 2)
    assert score(results[2:]).rationale_hit is None


def test_leave_one_set_out_calibrates_on_one_set_and_measures_the_other() -> None:
    first = [
        _r("a1", ["a"], ["a"], conf=0.9),
        _r("a2", ["a"], ["a"], conf=0.6),
        _r("u1", [], [], conf=0.2, kind="unanswerable"),
    ]
    second = [
        _r("b1", ["a"], ["a"], conf=0.8),
        _r("b2", ["a"], ["a"], conf=0.3),  # answerable, below the first set's threshold
        _r("v1", [], [], conf=0.5, kind="unanswerable"),  # unanswerable, above it
    ]
    one, two = leave_one_set_out({"first": first, "second": second})
    assert (one.calibrated_on, one.measured_on) == ("first", "second")
    assert one.threshold == pytest.approx(0.4)
    assert (one.refusal_accuracy, one.answered_rate) == (0.0, 0.5)
    # No threshold refuses v1 and answers b2: the second set's calibration answers everything
    # (below its lowest confidence), which still refuses the first set's u1.
    assert (two.calibrated_on, two.measured_on) == ("second", "first")
    assert two.threshold == pytest.approx(0.225)
    assert (two.refusal_accuracy, two.answered_rate) == (1.0, 1.0)
