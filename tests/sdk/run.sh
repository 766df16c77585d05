#!/usr/bin/env bash
# The official Python SDKs (openai, anthropic, google-genai), unmodified but for their base
# URL, against `aigw serve` backed by `aigw-mock` replaying the recorded corpus.
#
#   bash tests/sdk/run.sh            # from anywhere; AIGW_CORPUS default ../shared/corpus/dev
#
# Builds both binaries (debug), keeps a venv in target/sdk-venv (reinstalled when
# requirements.txt changes), starts the mock and the gateway on free loopback ports, runs
# tests/sdk/sdk_test.py and exits with its status (its last line: `N passed, M failed`).
# The gateway has a client key (server.client_key_env) for the protocol cases, and a key
# store (SQLite in the run's temporary directory) with the admin API on (a random
# AIGW_ADMIN_KEY) for the virtual-key cases, which create their keys through it.
# AIGW_SDK_KEEP_LOGS=1 keeps the mock's and gateway's logs (their path is printed).
# AIGW_SDK_BINS=DIR uses the aigw and aigw-mock already built in DIR (CI passes the ones
# `cargo test --workspace` just built: a second build with other features costs ~0.7 GiB).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

# The corpus: a relative AIGW_CORPUS is relative to the repository root.
corpus="${AIGW_CORPUS:-../shared/corpus/dev}"
case "$corpus" in
  /*) ;;
  *) corpus="$ROOT/$corpus" ;;
esac
if [[ ! -d "$corpus" ]]; then
  echo "SKIPPED: AIGW_CORPUS not found ($corpus)"
  exit 0
fi
corpus="$(cd "$corpus" && pwd)"

target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$ROOT/$target_dir" ;;
esac
if [[ -n "${AIGW_SDK_BINS:-}" ]]; then
  bin="$(cd "$AIGW_SDK_BINS" && pwd)"
  for exe in aigw aigw-mock; do
    if [[ ! -x "$bin/$exe" ]]; then
      echo "AIGW_SDK_BINS=$AIGW_SDK_BINS has no executable $exe" >&2
      exit 2
    fi
  done
  echo "==> using aigw and aigw-mock from $bin"
else
  echo "==> building aigw and aigw-mock"
  cargo build -q -p aigw-gateway -p aigw-mock
  bin="$target_dir/debug"
fi

echo "==> python venv (target/sdk-venv)"
venv="$target_dir/sdk-venv"
python="${PYTHON:-python3}"
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
want="$(sha256sum tests/sdk/requirements.txt | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r tests/sdk/requirements.txt
  echo "$want" >"$stamp"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/aigw-sdk.XXXXXX")"
pids=()
cleanup() {
  local status=$?
  for pid in ${pids[@]+"${pids[@]}"}; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in ${pids[@]+"${pids[@]}"}; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ "${AIGW_SDK_KEEP_LOGS:-}" == 1 ]]; then
    echo "logs kept in $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits (up to 30 s) for `$2` to print a line starting with `$3` in file `$1`; prints the URL.
wait_for_url() {
  local out=$1 pid=$2 prefix=$3 line
  for _ in $(seq 300); do
    line="$(grep -m1 "^$prefix" "$out" 2>/dev/null || true)"
    if [[ -n "$line" ]]; then
      echo "${line#"$prefix"}"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "process $pid exited before listening; its stderr:" >&2
      cat "${out%.out}.err" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  echo "timed out waiting for '$prefix' in $out; stderr:" >&2
  cat "${out%.out}.err" >&2 || true
  return 1
}

echo "==> starting aigw-mock (corpus $corpus)"
"$bin/aigw-mock" --listen 127.0.0.1:0 --corpus "$corpus" --record >"$work/mock.out" 2>"$work/mock.err" &
pids+=($!)
mock_url="$(wait_for_url "$work/mock.out" "${pids[-1]}" "aigw-mock listening on ")"

# Fake upstream keys (the mock takes any) and the key clients must present to the gateway.
export AIGW_SDK_OPENAI_KEY=sk-mock-openai
export AIGW_SDK_ANTHROPIC_KEY=sk-ant-mock
export AIGW_SDK_GEMINI_KEY=mock-gemini-key
export AIGW_SDK_GROQ_KEY=gsk-mock
export AIGW_SDK_AZURE_KEY=azure-mock-key
export AIGW_TEST_KEY="aigw-sdk-test-$RANDOM$RANDOM"
# The admin key ([admin] key_env), read by the gateway and by sdk_test.py.
AIGW_ADMIN_KEY="aigw-sdk-admin-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export AIGW_ADMIN_KEY

cat >"$work/aigw.toml" <<EOF
[server]
listen = "127.0.0.1:0"
client_key_env = ["AIGW_TEST_KEY"]
shutdown_grace_secs = 1

[limits]
request_timeout_ms = 20000
idle_timeout_ms = 20000
counters = "memory"

# Virtual keys: this run's own store (without [store] the gateway would use ./aigw.db).
[store]
url = "sqlite://$work/keys.db"

[admin]
key_env = "AIGW_ADMIN_KEY"

[providers.openai]
kind = "openai"
base_url = "$mock_url/v1"
key_env = "AIGW_SDK_OPENAI_KEY"

[providers.anthropic]
kind = "anthropic"
base_url = "$mock_url/v1"
key_env = "AIGW_SDK_ANTHROPIC_KEY"

[providers.gemini]
kind = "gemini"
base_url = "$mock_url/v1beta"
key_env = "AIGW_SDK_GEMINI_KEY"

[providers.groq]
kind = "openai-compat"
preset = "groq"
base_url = "$mock_url/v1"
key_env = "AIGW_SDK_GROQ_KEY"

[providers.azure]
kind = "azure"
base_url = "$mock_url"
api_version = "2025-04-01-preview"
key_env = "AIGW_SDK_AZURE_KEY"

[[routes]]
model = "gpt-test"
targets = ["openai/gpt-4o-mini"]

[[routes]]
model = "claude-test"
targets = ["anthropic/claude-sonnet-4-5"]

[[routes]]
model = "gemini-test"
targets = ["gemini/gemini-2.5-flash"]

[[routes]]
model = "groq-test"
targets = ["groq/llama-3.1-8b-instant"]

[[routes]]
model = "azure-test"
targets = ["azure/gpt-4o-mini"]

[[routes]]
model = "embed-test"
targets = ["openai/text-embedding-3-small"]

# Passthrough: models named by image, audio and Gemini requests, and the provider of
# OpenAI's model-less ones (files, batches, vector stores; transcriptions name theirs in
# a multipart form, which is not read).
[[routes]]
model = "gpt-image-1"
targets = ["openai/gpt-image-1"]

[[routes]]
model = "tts-1"
targets = ["openai/tts-1"]

[[routes]]
model = "gemini-2.5-flash"
targets = ["gemini/gemini-2.5-flash"]

[[routes]]
model = "text-embedding-004"
targets = ["gemini/text-embedding-004"]

[passthrough]
openai = "openai"
max_upload_bytes = 67108864
EOF

echo "==> starting aigw"
AIGW_LOG="${AIGW_LOG:-warn}" "$bin/aigw" serve --config "$work/aigw.toml" >"$work/aigw.out" 2>"$work/aigw.err" &
pids+=($!)
gateway_url="$(wait_for_url "$work/aigw.out" "${pids[-1]}" "aigw listening on ")"
# The passthrough cases read what the mock received and the gateway's RSS.
export AIGW_SDK_MOCK_URL="$mock_url" AIGW_SDK_GATEWAY_PID="${pids[-1]}"

echo "==> SDK tests against $gateway_url (mock $mock_url)"
status=0
"$venv/bin/python" tests/sdk/sdk_test.py --gateway "$gateway_url" --corpus "$corpus" || status=$?
exit "$status"
