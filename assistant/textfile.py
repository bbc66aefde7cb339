"""Reading a draft or a document from disk: regular files only, bounded, one decoder.

`review` and `index` read files through here, so they agree on what counts as text (UTF-8,
with or without a BOM, and UTF-16 with a BOM) and neither can be made to block on a FIFO,
read `/dev/zero`, follow a link out of the folder it was given, or read more than its limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from assistant.errors import InputError

SNIFF = 8192  # bytes (or characters) looked at to tell text from binary
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def shown(path: Path | str) -> str:
    """A path as text that can always be printed and stored (undecodable bytes escaped)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def name_problem(path: Path | str) -> str | None:
    """Why a file name cannot be used as a document's path, if it cannot."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not valid UTF-8; rename the file"
    return None


def _resolve(path: Path, name: str) -> Path:
    try:
        return path.resolve(strict=True)
    except FileNotFoundError as exc:
        if path.is_symlink():
            raise InputError(
                f"{name} is a link to {shown(os.readlink(path))}, which does not exist"
            ) from exc
        raise InputError(f"{name} does not exist; check the path") from exc
    except RuntimeError as exc:  # Python 3.11 reports a symlink loop this way
        raise InputError(f"{name} is a symbolic link loop; remove or fix the link") from exc
    except OSError as exc:
        raise InputError(f"{name} cannot be resolved ({exc.strerror or exc})") from exc


def _is_inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def read_regular_file(
    path: Path, *, max_bytes: int, inside: Path | None = None, name: str | None = None
) -> bytes:
    """The bytes of the regular file at `path` (links resolved), at most `max_bytes`.

    InputError, with a one-line reason, for anything else: a missing file, a link loop, a link
    or path out of `inside` (when given), a folder, a FIFO or device, an unreadable or a
    larger file. The size is checked on what is read, not on what `stat` said before.
    `name` is how messages call the file (default: its path)."""
    name = name or shown(path)
    resolved = _resolve(path, name)
    if inside is not None and not _is_inside(resolved, inside.resolve()):
        how = "a link to" if path.is_symlink() else "at"
        raise InputError(
            f"{name} is {how} {shown(resolved)}, outside the folder being indexed "
            f"({shown(inside)}); copy the file in or index its own folder"
        )
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: no link swapped in.
        fd = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(
            f"{name} is unreadable ({exc.strerror or exc}); check its permissions"
        ) from exc
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{name} is a folder; pass a file")
        if not stat.S_ISREG(mode):
            kind = next((word for test, word in _KINDS if test(mode)), "not a regular file")
            raise InputError(f"{name} is {kind}, not a regular file; pass a text file")
        os.set_blocking(fd, True)
        data = bytearray()
        while len(data) <= max_bytes:
            piece = os.read(fd, min(1 << 20, max_bytes + 1 - len(data)))
            if not piece:
                break
            data += piece
    except OSError as exc:
        raise InputError(
            f"{name} is unreadable ({exc.strerror or exc}); check its permissions"
        ) from exc
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise InputError(
            f"{name} is larger than {max_bytes / 1e6:g} MB (over {max_bytes:,} bytes); "
            "split it or leave it out"
        )
    return bytes(data)


def decode_text(data: bytes, *, name: str) -> str:
    """Bytes → text, or an InputError that says what is wrong and how to fix it.

    UTF-8 (a BOM is dropped) and UTF-16 with a BOM; newlines are left as they are."""
    if not data.strip():
        raise InputError(f"{name} is empty; write some text (markdown or plain text) first")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(f"{name} is not valid {codec} text ({exc.reason})") from exc
            if not text.strip():
                raise InputError(f"{name} is empty; write some text first")
            refuse_binary(text, name)
            return text
    if b"\x00" in data[:SNIFF]:
        raise InputError(
            f"{name} looks binary (it contains NUL bytes); give a text or markdown file"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name} is not UTF-8 (undecodable byte at offset {exc.start}); "
            "re-save it as UTF-8 and try again"
        ) from exc
    refuse_binary(text, name)
    return text


def refuse_binary(text: str, name: str) -> None:
    """InputError when decoded text is mostly control characters (binary that decoded)."""
    head = text[:SNIFF]
    control = sum(1 for ch in head if ord(ch) < 32 and ch not in "\n\r\t\f")
    if "\x00" in head or control > max(8, len(head) // 10):
        raise InputError(f"{name} looks binary (control characters); give a text or markdown file")
