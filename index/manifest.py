"""Folder manifests (`manifest.jsonl` / `index.jsonl`): one JSON object per document.

Each row has at least `id` and `path`; optional kind/title/status/date/owner/authors and any
other scalar or list fields. Where a manifest lists a file, its id and fields win over inferred
ones. Paths are relative to the manifest's folder, or to its parent when the first component
repeats the folder's own name (as in `kb/index.jsonl` rows written `kb/decisions/...`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.textfile import read_regular_file

MANIFEST_NAMES = ("manifest.jsonl", "index.jsonl")
MAX_MANIFEST_BYTES = 20_000_000  # a regular file inside its folder, read at most this far


@dataclass(frozen=True)
class ManifestRow:
    """One manifest line, with the file it names resolved against the manifest's folder."""

    id: str
    file: Path
    fields: dict[str, Any]
    line: int


@dataclass
class Manifest:
    """The rows of one manifest and the problems found reading it (one line each)."""

    path: Path
    rows: list[ManifestRow] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)

    def by_file(self) -> dict[Path, ManifestRow]:
        found = {}
        for row in self.rows:
            try:
                found[row.file.resolve()] = row
            except (OSError, RuntimeError):  # a link loop: reading the row says so
                continue
        return found


def find_manifest(folder: Path) -> Path | None:
    """The manifest file directly inside `folder`, if any."""
    for name in MANIFEST_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def _resolve(folder: Path, rel: str) -> Path:
    direct = folder / rel
    if direct.exists():
        return direct
    parts = Path(rel).parts
    if parts and parts[0] == folder.name:
        return folder.parent / rel
    return direct


def read_manifest(path: Path) -> Manifest:
    """Parse a manifest; bad lines become problems, never exceptions."""
    manifest = Manifest(path=path)
    try:
        raw = read_regular_file(path, max_bytes=MAX_MANIFEST_BYTES, inside=path.parent)
        text = raw.decode("utf-8")
    except (InputError, UnicodeDecodeError) as exc:
        manifest.problems.append((str(path), f"cannot read manifest: {exc}"))
        return manifest
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            manifest.problems.append((where, f"manifest line is not valid JSON ({exc.msg})"))
            continue
        if not isinstance(row, dict) or not row.get("id") or not row.get("path"):
            manifest.problems.append((where, "manifest line needs at least `id` and `path`"))
            continue
        if "\x00" in str(row["path"]):
            manifest.problems.append((where, "manifest `path` contains a NUL character"))
            continue
        manifest.rows.append(
            ManifestRow(
                id=str(row["id"]),
                file=_resolve(path.parent, str(row["path"])),
                fields=row,
                line=number,
            )
        )
    return manifest


def manifest_for_file(file: Path, *, levels: int = 3) -> ManifestRow | None:
    """The manifest row naming `file` in one of its ancestor folders (so ids stay stable when
    a single file is re-indexed on its own)."""
    target = file.resolve()
    folder = target.parent
    for _ in range(levels):
        found = find_manifest(folder)
        if found is not None:
            row = read_manifest(found).by_file().get(target)
            if row is not None:
                return row
        if folder.parent == folder:
            break
        folder = folder.parent
    return None
