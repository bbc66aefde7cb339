"""Train and measure the section-role signal: what a section is for, read from its text alone.

Real documents put their why, their criteria and their bounds under headings nobody predicts
("Inspiration", "Pitfalls of the current solution", "What we hear"). Heading vocabularies only
know the headings someone listed. This learns the role from the body instead: sections of the
sample corpus whose heading names a role (Motivation, Test Plan, Non-Goals, Unresolved
questions...) are the training examples, with the heading removed from the input; the MiniLM
embedder we already ship embeds the body; each role is the mean of its examples (a nearest-
centroid classifier: no extra dependency, a few kilobytes of weights).

It is measured leave-one-collection-out (train on two of adrs / kubernetes-keps / rust-rfcs,
test on the third), so the figure says how it carries to another team's template.

    python -m evals.section_roles_train ../shared/corpus --out assistant/data/section_roles.npz
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

import numpy as np

from assistant.checks.evidence import states_problem
from assistant.checks.signals import label_kinds, strip_comments
from assistant.embed import Embedder, MiniLMEmbedder
from assistant.markdown import link_text, parse_spec

ROLES: tuple[str, ...] = ("why", "criteria", "scope", "questions", "other")
_FENCED = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1", re.S | re.M)
_MAX_WORDS = 160  # the embedder reads 256 word pieces; a section's opening tells its role


def section_text(body: str) -> str:
    """A section's prose for the classifier: no comments, code, link targets or URLs."""
    text = link_text(_FENCED.sub(" ", strip_comments(body)), drop_urls=True)
    return " ".join(text.split()[:_MAX_WORDS])


_KIND_TO_ROLE = {
    "why": "why",
    "acceptance": "criteria",
    "scope_bound": "scope",
    "questions": "questions",
    "solution": "other",
    "aside": "other",
}


def role_of_heading(title: str) -> str | None:
    """The role a heading names, or None when it names none or several."""
    kinds = label_kinds(title) - {"why_weak", "metric", "ownership"}
    roles = {_KIND_TO_ROLE[k] for k in kinds if k in _KIND_TO_ROLE}
    return roles.pop() if len(roles) == 1 else None


def collect(corpus: Path) -> list[tuple[str, str, str]]:
    """(collection, role, body text) for every labelled section of at least 25 words."""
    out = []
    for path in sorted(corpus.rglob("*.md")):
        rel = path.relative_to(corpus)
        if len(rel.parts) < 2 or rel.name.upper().startswith(("SOURCES", "LICENSE")):
            continue
        spec = parse_spec(path.read_text(encoding="utf-8", errors="replace"))
        for section in spec.sections:
            if section.level < 2:
                continue
            role = role_of_heading(section.title)
            text = section_text(section.body)
            if role and len(text.split()) >= 25:
                out.append((rel.parts[0], role, text))
    return out


def centroids(vectors: np.ndarray, roles: list[str]) -> np.ndarray:
    rows = []
    for role in ROLES:
        mask = np.array([r == role for r in roles])
        mean = vectors[mask].mean(axis=0) if mask.any() else np.zeros(vectors.shape[1])
        rows.append(mean / (np.linalg.norm(mean) or 1.0))
    return np.stack(rows)


def _rules_say_why(text: str) -> bool:
    sentences = re.split(r"(?<=[.!?])\s+", text)
    return len(text.split()) >= 40 and any(states_problem(s) for s in sentences)


def fit_logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Class-balanced logistic regression by gradient descent (no extra dependency)."""
    w, b = np.zeros(x.shape[1]), 0.0
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    for _ in range(3000):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        grad = (p - y) * weight
        w -= 20 * (x.T @ grad / len(y) + 1e-3 * w)
        b -= 20 * float(grad.mean())
    return w, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    args = parser.parse_args()
    examples = collect(args.corpus)
    print(f"{len(examples)} sections:", dict(Counter((c, r) for c, r, _ in examples)))
    embedder: Embedder = MiniLMEmbedder()
    vectors = np.asarray(embedder.embed([t for _, _, t in examples]), dtype=np.float32)
    collections = sorted({c for c, _, _ in examples})
    roles = [r for _, r, _ in examples]
    for held in collections:
        train = np.array([c != held for c, _, _ in examples])
        cents = centroids(vectors[train], [r for r, t in zip(roles, train, strict=True) if t])
        test = ~train
        sims = vectors[test] @ cents.T
        predicted = [ROLES[i] for i in sims.argmax(axis=1)]
        gold = [r for r, t in zip(roles, test, strict=True) if t]
        right = sum(p == g for p, g in zip(predicted, gold, strict=True))
        print(f"held out {held}: accuracy {right}/{len(gold)} = {right / len(gold):.3f}")
        for role in ROLES:
            tp = sum(p == role == g for p, g in zip(predicted, gold, strict=True))
            pp = sum(p == role for p in predicted)
            gp = sum(g == role for g in gold)
            if gp or pp:
                print(f"  {role:10} precision {tp}/{pp}  recall {tp}/{gp}")
    is_why = np.array([r == "why" for r in roles], dtype=float)
    # The rules' own reading of a body, for comparison: the why check's "told at length" test
    # (a sentence that states a problem, in at least 40 words), without the heading.
    rules = np.array([_rules_say_why(t) for _, _, t in examples])
    for held in collections:
        test = np.array([c == held for c, _, _ in examples])
        gold = is_why[test] == 1
        if not gold.any():
            continue
        flagged = rules[test]
        tp = int((flagged & gold).sum())
        print(
            f"rules why, {held}: precision {tp}/{int(flagged.sum())}, recall {tp}/{int(gold.sum())}"
        )
    for held in collections:
        train = np.array([c != held for c, _, _ in examples])
        if is_why[~train].sum() == 0:
            continue
        w, b = fit_logistic(vectors[train], is_why[train])
        p = 1 / (1 + np.exp(-(vectors[~train] @ w + b)))
        gold = is_why[~train] == 1
        for threshold in (0.5, 0.8, 0.95):
            flagged = p >= threshold
            tp = int((flagged & gold).sum())
            print(
                f"logistic why, held out {held}, p >= {threshold}: "
                f"precision {tp}/{int(flagged.sum())}, recall {tp}/{int(gold.sum())}"
            )


if __name__ == "__main__":
    main()
