"""The bot's durable state (assistant/bot_state.py) on the in-memory fake, SQLite and
PostgreSQL alike: a delivery accepted once, a task claimed by one worker, a task cut off by a
crash queued again, a pull request leased to one worker at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.bot_state import MAX_ATTEMPTS, BotTask, PullRequestState
from assistant.db import open_ledger
from assistant.ledger import FindingLedger, InMemoryLedger
from tests.db_support import fresh_database


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FindingLedger]:
    if request.param == "memory":
        yield InMemoryLedger()
        return
    with fresh_database(request.param, tmp_path) as url:
        opened = open_ledger(url)
        yield opened
        opened.close()


def task(delivery: str, number: int = 7) -> BotTask:
    return BotTask(
        delivery_id=delivery,
        kind="review",
        repo="acme/specs",
        number=number,
        task={"kind": "review", "owner": "acme", "repo": "specs", "number": number},
        created_at=datetime.now(UTC),
    )


def test_a_delivery_and_its_task_are_accepted_once(ledger: FindingLedger) -> None:
    assert ledger.accept_delivery("d1", task("d1"))
    assert not ledger.accept_delivery("d1", task("d1"))  # the replay
    assert not ledger.first_time_delivery("d1")
    assert ledger.accept_delivery("ping", None)  # nothing to do, still remembered
    assert not ledger.accept_delivery("ping", None)
    saved = ledger.get_bot_task("d1")
    assert saved is not None and saved.state == "queued" and saved.task["number"] == 7
    assert ledger.claimable_bot_tasks() == ["d1"]


def test_threads_accepting_one_delivery_accept_it_once(ledger: FindingLedger) -> None:
    results: list[bool] = []
    start = threading.Barrier(6)

    def accept() -> None:
        start.wait()
        results.append(ledger.accept_delivery("same", task("same")))

    threads = [threading.Thread(target=accept) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]


def test_a_task_is_claimed_by_one_worker_then_finished(ledger: FindingLedger) -> None:
    ledger.accept_delivery("d1", task("d1"))
    claimed = ledger.claim_bot_task("d1", worker="w1", lease_s=60)
    assert claimed is not None and claimed.state == "running" and claimed.attempts == 1
    assert ledger.claim_bot_task("d1", worker="w2", lease_s=60) is None
    assert ledger.claimable_bot_tasks() == []
    ledger.finish_bot_task("d1")
    done = ledger.get_bot_task("d1")
    assert done is not None and done.state == "done" and done.finished_at is not None
    assert ledger.claim_bot_task("d1", worker="w2", lease_s=60) is None
    ledger.accept_delivery("d2", task("d2"))
    ledger.claim_bot_task("d2", worker="w1", lease_s=60)
    ledger.finish_bot_task("d2", error="GitHub said 500")
    failed = ledger.get_bot_task("d2")
    assert failed is not None and failed.state == "failed" and failed.error == "GitHub said 500"


def test_a_task_whose_lease_ran_out_can_be_claimed_again(ledger: FindingLedger) -> None:
    ledger.accept_delivery("d1", task("d1"))
    assert ledger.claim_bot_task("d1", worker="w1", lease_s=-1) is not None  # lapsed at once
    assert ledger.claimable_bot_tasks() == ["d1"]
    again = ledger.claim_bot_task("d1", worker="w2", lease_s=60)
    assert again is not None and again.claimed_by == "w2" and again.attempts == 2


def test_a_restart_queues_running_tasks_again_and_fails_them_after_three(
    ledger: FindingLedger,
) -> None:
    ledger.accept_delivery("d1", task("d1"))
    ledger.accept_delivery("d2", task("d2", 8))
    ledger.claim_bot_task("d1", worker="w1", lease_s=600)
    assert ledger.lease_pull_request("acme/specs", 7, worker="w1", lease_s=600)
    moved = ledger.requeue_bot_tasks()
    assert [(t.delivery_id, t.state) for t in moved] == [("d1", "queued")]
    assert ledger.claimable_bot_tasks() == ["d1", "d2"]
    assert ledger.lease_pull_request("acme/specs", 7, worker="w2", lease_s=600)  # lease dropped
    for _ in range(MAX_ATTEMPTS - 2):  # the first attempt was cut off above
        ledger.claim_bot_task("d1", worker="w1", lease_s=600)
        ledger.requeue_bot_tasks()
    ledger.claim_bot_task("d1", worker="w1", lease_s=600)
    [failed] = ledger.requeue_bot_tasks()
    assert (
        failed.state == "failed"
        and failed.error == f"interrupted by a restart {MAX_ATTEMPTS} times"
    )
    assert ledger.claimable_bot_tasks() == ["d2"]


def test_a_pull_request_is_leased_to_one_worker_and_keeps_its_last_run(
    ledger: FindingLedger,
) -> None:
    assert ledger.pull_request("acme/specs", 7) is None
    assert ledger.lease_pull_request("acme/specs", 7, worker="w1", lease_s=60)
    assert not ledger.lease_pull_request("acme/specs", 7, worker="w2", lease_s=60)
    assert ledger.lease_pull_request("acme/specs", 7, worker="w1", lease_s=60)  # renewed
    assert ledger.lease_pull_request("acme/specs", 8, worker="w2", lease_s=60)  # another PR
    run = PullRequestState(
        repo="acme/specs", number=7, head_sha="abc", conclusion="failure", summary_comment_id=2**40
    )
    ledger.release_pull_request("acme/specs", 7, worker="w2", run=run)  # not its lease: no-op
    assert not ledger.lease_pull_request("acme/specs", 7, worker="w2", lease_s=60)
    ledger.release_pull_request("acme/specs", 7, worker="w1", run=run)
    saved = ledger.pull_request("acme/specs", 7)
    assert saved is not None and saved.head_sha == "abc" and saved.conclusion == "failure"
    assert saved.summary_comment_id == 2**40 and saved.lease_owner is None
    assert saved.reviewed_at is not None
    assert ledger.lease_pull_request("acme/specs", 7, worker="w2", lease_s=60)


def test_threads_leasing_a_new_pull_request_get_it_once(ledger: FindingLedger) -> None:
    results: list[bool] = []
    start = threading.Barrier(4)

    def lease(worker: str) -> None:
        start.wait()
        results.append(ledger.lease_pull_request("acme/specs", 9, worker=worker, lease_s=60))

    threads = [threading.Thread(target=lease, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 3 + [True]


def test_finished_tasks_are_pruned(ledger: FindingLedger) -> None:
    ledger.accept_delivery("d1", task("d1"))
    ledger.accept_delivery("d2", task("d2"))
    ledger.claim_bot_task("d1", worker="w", lease_s=60)
    ledger.finish_bot_task("d1")
    assert ledger.prune_bot_tasks(datetime.now(UTC) - timedelta(hours=1)) == 0
    assert ledger.prune_bot_tasks(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert ledger.get_bot_task("d1") is None and ledger.get_bot_task("d2") is not None
