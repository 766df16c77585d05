#!/usr/bin/env python3
"""The official Python SDKs (openai, anthropic, google-genai), unmodified but for their base
URL, against a running `aigw` gateway whose upstreams are `aigw-mock` replaying the corpus.

    python tests/sdk/sdk_test.py --gateway http://127.0.0.1:PORT [--corpus DIR] [-k SUBSTR] [-v]

`tests/sdk/run.sh` starts the mock and the gateway with the configuration this file expects:
routes `gpt-test` -> openai, `claude-test` -> anthropic, `gemini-test` -> gemini,
`groq-test` -> groq (openai-compat preset), `embed-test` -> openai, `azure-test` -> azure
(kind = "azure": the mock's Azure paths; also asked for with the AzureOpenAI client), the gateway key in
`AIGW_TEST_KEY`, and a key store with the admin key in `AIGW_ADMIN_KEY`. Tool-call cases ask
for `PROVIDER/replay:STEM` (the gateway's provider/model form, the mock's replay selector)
with a recorded tool call picked from the corpus, and check that the SDK sees exactly the
recorded name and arguments. Virtual-key cases create keys through the admin API and present
them with the SDKs, nothing changed but the key.

One line per case (`ok   name` / `FAIL name: error`); the last line is `N passed, M failed`;
exit status 1 if any case failed.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import anthropic
import openai
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as gtypes

TIMEOUT_S = 30.0

# Route name per upstream provider (see run.sh's configuration).
MODEL = {
    "openai": "gpt-test",
    "anthropic": "claude-test",
    "gemini": "gemini-test",
    "groq": "groq-test",
    "azure": "azure-test",
}
# The `api-version` the AzureOpenAI client sends (the gateway accepts any).
AZURE_API_VERSION = "2025-04-01-preview"
EMBED_MODEL = "embed-test"
UNKNOWN_MODEL = "no-such-model-anywhere"

WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string", "description": "City name"}},
    "required": ["city"],
}

# ---------------------------------------------------------------------------------------
# The tiny runner


class Ctx:
    def __init__(
        self, gateway: str, key: str, corpus: Path | None, admin_key: str | None = None
    ) -> None:
        self.gateway = gateway.rstrip("/")
        self.key = key
        self.admin_key = admin_key
        self.corpus = corpus
        # Clients live as long as the run: a google-genai Client closes its HTTP client when
        # it is garbage-collected, even while `client.models` is still in use.
        self._clients: dict[tuple[str, str], Any] = {}
        self._others: list[Any] = []

    def _client(self, kind: str, key: str | None, make: Callable[[str], Any]) -> Any:
        """The shared client for the gateway key; a new one (own connections) for another."""
        if key is not None:
            client = make(key)
            self._others.append(client)  # kept alive (see above), never shared
            return client
        key = self.key
        if (kind, key) not in self._clients:
            self._clients[(kind, key)] = make(key)
        return self._clients[(kind, key)]

    def openai(self, key: str | None = None) -> openai.OpenAI:
        return self._client("openai", key, self._make_openai)

    def azure_openai(self, key: str | None = None) -> openai.AzureOpenAI:
        return self._client("azure_openai", key, self._make_azure_openai)

    def sdk(self, name: str) -> openai.OpenAI:
        """The OpenAI SDK's client: `openai.OpenAI` or `openai.AzureOpenAI`."""
        return self.azure_openai() if name == "azure" else self.openai()

    def anthropic(self, key: str | None = None) -> anthropic.Anthropic:
        return self._client("anthropic", key, self._make_anthropic)

    def genai(self, key: str | None = None) -> genai.Client:
        return self._client("genai", key, self._make_genai)

    def _make_openai(self, key: str) -> openai.OpenAI:
        return openai.OpenAI(
            api_key=key,
            base_url=f"{self.gateway}/v1",
            max_retries=0,
            timeout=TIMEOUT_S,
        )

    def _make_azure_openai(self, key: str) -> openai.AzureOpenAI:
        # As for Azure itself: the endpoint (the SDK adds /openai/deployments/{model}/… or
        # /openai/responses and ?api-version=), the key sent as `api-key`.
        return openai.AzureOpenAI(
            azure_endpoint=self.gateway,
            api_key=key,
            api_version=AZURE_API_VERSION,
            max_retries=0,
            timeout=TIMEOUT_S,
        )

    def _make_anthropic(self, key: str) -> anthropic.Anthropic:
        return anthropic.Anthropic(
            api_key=key,
            base_url=self.gateway,
            max_retries=0,
            timeout=TIMEOUT_S,
        )

    def _make_genai(self, key: str) -> genai.Client:
        return genai.Client(
            api_key=key,
            http_options=gtypes.HttpOptions(
                base_url=self.gateway,
                timeout=int(TIMEOUT_S * 1000),
                retry_options=gtypes.HttpRetryOptions(attempts=1),
            ),
        )


CASES: list[tuple[str, Callable[[Ctx], None]]] = []


def case(name: str) -> Callable[[Callable[[Ctx], None]], Callable[[Ctx], None]]:
    def register(fn: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
        CASES.append((name, fn))
        return fn

    return register


class Fail(AssertionError):
    pass


def check(condition: Any, message: str) -> None:
    if not condition:
        raise Fail(message)


def short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def check_route(headers: Any, provider: str) -> None:
    """`x-aigw-route` names `provider/…`; `x-aigw-adjustments` is present."""
    route = headers.get("x-aigw-route")
    check(route is not None, f"no x-aigw-route header (headers: {dict(headers)})")
    check(
        route.startswith(provider + "/"),
        f"x-aigw-route is {route!r}, expected {provider}/…",
    )
    check(
        headers.get("x-aigw-adjustments") is not None,
        "no x-aigw-adjustments header",
    )


# ---------------------------------------------------------------------------------------
# The corpus: recorded tool calls to replay, so the SDK's view can be compared exactly.

_tool_cache: dict[tuple[str, str], tuple[str, str, dict]] = {}


def _tool_calls_of(provider: str, response: dict) -> list[tuple[str, Any]] | None:
    """(name, arguments) of every tool call in a recorded response; None if the response
    holds anything beyond plain text and tool calls."""
    calls: list[tuple[str, Any]] = []
    if provider == "openai-responses":
        for item in response.get("output") or []:
            if item.get("type") == "function_call":
                try:
                    arguments = json.loads(item["arguments"])
                except (KeyError, ValueError):
                    return None
                calls.append((item["name"], arguments))
            elif item.get("type") != "message":
                return None
    elif provider == "openai":
        choices = response.get("choices") or []
        if len(choices) != 1:
            return None
        for call in choices[0].get("message", {}).get("tool_calls") or []:
            if call.get("type", "function") != "function":
                return None
            try:
                arguments = json.loads(call["function"]["arguments"])
            except (KeyError, ValueError):
                return None
            calls.append((call["function"]["name"], arguments))
    elif provider == "anthropic":
        for block in response.get("content") or []:
            if block.get("type") == "tool_use":
                calls.append((block["name"], block.get("input")))
            elif block.get("type") != "text":
                return None
    elif provider == "gemini":
        candidates = response.get("candidates") or []
        if len(candidates) != 1:
            return None
        for part in candidates[0].get("content", {}).get("parts") or []:
            if "functionCall" in part:
                calls.append((part["functionCall"]["name"], part["functionCall"].get("args")))
            elif "text" not in part or part.get("thought"):
                return None
    return calls


def recorded_tool_call(ctx: Ctx, provider: str, api: str | None = None) -> tuple[str, str, dict]:
    """(model to ask for, tool name, arguments) of the first recorded non-stream exchange of
    `provider` answering with exactly one tool call with non-empty arguments."""
    default = {"openai": "chat.completions", "anthropic": "messages", "gemini": "generateContent"}
    api = api or default[provider]
    key = (provider, api)
    if key in _tool_cache:
        return _tool_cache[key]
    check(ctx.corpus is not None, "no corpus (--corpus or AIGW_CORPUS) to pick a tool call from")
    directory = ctx.corpus / provider / api
    for path in sorted(directory.glob("*.json")):
        exchange = json.loads(path.read_text())
        if exchange.get("status") != 200 or exchange.get("stream"):
            continue
        shape = "openai-responses" if api == "responses" else provider
        calls = _tool_calls_of(shape, exchange.get("response") or {})
        if calls and len(calls) == 1:
            name, arguments = calls[0]
            if isinstance(arguments, dict) and arguments:
                _tool_cache[key] = (f"{provider}/replay:{path.stem}", name, arguments)
                return _tool_cache[key]
    raise Fail(f"no recorded {provider} {api} exchange with one tool call in {directory}")


def recorded_error(ctx: Ctx, provider: str, api: str, status: int) -> str:
    """Model selecting the first recorded non-stream error exchange with `status`."""
    check(ctx.corpus is not None, "no corpus (--corpus or AIGW_CORPUS)")
    directory = ctx.corpus / provider / api
    for path in sorted(directory.glob("*.json")):
        exchange = json.loads(path.read_text())
        if exchange.get("status") == status and not exchange.get("stream"):
            return f"{provider}/replay:{path.stem}"
    raise Fail(f"no recorded {status} exchange in {directory}")


# ---------------------------------------------------------------------------------------
# OpenAI SDK: chat completions

CHAT_MESSAGES = [{"role": "user", "content": "What is the capital of France? One sentence."}]
OPENAI_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": WEATHER_SCHEMA,
        },
    }
]


def openai_chat_plain(provider: str, sdk: str = "openai") -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        raw = ctx.sdk(sdk).chat.completions.with_raw_response.create(
            model=MODEL[provider], messages=CHAT_MESSAGES, max_completion_tokens=200
        )
        check_route(raw.headers, provider)
        completion = raw.parse()
        check(completion.object == "chat.completion", f"object {completion.object!r}")
        check(len(completion.choices) >= 1, "no choices")
        choice = completion.choices[0]
        check(
            isinstance(choice.message.content, str) and choice.message.content.strip(),
            f"empty content: {short(choice.message)}",
        )
        check(choice.message.role == "assistant", f"role {choice.message.role!r}")
        check(choice.finish_reason == "stop", f"finish_reason {choice.finish_reason!r}")
        check(completion.usage is not None, "no usage")
        check(completion.usage.prompt_tokens > 0, f"prompt_tokens {completion.usage.prompt_tokens}")
        check(
            completion.usage.completion_tokens > 0,
            f"completion_tokens {completion.usage.completion_tokens}",
        )
        check(
            completion.usage.total_tokens
            >= completion.usage.prompt_tokens + completion.usage.completion_tokens,
            f"total_tokens {completion.usage.total_tokens} < prompt + completion",
        )

    return run


def openai_chat_stream(provider: str, sdk: str = "openai") -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        raw = ctx.sdk(sdk).chat.completions.with_raw_response.create(
            model=MODEL[provider],
            messages=CHAT_MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
        check_route(raw.headers, provider)
        check(
            raw.headers.get("content-type", "").startswith("text/event-stream"),
            f"content-type {raw.headers.get('content-type')!r}",
        )
        chunks = list(raw.parse())
        check(len(chunks) > 1, f"{len(chunks)} chunk(s)")
        for chunk in chunks:
            check(chunk.object == "chat.completion.chunk", f"chunk object {chunk.object!r}")
        text = "".join(
            c.choices[0].delta.content or "" for c in chunks if c.choices and c.choices[0].delta
        )
        check(text.strip(), "the streamed text is empty")
        reasons = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
        check(reasons == ["stop"], f"finish_reasons {reasons}")
        # include_usage: one chunk with usage and no choices, after every chunk with choices
        # (OpenAI itself may send more choice-less chunks after it, e.g. moderation).
        with_usage = [i for i, c in enumerate(chunks) if c.usage is not None]
        check(len(with_usage) == 1, f"{len(with_usage)} chunk(s) with usage (include_usage asks for one)")
        usage_chunk = chunks[with_usage[0]]
        check(usage_chunk.choices == [], f"the usage chunk has choices: {short(usage_chunk.choices)}")
        check(
            all(not c.choices for c in chunks[with_usage[0] :]),
            "chunks with choices after the usage chunk",
        )
        usage = usage_chunk.usage
        check(usage.prompt_tokens > 0 and usage.completion_tokens > 0, f"usage {usage}")

    return run


def openai_chat_tool(provider: str) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        model, name, arguments = recorded_tool_call(ctx, provider)
        raw = ctx.openai().chat.completions.with_raw_response.create(
            model=model, messages=[{"role": "user", "content": "Use the tool."}], tools=OPENAI_TOOLS
        )
        check_route(raw.headers, provider)
        completion = raw.parse()
        choice = completion.choices[0]
        check(choice.finish_reason == "tool_calls", f"finish_reason {choice.finish_reason!r}")
        calls = choice.message.tool_calls or []
        check(len(calls) == 1, f"{len(calls)} tool call(s): {short(choice.message)}")
        call = calls[0]
        check(call.type == "function", f"tool call type {call.type!r}")
        check(call.id, "tool call without id")
        check(call.function.name == name, f"name {call.function.name!r}, recorded {name!r}")
        got = json.loads(call.function.arguments)
        check(got == arguments, f"arguments {short(got)}, recorded {short(arguments)}")

    return run


def openai_chat_tool_stream(provider: str) -> Callable[[Ctx], None]:
    """Default reply selection (a recorded streamed tool call): the deltas assemble into a
    named call with JSON-object arguments."""

    def run(ctx: Ctx) -> None:
        raw = ctx.openai().chat.completions.with_raw_response.create(
            model=MODEL[provider],
            messages=[{"role": "user", "content": "Use the tool."}],
            tools=OPENAI_TOOLS,
            stream=True,
            stream_options={"include_usage": True},
        )
        check_route(raw.headers, provider)
        chunks = list(raw.parse())
        check(len(chunks) > 1, f"{len(chunks)} chunk(s)")
        calls: dict[int, dict[str, str]] = {}
        for chunk in chunks:
            if not chunk.choices:
                continue
            for delta in chunk.choices[0].delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
                if delta.id:
                    call["id"] = delta.id
                if delta.function and delta.function.name:
                    call["name"] += delta.function.name
                if delta.function and delta.function.arguments:
                    call["arguments"] += delta.function.arguments
        check(calls, "no tool call deltas")
        for index, call in calls.items():
            check(call["id"], f"tool call {index} has no id")
            check(call["name"], f"tool call {index} has no name")
            try:
                parsed = json.loads(call["arguments"])
            except ValueError as e:
                raise Fail(f"tool call {index} arguments not JSON: {call['arguments']!r} ({e})")
            check(isinstance(parsed, dict), f"tool call {index} arguments not an object: {parsed!r}")
        reasons = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
        check(reasons == ["tool_calls"], f"finish_reasons {reasons}")

    return run


def openai_chat_tool_result(provider: str) -> Callable[[Ctx], None]:
    """A system message and a finished tool call in the history are translated and accepted."""

    def run(ctx: Ctx) -> None:
        raw = ctx.openai().chat.completions.with_raw_response.create(
            model=MODEL[provider],
            messages=[
                {"role": "system", "content": "You are terse."},
                {"role": "user", "content": "What is the weather in Paris?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_weather_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_weather_1", "content": "18 C, sunny"},
            ],
            tools=OPENAI_TOOLS,
        )
        check_route(raw.headers, provider)
        completion = raw.parse()
        check(completion.choices, "no choices")
        message = completion.choices[0].message
        check(message.content or message.tool_calls, f"empty message: {short(message)}")

    return run


for _p in ["openai", "anthropic", "gemini", "groq", "azure"]:
    case(f"openai.chat plain via {_p}")(openai_chat_plain(_p))
    case(f"openai.chat stream via {_p}")(openai_chat_stream(_p))
# The AzureOpenAI client (gateway as its endpoint: /openai/deployments/{model}/…, `api-key`).
for _p in ["azure", "openai", "anthropic"]:
    case(f"AzureOpenAI chat plain via {_p}")(openai_chat_plain(_p, "azure"))
    case(f"AzureOpenAI chat stream via {_p}")(openai_chat_stream(_p, "azure"))
for _p in ["openai", "anthropic", "gemini"]:
    case(f"openai.chat tool call via {_p}")(openai_chat_tool(_p))
for _p in ["openai", "anthropic", "gemini"]:
    case(f"openai.chat tool call stream via {_p}")(openai_chat_tool_stream(_p))
for _p in ["openai", "anthropic", "gemini"]:
    case(f"openai.chat tool result round trip via {_p}")(openai_chat_tool_result(_p))


# ---------------------------------------------------------------------------------------
# OpenAI SDK: responses


def openai_responses_plain(provider: str, sdk: str = "openai") -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        raw = ctx.sdk(sdk).responses.with_raw_response.create(
            model=MODEL[provider], input="What is the capital of France? One sentence."
        )
        check_route(raw.headers, provider)
        response = raw.parse()
        check(response.object == "response", f"object {response.object!r}")
        check(response.status == "completed", f"status {response.status!r}")
        check(response.output_text.strip(), f"empty output_text; output {short(response.output)}")
        messages = [item for item in response.output if item.type == "message"]
        check(messages, f"no message output item: {short(response.output)}")
        check(response.usage is not None, "no usage")
        check(response.usage.input_tokens > 0, f"input_tokens {response.usage.input_tokens}")
        check(response.usage.output_tokens > 0, f"output_tokens {response.usage.output_tokens}")

    return run


def openai_responses_stream(provider: str, sdk: str = "openai") -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        raw = ctx.sdk(sdk).responses.with_raw_response.create(
            model=MODEL[provider], input="What is the capital of France? One sentence.", stream=True
        )
        check_route(raw.headers, provider)
        events = list(raw.parse())
        types = [e.type for e in events]
        check(len(events) > 1, f"{len(events)} event(s)")
        check(types[0] == "response.created", f"first event {types[0]!r}")
        check(types[-1] == "response.completed", f"last event {types[-1]!r}; types {types}")
        # Recordings older than `sequence_number` pass through without it; a translated
        # stream is the gateway's own and must number its events.
        numbers = [getattr(e, "sequence_number", None) for e in events]
        if provider not in ("openai", "azure") or any(n is not None for n in numbers):
            check(None not in numbers, f"events without sequence_number: {numbers}")
            check(
                all(a < b for a, b in zip(numbers, numbers[1:])),
                f"sequence_numbers not increasing: {numbers}",
            )
        text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        check(text.strip(), f"no output_text deltas; types {types}")
        done = [e.text for e in events if e.type == "response.output_text.done"]
        check(done and done[-1] == text, f"output_text.done {short(done)} != deltas {short(text)}")
        final = events[-1].response
        check(final.status == "completed", f"final status {final.status!r}")
        check(final.output_text == text, f"final output_text {short(final.output_text)} != {short(text)}")
        check(final.usage is not None and final.usage.output_tokens > 0, f"final usage {final.usage}")

    return run


RESPONSES_TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": WEATHER_SCHEMA,
        "strict": False,
    }
]


def openai_responses_tool(provider: str) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        # Same protocol: passthrough to the upstream's Responses API; else Messages/Gemini.
        api = "responses" if provider == "openai" else None
        model, name, arguments = recorded_tool_call(ctx, provider, api)
        raw = ctx.openai().responses.with_raw_response.create(
            model=model, input="Use the tool.", tools=RESPONSES_TOOLS
        )
        check_route(raw.headers, provider)
        response = raw.parse()
        calls = [item for item in response.output if item.type == "function_call"]
        check(len(calls) == 1, f"{len(calls)} function_call item(s): {short(response.output)}")
        check(calls[0].call_id, "function_call without call_id")
        check(calls[0].name == name, f"name {calls[0].name!r}, recorded {name!r}")
        got = json.loads(calls[0].arguments)
        check(got == arguments, f"arguments {short(got)}, recorded {short(arguments)}")

    return run


for _p in ["openai", "anthropic", "gemini", "azure"]:
    case(f"openai.responses plain via {_p}")(openai_responses_plain(_p))
    case(f"openai.responses stream via {_p}")(openai_responses_stream(_p))
for _p in ["azure", "openai"]:
    case(f"AzureOpenAI responses plain via {_p}")(openai_responses_plain(_p, "azure"))
    case(f"AzureOpenAI responses stream via {_p}")(openai_responses_stream(_p, "azure"))
for _p in ["openai", "anthropic", "gemini"]:
    case(f"openai.responses tool call via {_p}")(openai_responses_tool(_p))


# ---------------------------------------------------------------------------------------
# OpenAI SDK: embeddings, models


@case("openai.embeddings via openai")
def _(ctx: Ctx) -> None:
    raw = ctx.openai().embeddings.with_raw_response.create(model=EMBED_MODEL, input="hello world")
    check_route(raw.headers, "openai")
    result = raw.parse()
    check(result.object == "list", f"object {result.object!r}")
    check(len(result.data) >= 1, "no embeddings")
    vector = result.data[0].embedding
    check(isinstance(vector, list) and len(vector) > 8, f"embedding {short(vector)}")
    check(all(isinstance(x, float) for x in vector), "embedding values are not floats")
    check(result.usage.prompt_tokens > 0, f"usage {result.usage}")


@case("openai.embeddings float format via openai")
def _(ctx: Ctx) -> None:
    result = ctx.openai().embeddings.create(
        model=EMBED_MODEL, input=["hello", "world"], encoding_format="float"
    )
    check(len(result.data) >= 1, "no embeddings")
    check(all(len(d.embedding) > 8 for d in result.data), "an empty embedding")


@case("openai.models.list")
def _(ctx: Ctx) -> None:
    ids = [m.id for m in ctx.openai().models.list()]
    expected = set(MODEL.values()) | {EMBED_MODEL}
    check(expected <= set(ids), f"models {ids}, missing {sorted(expected - set(ids))}")


# ---------------------------------------------------------------------------------------
# Anthropic SDK

ANTHROPIC_TOOLS = [
    {"name": "get_weather", "description": "Current weather for a city", "input_schema": WEATHER_SCHEMA}
]


def anthropic_plain(provider: str) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        raw = ctx.anthropic().messages.with_raw_response.create(
            model=MODEL[provider], max_tokens=300, messages=CHAT_MESSAGES
        )
        check_route(raw.headers, provider)
        message = raw.parse()
        check(message.type == "message", f"type {message.type!r}")
        check(message.role == "assistant", f"role {message.role!r}")
        texts = [b.text for b in message.content if b.type == "text"]
        check(texts and "".join(texts).strip(), f"no text: {short(message.content)}")
        check(message.stop_reason == "end_turn", f"stop_reason {message.stop_reason!r}")
        check(message.usage.input_tokens > 0, f"input_tokens {message.usage.input_tokens}")
        check(message.usage.output_tokens > 0, f"output_tokens {message.usage.output_tokens}")

    return run


def anthropic_stream(provider: str) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        with ctx.anthropic().messages.stream(
            model=MODEL[provider], max_tokens=300, messages=CHAT_MESSAGES
        ) as stream:
            check_route(stream.response.headers, provider)
            events = list(stream)
            message = stream.get_final_message()
        types = [e.type for e in events]
        check(len(events) > 1, f"{len(events)} event(s)")
        check(types[0] == "message_start", f"first event {types[0]!r}")
        check(types[-1] == "message_stop", f"last event {types[-1]!r}")
        check("message_delta" in types, f"no message_delta; types {types}")
        text = "".join(
            e.delta.text
            for e in events
            if e.type == "content_block_delta" and e.delta.type == "text_delta"
        )
        check(text.strip(), f"no text deltas; types {types}")
        final_text = "".join(b.text for b in message.content if b.type == "text")
        check(final_text == text, f"final text {short(final_text)} != deltas {short(text)}")
        check(message.stop_reason == "end_turn", f"stop_reason {message.stop_reason!r}")
        check(message.usage.output_tokens > 0, f"output_tokens {message.usage.output_tokens}")
        check(message.usage.input_tokens > 0, f"input_tokens {message.usage.input_tokens}")

    return run


def anthropic_tool(provider: str) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        model, name, arguments = recorded_tool_call(ctx, provider)
        raw = ctx.anthropic().messages.with_raw_response.create(
            model=model,
            max_tokens=300,
            messages=[{"role": "user", "content": "Use the tool."}],
            tools=ANTHROPIC_TOOLS,
        )
        check_route(raw.headers, provider)
        message = raw.parse()
        check(message.stop_reason == "tool_use", f"stop_reason {message.stop_reason!r}")
        uses = [b for b in message.content if b.type == "tool_use"]
        check(len(uses) == 1, f"{len(uses)} tool_use block(s): {short(message.content)}")
        check(uses[0].id, "tool_use without id")
        check(uses[0].name == name, f"name {uses[0].name!r}, recorded {name!r}")
        check(uses[0].input == arguments, f"input {short(uses[0].input)}, recorded {short(arguments)}")

    return run


def anthropic_tool_stream(provider: str) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        with ctx.anthropic().messages.stream(
            model=MODEL[provider],
            max_tokens=300,
            messages=[{"role": "user", "content": "Use the tool."}],
            tools=ANTHROPIC_TOOLS,
        ) as stream:
            check_route(stream.response.headers, provider)
            events = list(stream)
            message = stream.get_final_message()
        check(len(events) > 1, f"{len(events)} event(s)")
        uses = [b for b in message.content if b.type == "tool_use"]
        check(uses, f"no tool_use block: {short(message.content)}")
        for use in uses:
            check(use.id and use.name, f"tool_use without id/name: {use}")
            check(isinstance(use.input, dict), f"input not an object: {use.input!r}")
        check(message.stop_reason == "tool_use", f"stop_reason {message.stop_reason!r}")

    return run


for _p in ["anthropic", "openai", "gemini", "azure"]:
    case(f"anthropic.messages plain via {_p}")(anthropic_plain(_p))
    case(f"anthropic.messages stream via {_p}")(anthropic_stream(_p))
for _p in ["anthropic", "openai", "gemini"]:
    case(f"anthropic.messages tool use via {_p}")(anthropic_tool(_p))
for _p in ["anthropic", "openai", "gemini"]:
    case(f"anthropic.messages tool use stream via {_p}")(anthropic_tool_stream(_p))


def anthropic_tool_result(provider: str) -> Callable[[Ctx], None]:
    """`system` and a finished tool_use / tool_result pair are translated and accepted."""

    def run(ctx: Ctx) -> None:
        raw = ctx.anthropic().messages.with_raw_response.create(
            model=MODEL[provider],
            max_tokens=300,
            system="You are terse.",
            tools=ANTHROPIC_TOOLS,
            messages=[
                {"role": "user", "content": "What is the weather in Paris?"},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "text", "text": "Let me check."},
                        {
                            "type": "tool_use",
                            "id": "toolu_weather_1",
                            "name": "get_weather",
                            "input": {"city": "Paris"},
                        },
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "toolu_weather_1", "content": "18 C, sunny"}
                    ],
                },
            ],
        )
        check_route(raw.headers, provider)
        message = raw.parse()
        check(message.content, f"empty content: {short(message)}")

    return run


for _p in ["anthropic", "openai", "gemini"]:
    case(f"anthropic.messages tool result round trip via {_p}")(anthropic_tool_result(_p))


@case("anthropic.messages.count_tokens via anthropic")
def _(ctx: Ctx) -> None:
    raw = ctx.anthropic().messages.with_raw_response.count_tokens(
        model=MODEL["anthropic"], messages=CHAT_MESSAGES
    )
    check_route(raw.headers, "anthropic")
    count = raw.parse()
    check(count.input_tokens > 0, f"input_tokens {count.input_tokens}")


@case("anthropic.models.list")
def _(ctx: Ctx) -> None:
    ids = [m.id for m in ctx.anthropic().models.list()]
    check(set(MODEL.values()) <= set(ids), f"models {ids}")


# ---------------------------------------------------------------------------------------
# google-genai


def genai_headers(response: Any) -> Any:
    http = getattr(response, "sdk_http_response", None)
    check(http is not None and http.headers is not None, "no sdk_http_response headers")
    return {k.lower(): v for k, v in http.headers.items()}


def genai_plain(provider: str) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        response = ctx.genai().models.generate_content(
            model=MODEL[provider], contents="What is the capital of France? One sentence."
        )
        check_route(genai_headers(response), provider)
        check(response.text and response.text.strip(), f"empty text: {short(response)}")
        candidate = response.candidates[0]
        check(
            candidate.finish_reason == gtypes.FinishReason.STOP,
            f"finish_reason {candidate.finish_reason!r}",
        )
        usage = response.usage_metadata
        check(usage is not None, "no usage_metadata")
        check((usage.prompt_token_count or 0) > 0, f"prompt_token_count {usage.prompt_token_count}")
        check(
            (usage.candidates_token_count or 0) > 0,
            f"candidates_token_count {usage.candidates_token_count}",
        )

    return run


def genai_stream(provider: str) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        chunks = list(
            ctx.genai().models.generate_content_stream(
                model=MODEL[provider], contents="What is the capital of France? One sentence."
            )
        )
        check(len(chunks) > 1, f"{len(chunks)} chunk(s)")
        check_route(genai_headers(chunks[0]), provider)
        text = "".join(c.text or "" for c in chunks)
        check(text.strip(), "the streamed text is empty")
        reasons = [
            c.candidates[0].finish_reason
            for c in chunks
            if c.candidates and c.candidates[0].finish_reason
        ]
        check(reasons == [gtypes.FinishReason.STOP], f"finish_reasons {reasons}")
        usage = [c.usage_metadata for c in chunks if c.usage_metadata is not None]
        check(usage, "no usage_metadata in any chunk")
        check((usage[-1].candidates_token_count or 0) > 0, f"last usage {usage[-1]}")

    return run


GENAI_TOOLS = [
    gtypes.Tool(
        function_declarations=[
            gtypes.FunctionDeclaration(
                name="get_weather",
                description="Current weather for a city",
                parameters_json_schema=WEATHER_SCHEMA,
            )
        ]
    )
]


def genai_tool(provider: str) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        model, name, arguments = recorded_tool_call(ctx, provider)
        response = ctx.genai().models.generate_content(
            model=model,
            contents="Use the tool.",
            config=gtypes.GenerateContentConfig(tools=GENAI_TOOLS),
        )
        check_route(genai_headers(response), provider)
        calls = response.function_calls or []
        check(len(calls) == 1, f"{len(calls)} function call(s): {short(response.candidates)}")
        check(calls[0].name == name, f"name {calls[0].name!r}, recorded {name!r}")
        check(calls[0].args == arguments, f"args {short(calls[0].args)}, recorded {short(arguments)}")

    return run


def genai_tool_stream(provider: str) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        chunks = list(
            ctx.genai().models.generate_content_stream(
                model=MODEL[provider],
                contents="Use the tool.",
                config=gtypes.GenerateContentConfig(tools=GENAI_TOOLS),
            )
        )
        check(chunks, "no chunks")
        check_route(genai_headers(chunks[0]), provider)
        calls = [call for c in chunks for call in (c.function_calls or [])]
        check(calls, "no function call in the stream")
        for call in calls:
            check(call.name, f"function call without name: {call}")
            check(isinstance(call.args, dict), f"args not an object: {call.args!r}")

    return run


for _p in ["gemini", "openai", "anthropic"]:
    case(f"genai.generate_content plain via {_p}")(genai_plain(_p))
    case(f"genai.generate_content stream via {_p}")(genai_stream(_p))
for _p in ["gemini", "openai", "anthropic"]:
    case(f"genai.generate_content function call via {_p}")(genai_tool(_p))
for _p in ["gemini", "openai", "anthropic"]:
    case(f"genai.generate_content function call stream via {_p}")(genai_tool_stream(_p))


def genai_tool_result(provider: str) -> Callable[[Ctx], None]:
    """system_instruction and a finished function call / response pair are accepted."""

    def run(ctx: Ctx) -> None:
        response = ctx.genai().models.generate_content(
            model=MODEL[provider],
            contents=[
                gtypes.Content(role="user", parts=[gtypes.Part(text="What is the weather in Paris?")]),
                gtypes.Content(
                    role="model",
                    parts=[
                        gtypes.Part(
                            function_call=gtypes.FunctionCall(
                                name="get_weather", args={"city": "Paris"}
                            )
                        )
                    ],
                ),
                gtypes.Content(
                    role="user",
                    parts=[
                        gtypes.Part(
                            function_response=gtypes.FunctionResponse(
                                name="get_weather", response={"result": "18 C, sunny"}
                            )
                        )
                    ],
                ),
            ],
            config=gtypes.GenerateContentConfig(
                system_instruction="You are terse.", tools=GENAI_TOOLS
            ),
        )
        check_route(genai_headers(response), provider)
        check(response.candidates, f"no candidates: {short(response)}")
        parts = (response.candidates[0].content.parts if response.candidates[0].content else None) or []
        check(
            any(p.text or p.function_call for p in parts),
            f"empty reply: {short(response.candidates)}",
        )

    return run


for _p in ["gemini", "openai", "anthropic"]:
    case(f"genai.generate_content function response round trip via {_p}")(genai_tool_result(_p))


@case("genai.count_tokens via gemini")
def _(ctx: Ctx) -> None:
    result = ctx.genai().models.count_tokens(
        model=MODEL["gemini"], contents="What is the capital of France?"
    )
    check((result.total_tokens or 0) > 0, f"total_tokens {result.total_tokens}")


# ---------------------------------------------------------------------------------------
# Errors: each SDK's own typed error


def expect_raises(kind: type[BaseException] | tuple, fn: Callable[[], Any]) -> Any:
    try:
        result = fn()
    except kind as e:
        return e
    except Exception as e:  # noqa: BLE001 - reported
        raise Fail(f"expected {kind}, got {type(e).__module__}.{type(e).__name__}: {short(str(e))}")
    raise Fail(f"expected {kind}, got a result: {short(result)}")


@case("openai error: unknown model -> NotFoundError")
def _(ctx: Ctx) -> None:
    e = expect_raises(
        openai.NotFoundError,
        lambda: ctx.openai().chat.completions.create(model=UNKNOWN_MODEL, messages=CHAT_MESSAGES),
    )
    check(e.status_code == 404, f"status {e.status_code}")
    check(isinstance(e.body, dict) and e.body.get("message"), f"error body {short(e.body)}")
    check(e.code == "model_not_found", f"code {e.code!r}")


@case("openai error: wrong key -> AuthenticationError")
def _(ctx: Ctx) -> None:
    e = expect_raises(
        openai.AuthenticationError,
        lambda: ctx.openai(key="wrong-key").chat.completions.create(
            model=MODEL["openai"], messages=CHAT_MESSAGES
        ),
    )
    check(e.status_code == 401, f"status {e.status_code}")
    check(isinstance(e.body, dict) and e.body.get("message"), f"error body {short(e.body)}")


@case("openai error: wrong key on stream -> AuthenticationError")
def _(ctx: Ctx) -> None:
    expect_raises(
        openai.AuthenticationError,
        lambda: list(
            ctx.openai(key="wrong-key").chat.completions.create(
                model=MODEL["openai"], messages=CHAT_MESSAGES, stream=True
            )
        ),
    )


REPEAT = 20


@case(f"openai error: wrong key {REPEAT}x on one client -> AuthenticationError each time")
def _(ctx: Ctx) -> None:
    # An early error must leave the kept-alive connection usable (or say `Connection: close`):
    # with retries off, a connection closed under the pool surfaces as APIConnectionError.
    client = ctx.openai(key="wrong-key")
    for i in range(REPEAT):
        try:
            client.chat.completions.create(model=MODEL["openai"], messages=CHAT_MESSAGES, tools=OPENAI_TOOLS)
        except openai.AuthenticationError:
            continue
        except Exception as e:  # noqa: BLE001 - reported
            raise Fail(f"request {i + 1}: {type(e).__name__}: {short(str(e))} (cause: {e.__cause__!r})")
        raise Fail(f"request {i + 1} succeeded with a wrong key")


@case("openai error: recorded anthropic 404 translated -> NotFoundError")
def _(ctx: Ctx) -> None:
    model = recorded_error(ctx, "anthropic", "messages", 404)
    e = expect_raises(
        openai.NotFoundError,
        lambda: ctx.openai().chat.completions.create(model=model, messages=CHAT_MESSAGES),
    )
    check(isinstance(e.body, dict) and e.body.get("message"), f"error body {short(e.body)}")


@case("anthropic error: unknown model -> NotFoundError")
def _(ctx: Ctx) -> None:
    e = expect_raises(
        anthropic.NotFoundError,
        lambda: ctx.anthropic().messages.create(
            model=UNKNOWN_MODEL, max_tokens=10, messages=CHAT_MESSAGES
        ),
    )
    check(e.status_code == 404, f"status {e.status_code}")
    error = e.body.get("error") if isinstance(e.body, dict) else None
    check(
        isinstance(e.body, dict) and e.body.get("type") == "error" and isinstance(error, dict),
        f"error body {short(e.body)}",
    )
    check(error.get("type") == "not_found_error", f"error type {error.get('type')!r}")
    check(error.get("message"), "no error message")


@case("anthropic error: wrong key -> AuthenticationError")
def _(ctx: Ctx) -> None:
    e = expect_raises(
        anthropic.AuthenticationError,
        lambda: ctx.anthropic(key="wrong-key").messages.create(
            model=MODEL["anthropic"], max_tokens=10, messages=CHAT_MESSAGES
        ),
    )
    check(e.status_code == 401, f"status {e.status_code}")
    error = e.body.get("error") if isinstance(e.body, dict) else None
    check(isinstance(error, dict), f"error body {short(e.body)}")
    check(error.get("type") == "authentication_error", f"error type {error.get('type')!r}")


@case(f"anthropic error: wrong key {REPEAT}x on one client -> AuthenticationError each time")
def _(ctx: Ctx) -> None:
    client = ctx.anthropic(key="wrong-key")
    for i in range(REPEAT):
        try:
            client.messages.create(
                model=MODEL["anthropic"], max_tokens=10, messages=CHAT_MESSAGES, tools=ANTHROPIC_TOOLS
            )
        except anthropic.AuthenticationError:
            continue
        except Exception as e:  # noqa: BLE001 - reported
            raise Fail(f"request {i + 1}: {type(e).__name__}: {short(str(e))} (cause: {e.__cause__!r})")
        raise Fail(f"request {i + 1} succeeded with a wrong key")


@case("anthropic error: recorded openai 404 translated -> NotFoundError")
def _(ctx: Ctx) -> None:
    model = recorded_error(ctx, "openai", "chat.completions", 404)
    e = expect_raises(
        anthropic.NotFoundError,
        lambda: ctx.anthropic().messages.create(model=model, max_tokens=10, messages=CHAT_MESSAGES),
    )
    error = e.body.get("error") if isinstance(e.body, dict) else None
    check(isinstance(error, dict) and error.get("type") == "not_found_error", f"error body {short(e.body)}")


@case("genai error: unknown model -> ClientError 404")
def _(ctx: Ctx) -> None:
    e = expect_raises(
        genai_errors.ClientError,
        lambda: ctx.genai().models.generate_content(model=UNKNOWN_MODEL, contents="hi"),
    )
    check(e.code == 404, f"code {e.code}")
    check(e.status == "NOT_FOUND", f"status {e.status!r}")
    check(e.message, "no message")


@case("genai error: wrong key -> ClientError 401")
def _(ctx: Ctx) -> None:
    e = expect_raises(
        genai_errors.ClientError,
        lambda: ctx.genai(key="wrong-key").models.generate_content(
            model=MODEL["gemini"], contents="hi"
        ),
    )
    check(e.code == 401, f"code {e.code}")
    check(e.status == "UNAUTHENTICATED", f"status {e.status!r}")


@case(f"genai error: wrong key {REPEAT}x on one client -> ClientError 401 each time")
def _(ctx: Ctx) -> None:
    client = ctx.genai(key="wrong-key")
    for i in range(REPEAT):
        try:
            client.models.generate_content(
                model=MODEL["gemini"],
                contents="What is the weather in Paris?",
                config=gtypes.GenerateContentConfig(tools=GENAI_TOOLS),
            )
        except genai_errors.ClientError as e:
            check(e.code == 401, f"request {i + 1}: code {e.code}")
            continue
        except Exception as e:  # noqa: BLE001 - reported
            raise Fail(f"request {i + 1}: {type(e).__module__}.{type(e).__name__}: {short(str(e))}")
        raise Fail(f"request {i + 1} succeeded with a wrong key")


@case("genai error: recorded anthropic 404 translated -> ClientError 404")
def _(ctx: Ctx) -> None:
    model = recorded_error(ctx, "anthropic", "messages", 404)
    e = expect_raises(
        genai_errors.ClientError,
        lambda: ctx.genai().models.generate_content(model=model, contents="hi"),
    )
    check(e.code == 404, f"code {e.code}")
    check(e.status == "NOT_FOUND", f"status {e.status!r}")


# ---------------------------------------------------------------------------------------
# HTTP keep-alive after an early error. The SDKs pool connections; an error answered before
# the request body was read must either leave the connection usable or say
# `Connection: close`, else the next request on the pooled connection fails with a transport
# error ("Server disconnected without sending a response") - deterministic here by sending
# the body in a second segment, as a client under load does by chance.


def _early_error_keeps_connection(ctx: Ctx, path: str, auth: str, good_auth: str) -> None:
    from urllib.parse import urlsplit

    url = urlsplit(ctx.gateway)
    body = json.dumps(
        {"model": MODEL["openai"], "messages": CHAT_MESSAGES, "contents": [{"parts": [{"text": "hi"}]}]}
    ).encode()

    def head(auth_header: str) -> bytes:
        return (
            f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\n{auth_header}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()

    with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
        sock.sendall(head(auth))
        time.sleep(0.2)  # the body comes in a later segment
        first = sock.recv(65536).decode("latin-1")
        status_line, _, rest = first.partition("\r\n")
        headers = rest.split("\r\n\r\n")[0].lower()
        check(status_line.split(" ")[1:2] != ["200"], f"first request answered {status_line!r}")
        if "connection: close" in headers:
            return  # the server said it closes: a client opens a new connection
        try:
            sock.sendall(body)
            time.sleep(0.05)
            sock.sendall(head(good_auth) + body)
            second = sock.recv(65536)
        except OSError as e:
            raise Fail(
                f"{status_line!r} without `Connection: close`, then the connection was closed: "
                f"the next request on it failed ({e})"
            )
        check(
            second,
            f"{status_line!r} without `Connection: close`, then the server closed the "
            "connection without answering the next request on it",
        )


@case("http: keep-alive after 401 on /v1/chat/completions (body after headers)")
def _(ctx: Ctx) -> None:
    _early_error_keeps_connection(
        ctx, "/v1/chat/completions", "Authorization: Bearer wrong-key", f"Authorization: Bearer {ctx.key}"
    )


@case("http: keep-alive after 401 on :generateContent (body after headers)")
def _(ctx: Ctx) -> None:
    _early_error_keeps_connection(
        ctx,
        f"/v1beta/models/{MODEL['gemini']}:generateContent",
        "x-goog-api-key: wrong-key",
        f"x-goog-api-key: {ctx.key}",
    )


@case("http: keep-alive after 404 for an unknown endpoint (body after headers)")
def _(ctx: Ctx) -> None:
    _early_error_keeps_connection(
        ctx, "/v1/no-such-endpoint", f"Authorization: Bearer {ctx.key}", f"Authorization: Bearer {ctx.key}"
    )


# ---------------------------------------------------------------------------------------
# Virtual keys: keys created through the admin API (`POST /admin/keys`, the admin key from
# `--admin-key` / AIGW_ADMIN_KEY), presented by each SDK in its own way with nothing changed
# but the key. Refusals must surface as each SDK's own typed error: a model outside the key's
# allow-list 403, an expired or revoked key 401, a request over the key's limit 429. The
# clients must not retry a 429 themselves: openai/anthropic have max_retries=0 (by default
# they would wait out the gateway's retry-after, up to a minute, and then succeed);
# google-genai 3.6 retries only with HttpRetryOptions (attempts=1 here: one attempt). The
# gateway's 429 counter moving by exactly one shows that the 429 was sent once.

VKEY_APIS = ["openai.chat", "openai.responses", "anthropic.messages", "genai.generate_content"]

# The route each API asks for (its own provider), and one outside a key's allow-list.
VKEY_MODEL = {
    "openai.chat": MODEL["openai"],
    "openai.responses": MODEL["openai"],
    "anthropic.messages": MODEL["anthropic"],
    "genai.generate_content": MODEL["gemini"],
}
VKEY_OTHER_MODEL = {
    "openai.chat": MODEL["anthropic"],
    "openai.responses": MODEL["gemini"],
    "anthropic.messages": MODEL["openai"],
    "genai.generate_content": MODEL["anthropic"],
}

# The SDK's error class for a gateway status (google-genai: ClientError with `code`).
SDK_ERROR = {
    "openai": {
        401: openai.AuthenticationError,
        403: openai.PermissionDeniedError,
        429: openai.RateLimitError,
    },
    "anthropic": {
        401: anthropic.AuthenticationError,
        403: anthropic.PermissionDeniedError,
        429: anthropic.RateLimitError,
    },
}
OPENAI_CODE = {401: "invalid_api_key", 403: "model_not_allowed", 429: "rate_limit_exceeded"}
ANTHROPIC_TYPE = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}
GOOGLE_STATUS = {401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED"}

_vkey_serial = 0


def admin_request(ctx: Ctx, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
    """An admin API call with plain urllib: (status, JSON body)."""
    import urllib.error
    import urllib.request

    check(ctx.admin_key, "no admin key (--admin-key or AIGW_ADMIN_KEY): cannot create virtual keys")
    request = urllib.request.Request(
        f"{ctx.gateway}/admin{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {ctx.admin_key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text.decode("utf-8", "replace")


def create_key(ctx: Ctx, api: str, **fields: Any) -> tuple[str, str]:
    """(id, secret) of a new store key named after the case."""
    global _vkey_serial
    _vkey_serial += 1
    body = {"name": f"sdk-{api}-{_vkey_serial}", **fields}
    status, created = admin_request(ctx, "POST", "/keys", body)
    check(status == 201, f"POST /admin/keys {body}: {status} {short(created)}")
    check(isinstance(created, dict), f"POST /admin/keys answered {short(created)}")
    secret, key_id = created.get("secret"), created.get("id")
    check(
        isinstance(secret, str) and secret.startswith("sk-aigw-"),
        f"secret {short(secret)} (expected sk-aigw-…)",
    )
    check(isinstance(key_id, str) and key_id, f"no id in {short(created)}")
    return key_id, secret


def vkey_call(ctx: Ctx, api: str, key: str, model: str, stream: bool = False) -> dict[str, str]:
    """One request of `api` through its SDK, with a fresh client holding `key`; checks the
    answer has content and returns the HTTP headers (lower-case names) the SDK saw."""
    if api == "openai.chat":
        client = ctx.openai(key)
        if stream:
            raw = client.chat.completions.with_raw_response.create(
                model=model, messages=CHAT_MESSAGES, stream=True
            )
            chunks = list(raw.parse())
            text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        else:
            raw = client.chat.completions.with_raw_response.create(
                model=model, messages=CHAT_MESSAGES, max_completion_tokens=200
            )
            text = raw.parse().choices[0].message.content or ""
        headers = raw.headers
    elif api == "openai.responses":
        client = ctx.openai(key)
        raw = client.responses.with_raw_response.create(
            model=model, input="What is the capital of France? One sentence.", stream=stream
        )
        if stream:
            text = "".join(e.delta for e in raw.parse() if e.type == "response.output_text.delta")
        else:
            text = raw.parse().output_text
        headers = raw.headers
    elif api == "anthropic.messages":
        client = ctx.anthropic(key)
        if stream:
            with client.messages.stream(model=model, max_tokens=300, messages=CHAT_MESSAGES) as s:
                headers = s.response.headers
                text = "".join(s.text_stream)
        else:
            raw = client.messages.with_raw_response.create(
                model=model, max_tokens=300, messages=CHAT_MESSAGES
            )
            text = "".join(b.text for b in raw.parse().content if b.type == "text")
            headers = raw.headers
    elif api == "genai.generate_content":
        client = ctx.genai(key)
        prompt = "What is the capital of France? One sentence."
        if stream:
            chunks = list(client.models.generate_content_stream(model=model, contents=prompt))
            check(chunks, "no chunks")
            text = "".join(c.text or "" for c in chunks)
            headers = genai_headers(chunks[0])
        else:
            response = client.models.generate_content(model=model, contents=prompt)
            text = response.text or ""
            headers = genai_headers(response)
    else:
        raise Fail(f"unknown api {api}")
    check(text.strip(), f"{api}{' stream' if stream else ''}: empty answer")
    return {k.lower(): v for k, v in dict(headers).items()}


def expect_sdk_error(api: str, status: int, fn: Callable[[], Any]) -> tuple[str, Any]:
    """`fn` raises the SDK's own error for `status`, in the client protocol's shape; its
    (message, HTTP headers)."""
    sdk = api.split(".")[0]
    if sdk == "genai":
        e = expect_raises(genai_errors.ClientError, fn)
        check(e.code == status, f"code {e.code}, expected {status}: {short(str(e))}")
        expected = GOOGLE_STATUS[status]
        check(e.status == expected, f"status {e.status!r}, expected {expected!r}")
        check(e.message, "no message")
        return e.message, e.response.headers
    e = expect_raises(SDK_ERROR[sdk][status], fn)
    check(e.status_code == status, f"status {e.status_code}")
    if sdk == "openai":
        check(isinstance(e.body, dict) and e.body.get("message"), f"error body {short(e.body)}")
        check(e.code == OPENAI_CODE[status], f"code {e.code!r}, expected {OPENAI_CODE[status]!r}")
        message = e.body["message"]
    else:
        error = e.body.get("error") if isinstance(e.body, dict) else None
        check(
            isinstance(e.body, dict) and e.body.get("type") == "error" and isinstance(error, dict),
            f"error body {short(e.body)}",
        )
        check(
            error.get("type") == ANTHROPIC_TYPE[status],
            f"error type {error.get('type')!r}, expected {ANTHROPIC_TYPE[status]!r}",
        )
        message = error.get("message") or ""
    return message, e.response.headers


def rate_limited_total(ctx: Ctx) -> int:
    """The gateway's `aigw_rate_limited_total{limit="requests"}`."""
    import urllib.request

    with urllib.request.urlopen(f"{ctx.gateway}/metrics", timeout=TIMEOUT_S) as response:
        text = response.read().decode()
    for line in text.splitlines():
        if line.startswith('aigw_rate_limited_total{limit="requests"} '):
            return int(float(line.split()[-1]))
    return 0


def vkey_valid(api: str) -> Callable[[Ctx], None]:
    """A store key allowed this route answers, plain and streamed."""

    def run(ctx: Ctx) -> None:
        _, secret = create_key(ctx, api, models=[VKEY_MODEL[api]])
        for stream in (False, True):
            headers = vkey_call(ctx, api, secret, VKEY_MODEL[api], stream=stream)
            check(headers.get("x-aigw-route"), f"no x-aigw-route (stream={stream}): {headers}")

    return run


def vkey_forbidden_model(api: str) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        _, secret = create_key(ctx, api, models=[VKEY_OTHER_MODEL[api]])
        message, _ = expect_sdk_error(api, 403, lambda: vkey_call(ctx, api, secret, VKEY_MODEL[api]))
        check("may not use model" in message, f"message {message!r}")
        # The model it does allow answers.
        vkey_call(ctx, api, secret, VKEY_OTHER_MODEL[api])

    return run


def vkey_expired(api: str) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        _, secret = create_key(ctx, api, expires_at="2020-01-01T00:00:00Z")
        message, _ = expect_sdk_error(api, 401, lambda: vkey_call(ctx, api, secret, VKEY_MODEL[api]))
        check("expired" in message, f"message {message!r}")

    return run


def vkey_revoked(api: str) -> Callable[[Ctx], None]:
    """The key answers, is revoked through the admin API, then gets 401 (same client)."""

    def run(ctx: Ctx) -> None:
        key_id, secret = create_key(ctx, api)
        vkey_call(ctx, api, secret, VKEY_MODEL[api])
        status, revoked = admin_request(ctx, "POST", f"/keys/{key_id}/revoke")
        check(status == 200, f"POST /admin/keys/{key_id}/revoke: {status} {short(revoked)}")
        check(revoked.get("status") == "revoked", f"revoke answered {short(revoked)}")
        message, _ = expect_sdk_error(api, 401, lambda: vkey_call(ctx, api, secret, VKEY_MODEL[api]))
        check("revoked" in message, f"message {message!r}")

    return run


def vkey_rate_limited(api: str) -> Callable[[Ctx], None]:
    """rpm 2: two answers counting x-ratelimit-remaining-requests down (read through the SDK),
    then the SDK's rate-limit error with retry-after, sent once (no retry by the SDK); a
    stream over the limit too."""

    def run(ctx: Ctx) -> None:
        _, secret = create_key(ctx, api, limits={"rpm": 2})
        for remaining in ("1", "0"):
            headers = vkey_call(ctx, api, secret, VKEY_MODEL[api])
            check(
                headers.get("x-ratelimit-limit-requests") == "2",
                f"x-ratelimit-limit-requests {headers.get('x-ratelimit-limit-requests')!r}",
            )
            check(
                headers.get("x-ratelimit-remaining-requests") == remaining,
                f"x-ratelimit-remaining-requests {headers.get('x-ratelimit-remaining-requests')!r}, "
                f"expected {remaining!r}",
            )
        before = rate_limited_total(ctx)
        started = time.monotonic()
        message, headers = expect_sdk_error(
            api, 429, lambda: vkey_call(ctx, api, secret, VKEY_MODEL[api])
        )
        took = time.monotonic() - started
        check("rate limit of 2 requests per minute" in message, f"message {message!r}")
        retry = headers.get("retry-after")
        check(retry is not None and 1 <= int(retry) <= 60, f"retry-after {retry!r}")
        remaining = headers.get("x-ratelimit-remaining-requests")
        check(remaining == "0", f"x-ratelimit-remaining-requests on the 429: {remaining!r}")
        refused = rate_limited_total(ctx) - before
        check(refused == 1, f"the gateway refused {refused} request(s): the SDK retried the 429")
        check(took < 5, f"the 429 took {took:.1f} s to surface (a retry with back-off?)")
        # A stream over the limit: the same error, before any event.
        expect_sdk_error(
            api, 429, lambda: vkey_call(ctx, api, secret, VKEY_MODEL[api], stream=True)
        )

    return run


for _api in VKEY_APIS:
    case(f"virtual key {_api}: valid key -> answered (plain, stream)")(vkey_valid(_api))
    case(f"virtual key {_api}: model outside the allow-list -> 403 permission denied")(
        vkey_forbidden_model(_api)
    )
    case(f"virtual key {_api}: expired key -> 401 authentication")(vkey_expired(_api))
    case(f"virtual key {_api}: revoked key -> 401 authentication")(vkey_revoked(_api))
    case(f"virtual key {_api}: rpm 2 -> third request 429 rate limit (plain, stream)")(
        vkey_rate_limited(_api)
    )


@case("virtual key openai.chat: x-ratelimit-* count down through with_raw_response")
def _(ctx: Ctx) -> None:
    _, secret = create_key(ctx, "openai.chat", limits={"rpm": 4, "tpm": 100000})
    client = ctx.openai(secret)
    seen_tokens = []
    for remaining in ("3", "2", "1", "0"):
        raw = client.chat.completions.with_raw_response.create(
            model=MODEL["openai"], messages=CHAT_MESSAGES, max_completion_tokens=200
        )
        check(raw.parse().choices, "no choices")
        h = raw.headers
        got = (h.get("x-ratelimit-limit-requests"), h.get("x-ratelimit-remaining-requests"))
        check(
            got == ("4", remaining),
            f"x-ratelimit limit/remaining requests {got}, expected ('4', {remaining!r})",
        )
        check(h.get("x-ratelimit-reset-requests"), "no x-ratelimit-reset-requests")
        limit_tokens = h.get("x-ratelimit-limit-tokens")
        check(limit_tokens == "100000", f"x-ratelimit-limit-tokens {limit_tokens!r}")
        tokens = int(h.get("x-ratelimit-remaining-tokens", "-1"))
        check(0 <= tokens < 100000, f"x-ratelimit-remaining-tokens {tokens}")
        seen_tokens.append(tokens)
    check(
        all(a > b for a, b in zip(seen_tokens, seen_tokens[1:])),
        f"x-ratelimit-remaining-tokens not counting down: {seen_tokens}",
    )


@case("virtual key: the admin API refuses a virtual key and a wrong admin key")
def _(ctx: Ctx) -> None:
    import urllib.error
    import urllib.request

    _, secret = create_key(ctx, "admin")
    for presented in (secret, "wrong-admin-key"):
        request = urllib.request.Request(
            f"{ctx.gateway}/admin/keys", headers={"Authorization": f"Bearer {presented}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                raise Fail(f"GET /admin/keys with {presented[:12]}… answered {response.status}")
        except urllib.error.HTTPError as e:
            check(e.code == 401, f"GET /admin/keys with {presented[:12]}…: {e.code}")


# ---------------------------------------------------------------------------------------
# Passthrough (files, batches, images, audio, …): tests/sdk/passthrough_cases.py

sys.path.insert(0, str(Path(__file__).resolve().parent))
import passthrough_cases  # noqa: E402

passthrough_cases.register(case, check, Fail)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gateway", required=True, help="the gateway's URL, http://HOST:PORT")
    parser.add_argument("--corpus", default=os.environ.get("AIGW_CORPUS"), help="corpus dir")
    parser.add_argument("--key", default=os.environ.get("AIGW_TEST_KEY"), help="gateway key")
    parser.add_argument(
        "--admin-key",
        default=os.environ.get("AIGW_ADMIN_KEY"),
        help="the gateway's admin key, to create virtual keys (default: $AIGW_ADMIN_KEY)",
    )
    parser.add_argument("-k", dest="only", action="append", help="run cases containing this")
    parser.add_argument("-v", "--verbose", action="store_true", help="tracebacks on failure")
    args = parser.parse_args()
    if not args.key:
        parser.error("no gateway key: pass --key or set AIGW_TEST_KEY")
    ctx = Ctx(args.gateway, args.key, Path(args.corpus) if args.corpus else None, args.admin_key)

    passed = failed = 0
    started = time.monotonic()
    for name, fn in CASES:
        if args.only and not any(s in name for s in args.only):
            continue
        try:
            fn(ctx)
        except Exception as e:  # noqa: BLE001 - every failure is a line
            failed += 1
            detail = str(e) if isinstance(e, Fail) else f"{type(e).__module__}.{type(e).__name__}: {e}"
            print(f"FAIL {name}: {' '.join(detail.split())}", flush=True)
            if args.verbose:
                traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print(f"ok   {name}", flush=True)
    print(f"({time.monotonic() - started:.1f} s)", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
