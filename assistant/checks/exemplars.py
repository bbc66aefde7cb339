"""Semantic similarity to small, generic exemplar sets, with the local embedding model.

The exemplars are product-agnostic sentences written for this purpose: problem statements with
evidence on one side, feature descriptions and mandates on the other. Their vectors are computed
once per embedder and reused; only a bounded number of candidate sentences is embedded per draft.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from assistant.embed import Embedder

PROBLEM = (
    "Users abandon checkout because the payment form times out.",
    "Support receives about forty tickets a week from customers who cannot reset their password.",
    "In interviews, most admins told us they reconcile accounts by hand every month.",
    "Customers churn at renewal because they pay for capacity they never use.",
    "The page takes several seconds to load, and users click the wrong item while it settles.",
    "A third of new sign-ups never finish onboarding, and those who stall rarely come back.",
    "Teams work around the limitation with scripts that break on every upgrade.",
    "Two large customers said they will move elsewhere unless this is fixed.",
    "Engineers lose hours each week waiting for slow builds to finish.",
    "Our auditors raised the missing control as a finding, and the deal is blocked on it.",
    "This reduces the third most common support ticket by half.",
    "Usage data shows the feature is used by most accounts but fails for large ones.",
)
NOT_PROBLEM = (
    "We need to build this feature.",
    "Leadership asked for this as part of the roadmap theme.",
    "Competitors already have this, so we should have it too.",
    "Add a setting that lets admins choose the retention period.",
    "The new page shows a chart and a table of results.",
    "This document describes the design of the new API endpoint.",
    "Users should be able to use the feature so that they can use it.",
    "There is currently no option for this, and this proposal adds one.",
    "The service stores the value and returns it in the response.",
    "It is time to do this, so we will do it this quarter.",
)

_CACHE: dict[str, tuple[np.ndarray, np.ndarray]] = {}
_LOCK = threading.Lock()


class SemanticScorer:
    """How much a set of sentences reads like a problem with evidence (0..1)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def _exemplars(self) -> tuple[np.ndarray, np.ndarray]:
        with _LOCK:
            cached = _CACHE.get(self._embedder.name)
            if cached is None:
                vectors = np.asarray(self._embedder.embed([*PROBLEM, *NOT_PROBLEM]), np.float32)
                cached = (vectors[: len(PROBLEM)], vectors[len(PROBLEM) :])
                _CACHE[self._embedder.name] = cached
            return cached

    def problem_share(self, sentences: Sequence[str], *, margin: float = 0.03) -> float:
        """The share of sentences closer to a problem exemplar than to any non-problem one."""
        texts = [s for s in sentences if len(s.split()) >= 4]
        if not texts:
            return 0.0
        problem, other = self._exemplars()
        vectors = np.asarray(self._embedder.embed(texts), np.float32)
        best_problem = (vectors @ problem.T).max(axis=1)
        best_other = (vectors @ other.T).max(axis=1)
        return float(np.mean(best_problem - best_other > margin))
