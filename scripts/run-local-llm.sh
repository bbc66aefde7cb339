#!/usr/bin/env bash
# Start llama.cpp's llama-server with the cached local model on 127.0.0.1, wait until it is
# healthy, and print the settings that point specreview at it. Builds/assembles them first
# if needed (scripts/setup-local-llm.sh). Stops the server on Ctrl-C.
#
#   bash scripts/run-local-llm.sh                 # port 8012, context 8192, 1 thread
#   PORT=8013 CTX=4096 THREADS=2 bash scripts/run-local-llm.sh
#   bash scripts/run-local-llm.sh --background    # start, print the settings, return (PID file)
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-8012}"
CTX="${CTX:-8192}"
THREADS="${THREADS:-1}"  # 1 beats 2 on a busy 2-core machine (see README "## LLM")
CACHE_ROOT="${SPECREVIEW_CACHE:-$HOME/.cache/specreview}"
SERVER_BIN="$CACHE_ROOT/llm/bin/llama-server"
MODEL_PATH="$CACHE_ROOT/llm/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
MODEL_NAME="qwen2.5-coder-0.5b-instruct"
LOG="$CACHE_ROOT/llm/llama-server.$PORT.log"
PID_FILE="$CACHE_ROOT/llm/llama-server.$PORT.pid"

if [[ ! -x "$SERVER_BIN" || ! -s "$MODEL_PATH" ]]; then
  bash scripts/setup-local-llm.sh
fi

if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
  echo "run-local-llm: something already answers on 127.0.0.1:$PORT; set PORT=... to use another" >&2
  exit 1
fi

"$SERVER_BIN" -m "$MODEL_PATH" --alias "$MODEL_NAME" --host 127.0.0.1 --port "$PORT" \
  -c "$CTX" -t "$THREADS" --parallel 1 >"$LOG" 2>&1 &
SERVER_PID=$!
echo "$SERVER_PID" >"$PID_FILE"

for _ in $(seq 1 240); do
  if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "run-local-llm: llama-server exited; last lines of $LOG:" >&2
    tail -20 "$LOG" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null || { echo "run-local-llm: not healthy after 120 s" >&2; exit 1; }

cat <<EOF
llama-server (pid $SERVER_PID) is serving $MODEL_NAME on http://127.0.0.1:$PORT/v1 (log: $LOG)
Point specreview at it:

export SPECREVIEW_LLM_BASE_URL=http://127.0.0.1:$PORT/v1
export SPECREVIEW_LLM_MODEL=$MODEL_NAME
export SPECREVIEW_LLM_CONTEXT_TOKENS=$CTX
export SPECREVIEW_LLM_API_KEY=local
EOF

if [[ "${1:-}" == "--background" ]]; then
  echo "(stop it with: kill \$(cat $PID_FILE))"
  exit 0
fi
trap 'kill "$SERVER_PID" 2>/dev/null; rm -f "$PID_FILE"' EXIT INT TERM
wait "$SERVER_PID"
