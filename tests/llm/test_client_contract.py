"""The real `openai` client against a loopback OpenAI-compatible server (no network)."""

from __future__ import annotations

import json
import socket

import pytest
from pydantic import BaseModel, Field

from assistant.config import Settings
from assistant.errors import LLMError
from assistant.llm import LLMReply, Message, build_llm, parse_reply
from assistant.llm_openai import OpenAILLM
from tests.llm.fake_openai import FakeOpenAI

HELLO = [Message("system", "Be brief."), Message("user", "Say hello.")]


class Greeting(BaseModel):
    text: str = Field(max_length=40)


def client(server: FakeOpenAI, sleeps: list[float] | None = None, **kwargs: object) -> OpenAILLM:
    record = sleeps if sleeps is not None else []
    options: dict[str, object] = {"timeout_s": 5.0, "max_retries": 2, **kwargs}
    return OpenAILLM(
        model="local-test",
        base_url=server.url,
        sleep=record.append,
        **options,  # type: ignore[arg-type]
    )


def test_plain_completion_sends_messages_and_reads_usage(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(content="hello there", usage=(21, 3))
    reply = client(fake_openai, max_tokens=50, temperature=0.2).complete(HELLO)
    assert reply == LLMReply("hello there", "stop", 21, 3)
    sent = fake_openai.requests[0]
    assert sent["model"] == "local-test"
    assert sent["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello."},
    ]
    assert sent["max_tokens"] == 50  # not max_completion_tokens: most local servers lack it
    assert sent["temperature"] == 0.2
    assert "response_format" not in sent


def test_streaming_completion_yields_deltas_and_reports_usage(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(content="one two three", usage=(9, 3))
    done: list[LLMReply] = []
    pieces = list(client(fake_openai).stream(HELLO, on_done=done.append))
    assert pieces == ["one", " two", " three"]
    assert done == [LLMReply("one two three", "stop", 9, 3)]
    assert fake_openai.requests[0]["stream"] is True
    assert fake_openai.requests[0]["stream_options"] == {"include_usage": True}


def test_complete_over_a_stream_collects_the_text(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(content='{"text": "hi"}', finish_reason="stop")
    reply = client(fake_openai, stream=True).complete(HELLO, schema=Greeting)
    assert parse_reply(reply, Greeting).text == "hi"


def test_missing_usage_is_estimated_with_tiktoken(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(content="hello there", usage=None)
    reply = client(fake_openai).complete(HELLO)
    assert reply.prompt_tokens > 0 and reply.completion_tokens == 2


def test_structured_output_sends_a_bounded_strict_json_schema(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(content='{"text": "hi"}')
    reply = client(fake_openai).complete(HELLO, schema=Greeting)
    assert parse_reply(reply, Greeting) == Greeting(text="hi")
    fmt = fake_openai.requests[0]["response_format"]
    assert fmt["type"] == "json_schema"
    schema = fmt["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["text"]
    assert schema["properties"]["text"]["maxLength"] == 40


def test_server_without_json_schema_falls_back_to_json_object(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(status=400, error={"message": "response_format json_schema unsupported"})
    fake_openai.enqueue(content='{"text": "hi"}')
    fake_openai.enqueue(content='{"text": "again"}')
    llm = client(fake_openai)
    assert parse_reply(llm.complete(HELLO, schema=Greeting), Greeting).text == "hi"
    assert parse_reply(llm.complete(HELLO, schema=Greeting), Greeting).text == "again"
    formats = [r["response_format"]["type"] for r in fake_openai.requests]
    assert formats == ["json_schema", "json_object", "json_object"]  # remembered


def test_429_is_retried_after_the_servers_retry_after(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(status=429, headers={"Retry-After": "2"})
    fake_openai.enqueue(content="finally")
    sleeps: list[float] = []
    reply = client(fake_openai, sleeps).complete(HELLO)
    assert reply.text == "finally"
    assert sleeps == [2.0]
    assert len(fake_openai.requests) == 2


def test_500s_are_retried_with_backoff_then_reported(fake_openai: FakeOpenAI) -> None:
    for _ in range(3):
        fake_openai.enqueue(status=500, error={"message": "model crashed"})
    sleeps: list[float] = []
    with pytest.raises(LLMError, match=r"answered 500 \(model crashed\)") as info:
        client(fake_openai, sleeps, max_retries=2).complete(HELLO)
    assert info.value.retryable
    assert len(fake_openai.requests) == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] * 0.9  # grows (with jitter)


def test_retries_never_wait_past_the_deadline(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(status=429, headers={"Retry-After": "30"})
    now = [100.0]
    llm = OpenAILLM(model="m", base_url=fake_openai.url, sleep=lambda s: None, clock=lambda: now[0])
    with pytest.raises(LLMError, match="429"):
        llm.complete(HELLO, deadline=110.0)
    assert len(fake_openai.requests) == 1


def test_a_passed_deadline_fails_without_calling(fake_openai: FakeOpenAI) -> None:
    llm = OpenAILLM(model="m", base_url=fake_openai.url, clock=lambda: 50.0)
    with pytest.raises(LLMError, match="deadline"):
        llm.complete(HELLO, deadline=49.0)
    assert fake_openai.requests == []


def test_a_slow_server_times_out_and_is_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(content="late", delay_s=1.5)
    fake_openai.enqueue(content="on time")
    sleeps: list[float] = []
    reply = client(fake_openai, sleeps, timeout_s=0.5).complete(HELLO)
    assert reply.text == "on time"
    assert len(sleeps) == 1


def test_timeouts_that_persist_say_how_to_fix_them(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(content="late", delay_s=1.5)
    with pytest.raises(LLMError, match="timed out after 0s.*SPECREVIEW_LLM_TIMEOUT_S"):
        client(fake_openai, timeout_s=0.4, max_retries=0).complete(HELLO)


def test_malformed_json_body_is_a_clear_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(raw=b"{not json at all")
    with pytest.raises(LLMError, match="not valid JSON"):
        client(fake_openai, max_retries=0).complete(HELLO)


def test_garbage_content_fails_validation_with_the_raw_text(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(content="Sure! Here is a greeting: hi")
    reply = client(fake_openai).complete(HELLO, schema=Greeting)
    with pytest.raises(LLMError, match="not JSON") as info:
        parse_reply(reply, Greeting)
    assert info.value.raw == "Sure! Here is a greeting: hi"


def test_wrong_schema_and_empty_replies_are_clear_errors(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(content='{"greeting": "hi"}')
    fake_openai.enqueue(content="")
    llm = client(fake_openai)
    with pytest.raises(LLMError, match="does not match the Greeting schema"):
        parse_reply(llm.complete(HELLO, schema=Greeting), Greeting)
    with pytest.raises(LLMError, match="empty reply"):
        parse_reply(llm.complete(HELLO, schema=Greeting), Greeting)


def test_truncated_output_is_detected(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(content='{"text": "hel', finish_reason="length")
    reply = client(fake_openai).complete(HELLO, schema=Greeting)
    assert reply.truncated
    with pytest.raises(LLMError, match="cut off.*SPECREVIEW_LLM_MAX_TOKENS"):
        parse_reply(reply, Greeting)


@pytest.mark.parametrize(
    ("status", "pattern"),
    [
        (401, r"refused the API key \(401\).*SPECREVIEW_LLM_API_KEY"),
        (404, r"model 'local-test' was not found.*\(404\).*SPECREVIEW_LLM_MODEL"),
    ],
)
def test_auth_and_unknown_model_are_not_retried(
    fake_openai: FakeOpenAI, status: int, pattern: str
) -> None:
    fake_openai.enqueue(status=status)
    with pytest.raises(LLMError, match=pattern) as info:
        client(fake_openai).complete(HELLO)
    assert not info.value.retryable
    assert len(fake_openai.requests) == 1


def test_api_key_is_sent_as_a_bearer_token(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(content="ok")
    client(fake_openai, api_key="sk-local").complete(HELLO)
    assert fake_openai.headers[0]["authorization"] == "Bearer sk-local"


def test_server_down_says_how_to_start_one() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    llm = OpenAILLM(model="m", base_url=f"http://127.0.0.1:{port}/v1", sleep=lambda s: None)
    with pytest.raises(LLMError, match="cannot reach the model server.*run-local-llm.sh"):
        llm.complete(HELLO)


def test_streaming_errors_before_the_first_delta_are_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(status=503, headers={"Retry-After": "1"})
    fake_openai.enqueue(content="back again")
    sleeps: list[float] = []
    assert "".join(client(fake_openai, sleeps).stream(HELLO)) == "back again"
    assert sleeps == [1.0]


def test_build_llm_reads_settings_and_is_none_offline(
    fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert build_llm(Settings()) is None
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url)
    llm = build_llm(Settings(llm_model="qwen", llm_max_tokens=77))
    assert llm is not None and llm.name == "qwen"
    fake_openai.enqueue(content="ok")
    llm.complete(HELLO)
    assert fake_openai.requests[0]["max_tokens"] == 77


def test_openai_without_a_key_is_refused_with_the_fix() -> None:
    with pytest.raises(LLMError, match="OPENAI_API_KEY"):
        build_llm(Settings(llm_model="gpt-4o-mini"))


def test_openai_gets_max_completion_tokens_and_priced_usage() -> None:
    from assistant.llm import estimate_cost

    assert estimate_cost("gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)
    assert estimate_cost("gpt-4o", 0, 1_000_000) == pytest.approx(10.0)
    assert estimate_cost("qwen2.5-coder-0.5b", 10_000, 10_000) == 0.0
    body = OpenAILLM(model="gpt-4o-mini", api_key="sk")._kwargs(HELLO, None, 10, 1.0)
    assert body["max_completion_tokens"] == 10 and "max_tokens" not in body
    json.dumps(body["messages"])
