"""Passthrough cases: the provider endpoints the gateway does not translate (files, batches,
images, audio, vector stores; Anthropic batches and files; Gemini uploads, caches,
embeddings), with the official SDKs. Each checks, from the mock's record
(`GET /mock/requests`), that the upstream got the provider key (never the gateway key) and
the exact body bytes the SDK sent, and that the SDK got the mock's exact answer.
Registered into sdk_test.py's CASES by `register(case, check, Fail)`."""

from __future__ import annotations

import io
import json
import os
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable

import httpx2 as httpx

MOCK = os.environ.get("AIGW_SDK_MOCK_URL", "")
GATEWAY_PID = os.environ.get("AIGW_SDK_GATEWAY_PID", "")
KEYS = {
    "openai": os.environ.get("AIGW_SDK_OPENAI_KEY", ""),
    "anthropic": os.environ.get("AIGW_SDK_ANTHROPIC_KEY", ""),
    "gemini": os.environ.get("AIGW_SDK_GEMINI_KEY", ""),
}
DOWNLOAD_LEN = 300_000


def pattern(n: int) -> bytes:
    return bytes((i * 31 % 251) for i in range(n))


def mock_get(path: str) -> bytes:
    with urllib.request.urlopen(f"{MOCK}{path}", timeout=30) as r:
        return r.read()


def mock_mark() -> int:
    return len(json.loads(mock_get("/mock/requests")))


def received(since: int, path_part: str) -> tuple[dict, bytes]:
    """The last request after `since` whose path contains `path_part`, and its body."""
    found = [r for r in json.loads(mock_get(f"/mock/requests?from={since}")) if path_part in r["path"]]
    if not found:
        raise AssertionError(f"the mock received no request for {path_part!r}")
    r = found[-1]
    return r, mock_get(f"/mock/requests/{r['index']}/body")


class Capture:
    """httpx event hooks keeping what the SDK sent (body bytes) and got (response bytes)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self.got: list[bytes] = []

    def on_request(self, request: httpx.Request) -> None:
        self.sent.append((str(request.url), request.read()))

    def on_response(self, response: httpx.Response) -> None:
        response.read()
        self.got.append(response.content)

    def client(self) -> httpx.Client:
        return httpx.Client(
            event_hooks={"request": [self.on_request], "response": [self.on_response]},
            timeout=60,
        )


def register(case: Callable, check: Callable, Fail: type) -> None:  # noqa: N803
    def upstream_saw(r: dict, provider: str, ctx: Any) -> None:
        headers = {k: v for k, v in r["headers"]}
        values = " ".join(v for _, v in r["headers"])
        check(KEYS[provider] in values, f"upstream did not get the {provider} key: {headers}")
        check(ctx.key not in values, "upstream got the gateway key")

    def same_body(r: dict, body: bytes, sent: bytes, what: str) -> None:
        check(len(body) == len(sent), f"{what}: upstream got {len(body)} bytes, SDK sent {len(sent)}")
        check(body == sent, f"{what}: upstream body differs from what the SDK sent")

    def openai_client(ctx: Any, cap: Capture) -> Any:
        import openai

        return openai.OpenAI(api_key=ctx.key, base_url=f"{ctx.gateway}/v1", max_retries=0,
                             http_client=cap.client())

    def rss_kib(field: str) -> int:
        with open(f"/proc/{GATEWAY_PID}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return -1

    @case("passthrough openai: files.create 5 MB multipart streamed (gateway RSS stays below the file size)")
    def _(ctx: Any) -> None:
        check(GATEWAY_PID, "AIGW_SDK_GATEWAY_PID not set")
        cap = Capture()
        client = openai_client(ctx, cap)
        data = os.urandom(5 * 1024 * 1024)
        mark = mock_mark()
        before = rss_kib("VmRSS")
        peak = [before]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], rss_kib("VmRSS"))
                time.sleep(0.002)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            created = client.files.create(file=("big.jsonl", io.BytesIO(data)), purpose="batch")
        finally:
            done.set()
            sampler.join()
        grew = peak[0] - before
        print(f"     gateway RSS {before} KiB before, peak {peak[0]} KiB during the 5 MiB upload (+{grew} KiB)")
        check(grew < 5 * 1024, f"gateway RSS grew by {grew} KiB during a 5120 KiB upload")
        check(created.id == "file-mock-1", f"file id {created.id!r}")
        r, body = received(mark, "/v1/files")
        upstream_saw(r, "openai", ctx)
        same_body(r, body, cap.sent[-1][1], "files.create")
        check(data in body, "the file's bytes are not in the upstream body")
        check(created.bytes == len(body), "the SDK did not get the mock's answer")

    @case("passthrough openai: files.content download streamed back exactly")
    def _(ctx: Any) -> None:
        cap = Capture()
        client = openai_client(ctx, cap)
        mark = mock_mark()
        content = client.files.content("file-mock-1").read()
        check(content == pattern(DOWNLOAD_LEN), f"download: {len(content)} bytes, not the mock's")
        r, _ = received(mark, "/v1/files/file-mock-1/content")
        upstream_saw(r, "openai", ctx)

    @case("passthrough openai: batches.create / retrieve / cancel")
    def _(ctx: Any) -> None:
        cap = Capture()
        client = openai_client(ctx, cap)
        mark = mock_mark()
        b = client.batches.create(input_file_id="file-mock-1", endpoint="/v1/chat/completions",
                                  completion_window="24h")
        check(b.id == "batch_mock_1" and b.status == "validating", f"create: {b}")
        r, body = received(mark, "/v1/batches")
        upstream_saw(r, "openai", ctx)
        same_body(r, body, cap.sent[-1][1], "batches.create")
        check(client.batches.retrieve("batch_mock_1").status == "in_progress", "retrieve")
        check(client.batches.cancel("batch_mock_1").status == "cancelling", "cancel")
        r, _ = received(mark, "/v1/batches/batch_mock_1/cancel")
        check(r["method"] == "POST", f"cancel went as {r['method']}")

    @case("passthrough openai: images.generate routed by model, usage counted")
    def _(ctx: Any) -> None:
        cap = Capture()
        client = openai_client(ctx, cap)
        mark = mock_mark()
        raw = client.images.with_raw_response.generate(model="gpt-image-1", prompt="a red square")
        image = raw.parse()
        check(image.data[0].b64_json == "iVBORw0KGgo=", f"image: {image}")
        check(raw.headers.get("x-aigw-route") == "openai/gpt-image-1", f"route {raw.headers.get('x-aigw-route')}")
        r, body = received(mark, "/v1/images/generations")
        upstream_saw(r, "openai", ctx)
        same_body(r, body, cap.sent[-1][1], "images.generate")
        check(cap.got[-1] == mock_get_replay("/v1/images/generations", body), "response bytes differ")
        # The answer's usage is the request's, in the gateway's record of it.
        request_id = raw.headers.get("x-aigw-request-id")
        row = None
        for _ in range(50):
            rows = admin_get(ctx, "/admin/requests?limit=50")
            row = next((r for r in rows if r.get("request_id") == request_id), None)
            if row:
                break
            time.sleep(0.05)
        check(row, f"request {request_id} not in /admin/requests")
        check((row["api"], row["input_tokens"], row["output_tokens"]) == ("passthrough", 12, 272),
              f"recorded {row}")

    def admin_get(ctx: Any, path: str) -> Any:
        request = urllib.request.Request(f"{ctx.gateway}{path}",
                                         headers={"Authorization": f"Bearer {ctx.admin_key}"})
        with urllib.request.urlopen(request, timeout=30) as r:
            body = json.loads(r.read())
        return body.get("data", body) if isinstance(body, dict) else body

    def mock_get_replay(path: str, body: bytes) -> bytes:
        request = urllib.request.Request(f"{MOCK}{path}", data=body, method="POST",
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.read()

    @case("passthrough openai: audio.transcriptions.create (multipart) and audio.speech.create (binary back)")
    def _(ctx: Any) -> None:
        cap = Capture()
        client = openai_client(ctx, cap)
        mark = mock_mark()
        audio = pattern(40_000)
        t = client.audio.transcriptions.create(model="whisper-1", file=("a.mp3", io.BytesIO(audio)))
        check(t.text == "hello from the mock", f"transcription {t}")
        r, body = received(mark, "/v1/audio/transcriptions")
        upstream_saw(r, "openai", ctx)
        same_body(r, body, cap.sent[-1][1], "transcriptions")
        check(audio in body, "the audio bytes are not in the upstream body")
        speech = client.audio.speech.create(model="tts-1", voice="alloy", input="hi")
        check(speech.read() == pattern(DOWNLOAD_LEN), "speech bytes differ from the mock's")
        r, body = received(mark, "/v1/audio/speech")
        same_body(r, body, cap.sent[-1][1], "speech")

    @case("passthrough openai: vector_stores.create")
    def _(ctx: Any) -> None:
        cap = Capture()
        client = openai_client(ctx, cap)
        mark = mock_mark()
        vs = client.vector_stores.create(name="docs")
        check(vs.id == "vs_mock_1" and vs.name == "docs", f"vector store {vs}")
        r, body = received(mark, "/v1/vector_stores")
        upstream_saw(r, "openai", ctx)
        same_body(r, body, cap.sent[-1][1], "vector_stores.create")

    def anthropic_client(ctx: Any, cap: Capture) -> Any:
        import anthropic

        return anthropic.Anthropic(api_key=ctx.key, base_url=ctx.gateway, max_retries=0,
                                   http_client=cap.client())

    @case("passthrough anthropic: messages.batches.create / retrieve / results (JSONL through the gateway)")
    def _(ctx: Any) -> None:
        cap = Capture()
        client = anthropic_client(ctx, cap)
        mark = mock_mark()
        b = client.messages.batches.create(requests=[{
            "custom_id": "one",
            "params": {"model": "claude-sonnet-4-5", "max_tokens": 10,
                       "messages": [{"role": "user", "content": "hi"}]},
        }])
        check(b.id == "msgbatch_mock_1", f"create {b}")
        r, body = received(mark, "/v1/messages/batches")
        upstream_saw(r, "anthropic", ctx)
        same_body(r, body, cap.sent[-1][1], "batches.create")
        got = client.messages.batches.retrieve("msgbatch_mock_1")
        check(got.results_url and got.results_url.startswith(ctx.gateway),
              f"results_url {got.results_url!r} does not point at the gateway")
        results = list(client.messages.batches.results("msgbatch_mock_1"))
        check([x.custom_id for x in results] == ["msgbatch_mock_1-a", "msgbatch_mock_1-b"],
              f"results {results}")
        r, _ = received(mark, "/results")
        upstream_saw(r, "anthropic", ctx)

    @case("passthrough anthropic: beta.files.upload")
    def _(ctx: Any) -> None:
        cap = Capture()
        client = anthropic_client(ctx, cap)
        mark = mock_mark()
        data = pattern(70_000)
        f = client.beta.files.upload(file=("notes.txt", io.BytesIO(data), "text/plain"))
        check(f.id == "file_mock_1", f"file {f}")
        r, body = received(mark, "/v1/files")
        upstream_saw(r, "anthropic", ctx)
        same_body(r, body, cap.sent[-1][1], "beta.files.upload")
        check(f.size_bytes == len(body), "the SDK did not get the mock's answer")

    def genai_client(ctx: Any, cap: Capture) -> Any:
        from google import genai
        from google.genai import types as gtypes

        return genai.Client(api_key=ctx.key, http_options=gtypes.HttpOptions(
            base_url=ctx.gateway, httpx_client=cap.client(),
            retry_options=gtypes.HttpRetryOptions(attempts=1)))

    @case("passthrough gemini: files.upload (resumable, through the gateway)")
    def _(ctx: Any) -> None:
        cap = Capture()
        client = genai_client(ctx, cap)
        mark = mock_mark()
        data = pattern(120_000)
        f = client.files.upload(file=io.BytesIO(data), config={"mime_type": "text/plain"})
        check(f.name == "files/mock-1", f"file {f}")
        check(int(f.size_bytes) == len(data), f"size {f.size_bytes}")
        r, body = received(mark, "upload_id=mock-upload-1")
        upstream_saw(r, "gemini", ctx)
        check(body == data, "the upstream did not get the file's exact bytes")
        gateway_upload = [url for url, _ in cap.sent if "upload_id" in url]
        check(gateway_upload and all(u.startswith(ctx.gateway) for u in gateway_upload),
              f"the SDK did not send the bytes via the gateway: {[u for u, _ in cap.sent]}")

    @case("passthrough gemini: caches.create and models.embed_content")
    def _(ctx: Any) -> None:
        cap = Capture()
        client = genai_client(ctx, cap)
        mark = mock_mark()
        c = client.caches.create(model="gemini-2.5-flash", config={"contents": ["hello"]})
        check(c.name == "cachedContents/mock-1", f"cache {c}")
        r, body = received(mark, "/cachedContents")
        upstream_saw(r, "gemini", ctx)
        same_body(r, body, cap.sent[-1][1], "caches.create")
        # google-genai embeds through `batchEmbedContents` (the mock replays the corpus's).
        e = client.models.embed_content(model="text-embedding-004", contents="hi")
        check(e.embeddings and e.embeddings[0].values, f"embedding {e}")
        r, body = received(mark, "EmbedContent")
        upstream_saw(r, "gemini", ctx)
        same_body(r, body, cap.sent[-1][1], "embed_content")
        path = r["path"].split("?")[0]
        check(cap.got[-1] == mock_get_replay(path, body), "embed_content: response bytes differ from the mock's")
        check("text-embedding-004" in path, f"upstream path {path}")

    def raw(ctx: Any, method: str, path: str, headers: dict, body: bytes | None = None) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(f"{ctx.gateway}{path}", data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    @case("passthrough: unknown paths 404 and wrong methods 405 in each client's shape")
    def _(ctx: Any) -> None:
        status, _, body = raw(ctx, "GET", "/v1/no/such/endpoint", {"Authorization": f"Bearer {ctx.key}"})
        check(status == 404 and json.loads(body)["error"]["code"] == "unknown_url", f"openai 404: {status} {body!r}")
        status, _, body = raw(ctx, "GET", "/v1/no/such", {"x-api-key": ctx.key, "anthropic-version": "2023-06-01"})
        e = json.loads(body)
        check(status == 404 and e["type"] == "error" and e["error"]["type"] == "not_found_error", f"anthropic 404: {body!r}")
        status, _, body = raw(ctx, "GET", "/v1beta/nothing/here", {"x-goog-api-key": ctx.key})
        check(status == 404 and json.loads(body)["error"]["status"] == "NOT_FOUND", f"gemini 404: {body!r}")
        status, headers, body = raw(ctx, "PUT", "/v1/files", {"Authorization": f"Bearer {ctx.key}"}, b"")
        check(status == 405 and "error" in json.loads(body), f"openai 405: {status} {body!r}")
        status, _, body = raw(ctx, "GET", "/v1/chat/completions/x/y", {"Authorization": f"Bearer {ctx.key}"})
        check(status == 404 and "error" in json.loads(body), f"404: {status} {body!r}")
        status, _, body = raw(ctx, "DELETE", "/v1/messages", {"x-api-key": ctx.key, "anthropic-version": "2023-06-01"})
        check(status == 405 and json.loads(body)["type"] == "error", f"anthropic 405: {status} {body!r}")
        status, _, body = raw(ctx, "POST", "/v1beta/models/%FF%FE:generateContent", {"x-goog-api-key": ctx.key}, b"{}")
        check(status == 400 and json.loads(body)["error"]["status"] == "INVALID_ARGUMENT", f"gemini bad UTF-8: {status} {body!r}")

    @case("passthrough: a body over the upload limit is 413 in the client's shape before it is read")
    def _(ctx: Any) -> None:
        import socket
        from urllib.parse import urlparse

        u = urlparse(ctx.gateway)
        with socket.create_connection((u.hostname, u.port), timeout=10) as s:
            head = (f"POST /v1/files HTTP/1.1\r\nHost: {u.netloc}\r\nAuthorization: Bearer {ctx.key}\r\n"
                    "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 99999999999\r\n\r\n")
            s.sendall(head.encode())
            data = b""
            while b"\r\n\r\n" not in data or len(data) < 40:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        status_line, _, rest = data.partition(b"\r\n")
        check(b" 413 " in status_line, f"status line {status_line!r}")
        check(b'"error"' in data, f"not OpenAI's error shape: {data[:300]!r}")
