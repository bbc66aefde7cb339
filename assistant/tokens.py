"""Offline tiktoken: rebuild the BPE files from quicktok's bundled ranks, then count tokens.

tiktoken downloads its encodings on first use, which fails without a network. quicktok-v1 ships
the same ranks; we convert them once into tiktoken's cache (named by the sha1 of the download
URL, as tiktoken expects). tiktoken verifies the sha256 it pins, so a bad file fails loudly.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import threading
from functools import lru_cache
from pathlib import Path

import tiktoken

from assistant.errors import ConfigError

_BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
_QUICKTOK_FILES = {"cl100k_base": "cl100k", "o200k_base": "o200k"}
_lock = threading.Lock()


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "specreview" / "tiktoken"


def _quicktok_ranks(stem: str) -> bytes:
    """quicktok's .vocab: u32 count, then (u16 length, bytes, u32 rank) per token."""
    import quicktok

    raw = (Path(quicktok.__file__).parent / "data" / f"{stem}.vocab").read_bytes()
    offset = 4
    lines: list[bytes] = []
    while offset < len(raw):
        (length,) = struct.unpack_from("<H", raw, offset)
        offset += 2
        token = raw[offset : offset + length]
        offset += length
        (rank,) = struct.unpack_from("<I", raw, offset)
        offset += 4
        lines.append(base64.b64encode(token) + b" " + str(rank).encode())
    return b"\n".join(lines) + b"\n"


def ensure_offline_encodings(cache_dir: Path | None = None) -> Path:
    """Write cl100k_base and o200k_base into tiktoken's cache and point tiktoken at it."""
    target = Path(os.environ.get("TIKTOKEN_CACHE_DIR") or cache_dir or default_cache_dir())
    with _lock:
        try:
            target.mkdir(parents=True, exist_ok=True)
            for name, stem in _QUICKTOK_FILES.items():
                key = hashlib.sha1(_BLOB_URL.format(name=name).encode()).hexdigest()
                path = target / key
                if not path.exists():
                    tmp = path.with_suffix(".tmp")
                    tmp.write_bytes(_quicktok_ranks(stem))
                    tmp.replace(path)
        except OSError as exc:
            raise ConfigError(
                f"cannot write tiktoken encodings to {target} ({exc}); "
                "set TIKTOKEN_CACHE_DIR to a writable folder"
            ) from exc
        os.environ["TIKTOKEN_CACHE_DIR"] = str(target)
    return target


# A loaded, immutable asset (tiktoken's BPE ranks), shared by every thread: not per-review state.
@lru_cache(maxsize=4)
def get_encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    """A tiktoken encoding that never touches the network."""
    ensure_offline_encodings()
    return tiktoken.get_encoding(name)


def count_tokens(text: str, encoding: str = "cl100k_base") -> int:
    return len(get_encoding(encoding).encode(text, disallowed_special=()))
