"""Metadata from markdown and plain text: YAML front matter (MADR and friends), Nygard ADRs
(`Status:` lines or a `## Status` section), metadata tables (NATS ADRs), `Key: value` preambles
(RFCs, retros, PRDs), and the kind a document's shape, path and words suggest."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.markdown import ParsedSpec, parse_spec
from assistant.models import Kind
from assistant.safe_yaml import clip
from index.formats.fields import (
    MAX_ITEMS,
    MAX_NAME_CHARS,
    MAX_VALUE_CHARS,
    RETIREMENT_RELATIONS,
    as_extra,
    clean_text,
    link_target,
    listed,
    normalise_date,
    normalise_status,
    people,
    relations_in,
)
from index.formats.inferred import Inferred

_KEY_LINE = re.compile(
    r"^\s*(?:[-*+]\s+)?\**\s*(status|date|start date|last modified|created|deciders|"
    r"decision[- ]makers|authors?|owners?|facilitators?|created by|feature name|rfc pr|tags|"
    r"supersedes|"
    r"superseded by|replaces|see also)\s*\**\s*:\s*\**\s*(.+?)\s*$",
    re.IGNORECASE,
)
_TABLE_ROW = re.compile(r"^\s*\|\s*([A-Za-z][\w -]*?)\s*\|\s*(.*?)\s*\|\s*$")
_ID_PREFIX = re.compile(
    r"^((?:ADR|RFC|KEP|DL|RETRO|PRD|SPEC)[-_ ]?\d+[\w-]*?)\s*[:.\-–—]\s+(.+)$", re.IGNORECASE
)
_ID_STEM = re.compile(r"^((?:ADR|RFC|KEP|DL|RETRO|PRD|SPEC)-\d+(?:-\d+)*)", re.IGNORECASE)
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
_KIND_WORDS: dict[str, Kind] = {
    "spec": "spec",
    "prd": "spec",
    "rfc": "spec",
    "kep": "spec",
    "proposal": "spec",
    "design": "spec",
    "decision": "decision",
    "adr": "decision",
    "decision-record": "decision",
    "retro": "retro",
    "retrospective": "retro",
    "dl": "decision",
    "postmortem": "retro",
    "post-mortem": "retro",
    "incident": "retro",
    "incident-review": "retro",
}
_PATH_KINDS: dict[str, Kind] = {
    "adr": "decision",
    "adrs": "decision",
    "decisions": "decision",
    "decision-records": "decision",
    "architecture-decision-record": "decision",
    "retros": "retro",
    "retro": "retro",
    "retrospectives": "retro",
    "postmortems": "retro",
    "post-mortems": "retro",
    "incidents": "retro",
    "rfcs": "spec",
    "specs": "spec",
    "keps": "spec",
    "prds": "spec",
}
_RETRO_SECTIONS = (
    "root cause",
    "impact",
    "timeline",
    "what went well",
    "what went wrong",
    "lessons learned",
    "lessons",
    "action items",
    "follow-up",
    "resolution",
    "contributing factors",
    "where we got lucky",
)
_RETRO_TITLE = re.compile(r"\b(incident|post-?mortem|retro(spective)?|outage)\b", re.IGNORECASE)
_FM_KNOWN = {
    "id",
    "kind",
    "type",
    "title",
    "status",
    "date",
    "owner",
    "owners",
    "deciders",
    "authors",
    "author",
    "decision-makers",
    "superseded-by",
    "superseded_by",
    "supersedes",
    "replaces",
    "see-also",
    "see_also",
    "related",
}
_LINK_KEYS = {
    "superseded-by": "superseded_by",
    "superseded_by": "superseded_by",
    "supersedes": "supersedes",
    "replaces": "replaces",
    "see-also": "see_also",
    "see_also": "see_also",
    "related": "see_also",
}


def kind_word(value: Any) -> Kind | None:
    """'ADR' → decision, 'postmortem' → retro, 'PRD' → spec; None when unknown."""
    return _KIND_WORDS.get(str(value).strip().lower().replace(" ", "-")) if value else None


def _title(spec: ParsedSpec, path: Path) -> str:
    for level in (1, 2, 3):
        for section in spec.sections:
            if section.level == level:
                return clean_text(section.title)
    for line in spec.lines[spec.front_matter_end :]:
        if line.strip():
            return clean_text(line)[:120]
    return path.stem


def _key_values(spec: ParsedSpec) -> list[tuple[str, str]]:
    """`Key: value` lines and metadata-table rows near the top (before the second heading)."""
    found: list[tuple[str, str]] = []
    headings = 0
    for line in spec.lines[spec.front_matter_end : spec.front_matter_end + 60]:
        if line.lstrip().startswith("#"):
            headings += 1
            if headings > 2:
                break
            continue
        match = _KEY_LINE.match(line)
        if match:
            found.append((match.group(1).lower(), match.group(2)))
            continue
        row = _TABLE_ROW.match(line)
        if row and not set(row.group(2)) <= set("-: "):
            found.append((row.group(1).lower(), row.group(2)))
    return found


def _section_text(spec: ParsedSpec, *names: str) -> str | None:
    for section in spec.sections:
        if section.level >= 1 and clean_text(section.title).lower() in names:
            return section.body
    return None


def _guess_kind(
    spec: ParsedSpec, path: Path, title: str, doc_id: str, has_status: bool
) -> tuple[Kind, str]:
    titles = {clean_text(s.title).lower() for s in spec.sections if s.level >= 1}
    for part in reversed(path.parts[:-1]):
        if part.lower() in _PATH_KINDS:
            return _PATH_KINDS[part.lower()], "path"
    if {"decision outcome", "considered options"} & titles:
        return "decision", "madr"
    if "decision" in titles and ("status" in titles or "context" in titles or has_status):
        return "decision", "nygard"
    id_kind = kind_word(re.split(r"[-_ ]", doc_id)[0])
    if id_kind and id_kind != "spec":
        return id_kind, "name"
    if len(titles & set(_RETRO_SECTIONS)) >= 2 or _RETRO_TITLE.search(title):
        return "retro", "retro"
    stem = path.stem.lower()
    if stem.startswith(("adr", "dl-")):
        return "decision", "name"
    if stem.startswith(("retro", "postmortem", "incident")):
        return "retro", "name"
    return "spec", "default"


def _apply_front_matter(inferred: Inferred, front: dict[str, Any]) -> None:
    if front.get("id"):
        doc_id = str(front["id"]).strip()
        if len(doc_id) <= MAX_NAME_CHARS:
            inferred.id = doc_id
        else:
            inferred.warnings.append(
                f"front matter id is over {MAX_NAME_CHARS} characters; the id is inferred"
            )
    kind = kind_word(front.get("kind") or front.get("type"))
    if kind:
        inferred.kind = kind
    if front.get("title"):
        inferred.title = clip(clean_text(str(front["title"])), MAX_NAME_CHARS)
    if front.get("status"):
        inferred.status = normalise_status(front["status"])
        for rel, target in relations_in(clip(str(front["status"]), MAX_VALUE_CHARS)):
            inferred.add_link(rel, target)
    if front.get("date"):
        inferred.date = normalise_date(front["date"])
    for key in ("owner", "owners", "deciders", "decision-makers", "authors", "author"):
        inferred.add_owners(people(front.get(key)))
    for key, rel in _LINK_KEYS.items():
        for target in listed(front.get(key)):
            if target:
                inferred.add_link(rel, clip(link_target(str(target)), MAX_NAME_CHARS))
    for key, value in list(front.items())[:MAX_ITEMS]:
        extra = as_extra(value)
        if str(key) not in _FM_KNOWN and extra is not None:
            inferred.extra[clip(str(key), MAX_NAME_CHARS)] = extra


def _apply_key_values(inferred: Inferred, pairs: list[tuple[str, str]]) -> None:
    for key, value in pairs:
        if key == "status" and inferred.status is None:
            inferred.status = normalise_status(value)
            for rel, target in relations_in(value):
                inferred.add_link(rel, target)
        elif key in ("date", "start date", "created") and inferred.date is None:
            inferred.date = normalise_date(value)
        elif key == "last modified":
            inferred.extra["last_modified"] = normalise_date(value) or value
        elif key in (
            "deciders",
            "decision-makers",
            "decision makers",
            "author",
            "authors",
            "owner",
            "owners",
            "created by",
            "facilitator",
            "facilitators",
        ):
            inferred.add_owners(people(value))
        elif key in ("supersedes", "superseded by", "replaces", "see also"):
            rel = {"superseded by": "superseded_by", "see also": "see_also"}.get(key, key)
            for target in re.split(r",|;", value):
                inferred.add_link(rel, link_target(target))
        elif key in ("tags", "feature name", "rfc pr"):
            inferred.extra[key.replace(" ", "_")] = clean_text(value)


def infer_markdown(text: str, path: Path) -> Inferred:
    """Everything the text itself says about the document; never raises."""
    spec = parse_spec(text)
    inferred = Inferred()
    if spec.front_matter_error:
        inferred.warnings.append(f"{spec.front_matter_error}; metadata inferred from the text")
    if spec.front_matter:
        inferred.style = "front-matter"
        _apply_front_matter(inferred, spec.front_matter)
    heading_title = _title(spec, path)
    prefixed = _ID_PREFIX.match(heading_title)
    if inferred.title is None:
        inferred.title = clean_text(prefixed.group(2)) if prefixed else heading_title
    if inferred.id is None:
        stem_id = _ID_STEM.match(path.stem)
        if prefixed:
            inferred.id = prefixed.group(1).upper().replace("_", "-").replace(" ", "-")
        elif stem_id:
            inferred.id = stem_id.group(1).upper()
        else:
            inferred.id = path.stem
    _apply_key_values(inferred, _key_values(spec))
    status_section = _section_text(spec, "status")
    if status_section is not None:
        first = next((ln for ln in status_section.splitlines() if ln.strip()), "")
        if inferred.status is None and first:
            inferred.status = normalise_status(first)
        for rel, target in relations_in(status_section):
            inferred.add_link(rel, target)
    if inferred.status in ("deprecated", "superseded", "replaced", "obsolete"):
        # NATS-style records say where they went in a revision history row:
        # "| final | 2024/07/17 | Deprecate in favor of ADR-37 |".
        for name in ("revision history", "changelog", "history", "deprecated"):
            section = _section_text(spec, name)
            if section is not None:
                for rel, target in relations_in(section, RETIREMENT_RELATIONS):
                    inferred.add_link(rel, target)
    kind, style = _guess_kind(
        spec, path, inferred.title or "", inferred.id or "", inferred.status is not None
    )
    if inferred.kind is None:
        inferred.kind = kind
    if inferred.style == "text" or style in ("madr", "nygard"):
        inferred.style = style if style != "default" else inferred.style
    if inferred.date is None:
        named = _DATE_IN_NAME.search(path.name)
        if named:
            inferred.date = named.group(1)
    if inferred.date is None and isinstance(inferred.extra.get("last_modified"), str):
        inferred.date = str(inferred.extra["last_modified"])
    return inferred
