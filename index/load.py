"""Files and folders → Documents with metadata; bad input becomes a one-line Skipped reason.

A folder with a `manifest.jsonl` / `index.jsonl` is indexed as the manifest lists it (its ids
and fields win); other folders are walked for markdown and text files, KEP folders (README.md +
kep.yaml) becoming one document each. Nothing here raises on a bad file.

Only regular files inside the folder given are read (links and manifest paths resolved and
checked; links to folders are not followed), each file once however many rows or links name
it, and at most MAX_BYTES of it (assistant/textfile.py).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.errors import InputError
from assistant.models import Document
from assistant.safe_yaml import clip
from assistant.textfile import decode_text, name_problem, read_regular_file, shown
from index.formats import Inferred, apply_kep, infer_markdown, kind_word, read_kep_yaml
from index.formats.fields import (
    MAX_VALUE_CHARS,
    as_extra,
    normalise_status,
    people,
    relations_in,
)
from index.formats.kep import kep_id
from index.manifest import ManifestRow, find_manifest, manifest_for_file, read_manifest

MAX_BYTES = 5_000_000
TEXT_SUFFIXES = {".md", ".markdown", ".mdx", ".txt", ".text"}
_SKIP_DIRS = {"node_modules", "__pycache__", ".git", ".venv", "venv"}
_IGNORED_NAMES = {"kep.yaml", "manifest.jsonl", "index.jsonl", ".ds_store"}
_MANIFEST_CORE = {"id", "path", "kind", "title", "status", "date", "owner", "authors", "bytes"}


class Skipped(BaseModel):
    """A file that was not indexed (or indexed with a caveat), and why, in one line."""

    path: str
    reason: str


class LoadResult(BaseModel):
    """The documents found under some paths, the files skipped, and caveats on loaded ones."""

    documents: list[Document] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)
    warnings: list[Skipped] = Field(default_factory=list)
    roots: list[str] = Field(default_factory=list)  # folders walked (what pruning may touch)

    def extend(self, other: LoadResult) -> None:
        self.documents.extend(other.documents)
        self.skipped.extend(other.skipped)
        self.warnings.extend(other.warnings)
        self.roots.extend(other.roots)


def content_hash(doc: Document) -> str:
    """sha256 over text and metadata: a manifest edit re-indexes the document too."""
    payload = doc.model_dump_json(exclude={"content_hash"})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class _Reading:
    """One load: the folder given (nothing outside it is read) and the files read so far."""

    inside: Path | None = None
    seen: dict[Path, str] = field(default_factory=dict)  # resolved file → the path that read it

    def first_read(self, file: Path) -> str | None:
        """Where `file` was read before in this load (a second row or link to it), if it was."""
        try:
            return self.seen.get(file.resolve())
        except (OSError, RuntimeError):
            return None  # a loop or worse: reading it says why

    def note_read(self, file: Path, label: str) -> None:
        self.seen[file.resolve()] = label


def _read_text(file: Path, reading: _Reading) -> str:
    """The file as text with newlines normalised, or InputError with a one-line reason."""
    data = read_regular_file(file, max_bytes=MAX_BYTES, inside=reading.inside, name="file")
    text = decode_text(data, name="file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _apply_manifest(inferred: Inferred, row: ManifestRow) -> None:
    fields = row.fields
    inferred.id = row.id
    kind = kind_word(fields.get("kind"))
    if kind:
        inferred.kind = kind
    if fields.get("title"):
        inferred.title = str(fields["title"])
    if fields.get("status"):
        # "Superseded by [036. Foo](036-foo.md)" → status "superseded", the link kept as a link.
        inferred.status = normalise_status(fields["status"])
        for rel, target in relations_in(clip(str(fields["status"]), MAX_VALUE_CHARS)):
            inferred.add_link(rel, target)
    if fields.get("date"):
        inferred.date = str(fields["date"])
    manifest_owners = people(fields.get("owner")) + people(fields.get("authors"))
    if manifest_owners:
        inferred.owners = [
            *manifest_owners,
            *(o for o in inferred.owners if o not in manifest_owners),
        ]
    for key, value in fields.items():
        extra = as_extra(value)
        if key not in _MANIFEST_CORE and extra is not None:
            inferred.extra[key] = extra


def _build(file: Path, text: str, inferred: Inferred) -> Document:
    doc = Document(
        id=inferred.id or file.stem,
        kind=inferred.kind or "spec",
        title=inferred.title or file.stem,
        path=str(file),
        text=text,
        status=inferred.status,
        date=inferred.date,
        owners=inferred.owners,
        links=inferred.links,
        extra=inferred.extra,
    )
    doc.content_hash = content_hash(doc)
    return doc


def load_file(
    file: Path, row: ManifestRow | None = None, *, reading: _Reading | None = None
) -> LoadResult:
    """One markdown/text file (a KEP README picks up its kep.yaml) into a LoadResult."""
    result = LoadResult()
    reading = reading or _Reading()
    problem = name_problem(file) or (
        row is not None and name_problem(row.id) and "its id is not valid UTF-8"
    )
    where = f"manifest line {row.line}: " if row is not None else ""
    if not problem and (first := reading.first_read(file)):
        problem = f"already read in this run, as {first}"
    if problem:
        result.skipped.append(Skipped(path=shown(file), reason=where + problem))
        return result
    try:
        text = _read_text(file, reading)
    except InputError as exc:
        result.skipped.append(Skipped(path=str(file), reason=where + str(exc)))
        return result
    reading.note_read(file, f"{shown(file)} ({where[:-2]})" if where else shown(file))
    inferred = infer_markdown(text, file)
    kep_yaml = file.parent / "kep.yaml"
    if file.name.lower() == "readme.md" and _readable_beside(kep_yaml, reading):
        data, problem = read_kep_yaml(kep_yaml)
        if problem:
            inferred.warnings.append(problem)
            inferred.id, inferred.kind = kep_id(file.parent, {}), "spec"
        else:
            apply_kep(inferred, file.parent, data)
    if row is not None:
        _apply_manifest(inferred, row)
    result.warnings.extend(Skipped(path=str(file), reason=w) for w in inferred.warnings)
    result.documents.append(_build(file, text, inferred))
    return result


def load_text(
    text: str,
    *,
    path: str,
    doc_id: str | None = None,
    warn: Callable[[str], None] | None = None,
) -> Document:
    """An uploaded document (no file on disk); InputError if it is empty or too large.

    `warn` hears each caveat on the document (e.g. front matter that was not read)."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise InputError(f"{path}: larger than 5 MB; split it or leave it out")
    if not text.strip():
        raise InputError(f"{path}: empty document; upload a file with some text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    inferred = infer_markdown(text, Path(path))
    if doc_id:
        inferred.id = doc_id
    if warn is not None:
        for warning in inferred.warnings:
            warn(f"{path}: {warning}")
    return _build(Path(path), text, inferred)


def _readable_beside(kep_yaml: Path, reading: _Reading) -> bool:
    """A kep.yaml that is a regular file inside the folder being indexed."""
    try:
        resolved = kep_yaml.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    inside = reading.inside.resolve() if reading.inside else None
    return resolved.is_file() and (inside is None or inside in resolved.parents)


def _load_manifest_folder(manifest_path: Path, reading: _Reading) -> LoadResult:
    result = LoadResult()
    manifest = read_manifest(manifest_path)
    result.skipped.extend(Skipped(path=w, reason=r) for w, r in manifest.problems)
    for row in manifest.rows:
        if not (row.file.exists() or row.file.is_symlink()):
            result.skipped.append(
                Skipped(
                    path=shown(row.file),
                    reason=f"listed in {manifest_path.name} line {row.line} but not found",
                )
            )
            continue
        result.extend(load_file(row.file, row, reading=reading))
    return result


def _link_to_folder(sub: Path, name: str) -> Skipped | None:
    """Why a sub-folder entry is not walked (a link, an undecodable name), if it is not."""
    if name_problem(name):
        return Skipped(path=shown(sub), reason="folder name is not valid UTF-8; rename it")
    if sub.is_symlink():
        reason = "a link to a folder; links to folders are not followed (index the folder itself)"
        return Skipped(path=shown(sub), reason=reason)
    return None


def _walk(folder: Path, reading: _Reading) -> LoadResult:
    result = LoadResult()

    def on_error(exc: OSError) -> None:
        result.skipped.append(
            Skipped(path=str(exc.filename or folder), reason=f"unreadable folder ({exc.strerror})")
        )

    for dirpath, dirnames, filenames in os.walk(folder, onerror=on_error):
        here = Path(dirpath)
        dirnames.sort()
        keep = []
        for name in dirnames:
            sub = here / name
            if name.startswith(".") or name in _SKIP_DIRS:
                continue
            if (not_walked := _link_to_folder(sub, name)) is not None:
                result.skipped.append(not_walked)
                continue
            manifest = find_manifest(sub)
            if manifest is not None:
                result.extend(_load_manifest_folder(manifest, reading))
            else:
                keep.append(name)
        dirnames[:] = keep
        is_kep = "kep.yaml" in filenames and any(n.lower() == "readme.md" for n in filenames)
        for name in sorted(filenames):
            file = here / name
            if name.lower() in _IGNORED_NAMES or name.startswith("."):
                continue
            if is_kep and name.lower() != "readme.md":
                continue
            if file.suffix.lower() not in TEXT_SUFFIXES:
                reason = f"not a markdown or text file ({shown(file.suffix) or 'no extension'})"
                result.skipped.append(Skipped(path=shown(file), reason=reason))
                continue
            result.extend(load_file(file, reading=reading))
    return result


def _resolve_links(documents: list[Document]) -> None:
    """Link targets written as file stems ('036-multi-cluster') become the documents' ids."""
    by_key: dict[str, str] = {}
    for doc in documents:
        by_key.setdefault(Path(doc.path).stem.lower(), doc.id)
        if Path(doc.path).name.lower() == "readme.md":
            by_key.setdefault(f"kep-{Path(doc.path).parent.name}".lower(), doc.id)
        by_key.setdefault(doc.id.lower(), doc.id)
    for doc in documents:
        changed = False
        for link in doc.links:
            target = by_key.get(link.target.lower())
            if target and target != link.target:
                link.target, changed = target, True
        if changed:
            doc.content_hash = content_hash(doc)


def _dedupe(result: LoadResult) -> None:
    seen: dict[str, str] = {}
    kept: list[Document] = []
    for doc in result.documents:
        if doc.id in seen:
            reason = f"duplicate id {doc.id!r} (already used by {seen[doc.id]}); give it its own id"
            result.skipped.append(Skipped(path=doc.path, reason=reason))
            continue
        seen[doc.id] = doc.path
        kept.append(doc)
    result.documents = kept


def load_path(path: Path, *, seen: dict[Path, str] | None = None) -> LoadResult:
    """A file or a folder (recursively, honouring manifests) → documents and skipped files.

    A folder's files are read only inside it; a file named on its own is read wherever it is
    (its name was given). `seen` carries the files already read by other paths of one run."""
    result = LoadResult()
    seen = {} if seen is None else seen
    try:
        is_dir, is_file = path.is_dir(), path.is_file()
    except OSError as exc:
        result.skipped.append(Skipped(path=shown(path), reason=f"unreadable ({exc.strerror})"))
        return result
    if is_dir:
        manifest = find_manifest(path)
        reading = _Reading(inside=path, seen=seen)
        found = _load_manifest_folder(manifest, reading) if manifest else _walk(path, reading)
        result.extend(found)
        # Prune a folder only when it read cleanly: a broken manifest or an empty result
        # must not wipe what was indexed from it before.
        if found.documents and not (manifest and read_manifest(manifest).problems):
            result.roots.append(str(path))
    elif is_file:
        if path.name.lower() == "kep.yaml":
            path = path.parent / "README.md"
        result.extend(load_file(path, manifest_for_file(path), reading=_Reading(seen=seen)))
    elif path.exists() or path.is_symlink():  # a FIFO, a device, a loop: reading says which
        result.extend(load_file(path, reading=_Reading(seen=seen)))
    else:
        result.skipped.append(Skipped(path=shown(path), reason="not found"))
    _resolve_links(result.documents)
    _dedupe(result)
    return result


def load_paths(paths: list[Path]) -> LoadResult:
    """Several paths at once (links resolve across all of them)."""
    result = LoadResult()
    seen: dict[Path, str] = {}
    for path in paths:
        result.extend(load_path(path, seen=seen))
    _resolve_links(result.documents)
    _dedupe(result)
    return result


def describe(result: LoadResult) -> dict[str, Any]:
    """Counts for logs and summaries."""
    kinds: dict[str, int] = {}
    for doc in result.documents:
        kinds[doc.kind] = kinds.get(doc.kind, 0) + 1
    return {"documents": len(result.documents), "by_kind": kinds, "skipped": len(result.skipped)}
