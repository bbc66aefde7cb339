"""Kubernetes KEP folders: README.md plus kep.yaml (title, kep-number, owning-sig, authors,
approvers, reviewers, status, replaces / superseded-by, creation-date, stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.safe_yaml import LIMITS, clip, load_yaml
from index.formats.fields import (
    MAX_NAME_CHARS,
    as_extra,
    link_stem,
    listed,
    normalise_date,
    normalise_status,
    people,
)
from index.formats.inferred import Inferred


def read_kep_yaml(path: Path) -> tuple[dict[str, Any], str | None]:
    """kep.yaml as a mapping, or ({}, one-line reason) when it is broken."""
    limit = LIMITS.max_input_chars
    try:
        with path.open("rb") as file:
            raw = file.read(limit + 1)  # bytes ≥ characters: never more than the loader takes
        if len(raw) > limit:
            return {}, f"kep.yaml is over {limit // 1024} KB; metadata inferred from README"
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, f"unreadable kep.yaml ({exc}); metadata inferred from README"
    data, reason = load_yaml(text)
    if reason is not None:
        return {}, f"broken kep.yaml ({reason}); metadata inferred from README"
    if not isinstance(data, dict):
        return {}, "kep.yaml is not a mapping; metadata inferred from README"
    return data, None


def kep_id(folder: Path, data: dict[str, Any]) -> str:
    """'kep-<folder name>' (e.g. kep-116-windows-node-support), as upstream names folders."""
    name = folder.name
    number = str(data.get("kep-number") or "").strip()
    if number and len(number) <= 20 and not name.startswith(number):
        name = f"{number}-{name}"
    return f"kep-{name}"


def apply_kep(inferred: Inferred, folder: Path, data: dict[str, Any]) -> None:
    """Fill `inferred` from a parsed kep.yaml; KEP fields beat what the README suggests."""
    inferred.style = "kep"
    inferred.kind = "spec"
    inferred.id = kep_id(folder, data)
    if data.get("title"):
        inferred.title = clip(str(data["title"]).strip(), MAX_NAME_CHARS)
    status = normalise_status(data.get("status"))
    if status:
        inferred.status = status
    date = normalise_date(data.get("creation-date"))
    if date:
        inferred.date = date
    sig = clip(str(data.get("owning-sig") or "").strip(), MAX_NAME_CHARS)
    if sig:
        inferred.add_owners([sig])
    inferred.add_owners(people(data.get("authors")))
    for key in (
        "owning-sig",
        "participating-sigs",
        "approvers",
        "reviewers",
        "stage",
        "kep-number",
        "latest-milestone",
        "last-updated",
    ):
        value = as_extra(data.get(key))
        if value is not None:
            inferred.extra[key] = value
    for key, rel in (
        ("replaces", "replaces"),
        ("superseded-by", "superseded_by"),
        ("see-also", "see_also"),
    ):
        for target in listed(data.get(key)):
            if target:
                inferred.add_link(rel, clip(link_stem(str(target)), MAX_NAME_CHARS))
