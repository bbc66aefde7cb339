"""Answers really stream: the first words show before the engine has finished."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from assistant.ask import AskEvent
from assistant.config import Settings
from assistant.models import Answer
from tests.api.conftest import make_services
from tests.api.loopback import serve

pytestmark = pytest.mark.browser


class GatedAsker:
    """Streams one delta, then holds the rest until the test releases it."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def ask(self, question: str, *, k: int = 5) -> Answer:
        raise AssertionError("the page must stream")

    def stream(self, question: str, *, k: int = 5) -> Iterator[AskEvent]:
        yield AskEvent(type="sources")
        yield AskEvent(type="delta", text="First words")
        assert self.release.wait(timeout=30), "never released"
        yield AskEvent(type="delta", text=", then the rest.")
        answer = Answer(question=question, text="First words, then the rest.")
        yield AskEvent(type="done", answer=answer)


@pytest.fixture
def asker() -> GatedAsker:
    return GatedAsker()


@pytest.fixture
def server(tmp_path: Path, asker: GatedAsker) -> Iterator[str]:
    settings = Settings(store_path=tmp_path, embedder="hashing")
    with serve(create_app(make_services(settings, asker=asker))) as base:
        yield base
    asker.release.set()


def test_the_first_words_appear_before_the_answer_is_done(page, asker: GatedAsker) -> None:
    page.goto("/ask")
    page.get_by_label("Your question").fill("Anything?")
    page.get_by_role("button", name="Ask").click()
    text = page.locator(".msg.bot .answer-text")
    page.locator(".msg.bot .answer-text", has_text="First words").wait_for(timeout=10_000)
    assert page.locator(".msg.bot").get_attribute("aria-busy") == "true"
    asker.release.set()
    page.locator(".msg.bot:not([aria-busy])").wait_for()
    assert text.inner_text() == "First words, then the rest."
