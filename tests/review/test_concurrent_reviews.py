"""One Reviewer shared by many threads (the API's workers) gives each draft the review it
would get alone: nothing one review computes leaks into another."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assistant.models import Review
from assistant.services import Services
from index.pipeline import index_paths

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _drafts() -> list[tuple[str, str]]:
    paths = sorted((FIXTURES / "review_history" / "drafts").glob("*.md"))
    paths += sorted((FIXTURES / "review").glob("*.md"))
    return [(p.name, p.read_text(encoding="utf-8")) for p in paths[:16]]


def _what_it_says(review: Review) -> str:
    # Everything but the clock.
    return review.model_dump_json(exclude={"seconds"})


def test_sixteen_drafts_on_eight_threads_match_their_single_threaded_reviews(
    services: Services,
) -> None:
    index_paths(
        [FIXTURES / "review_history" / "kb"], store=services.store, embedder=services.embedder
    )
    reviewer = services.reviewer
    drafts = _drafts()
    assert len(drafts) == 16
    alone = [_what_it_says(reviewer.review_text(text, path=name)) for name, text in drafts]
    # Both history checks find something: otherwise the state they keep would go untested.
    assert any('"conflicts_with_decision"' in r for r in alone)
    assert any('"repeats_past_lesson"' in r for r in alone)

    def review(item: tuple[str, str]) -> str:
        name, text = item
        return _what_it_says(reviewer.review_text(text, path=name))

    for _ in range(2):  # twice over, interleaved differently
        with ThreadPoolExecutor(max_workers=8) as pool:
            together = list(pool.map(review, drafts[::-1]))[::-1]
        assert together == alone
