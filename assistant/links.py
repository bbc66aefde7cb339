"""Supersede / replace links between records, resolved to indexed ids and made two-way.

Record formats name the other record loosely ("KEP-2433", "ADR-37", a manifest id), and often
only one side states the link (a new KEP `replaces` an old one that says nothing). The asker
needs, for any record, what replaced it and what it replaced, by indexed id.
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant.models import DocumentRecord

SUCCESSOR_RELS = frozenset({"superseded_by", "replaced_by", "superseded-by", "replaced-by"})
PREDECESSOR_RELS = frozenset({"replaces", "supersedes"})

Links = dict[str, list[tuple[str, str]]]  # doc id -> [(rel, other doc id)], rel normalised


def resolve_target(target: str, ids: Iterable[str]) -> str | None:
    """The indexed id a link target names: exact, or the one id that starts or ends with it
    as a whole dash-separated part ("KEP-2433" -> "kep-2433-topology-aware-hints")."""
    wanted = target.strip().lower()
    if not wanted:
        return None
    lowered = {i.lower(): i for i in ids}
    if wanted in lowered:
        return lowered[wanted]
    matches = [
        original
        for low, original in lowered.items()
        if low.startswith(wanted + "-") or low.endswith("-" + wanted)
    ]
    return matches[0] if len(matches) == 1 else None


def build_links(records: Iterable[DocumentRecord]) -> Links:
    """Two-way supersede links between indexed records ("superseded_by" / "replaces")."""
    records = list(records)
    ids = [r.id for r in records]
    links: Links = {}

    def add(source: str, rel: str, target: str) -> None:
        pair = (rel, target)
        if source != target and pair not in links.setdefault(source, []):
            links[source].append(pair)

    for record in records:
        for link in record.links:
            if link.rel in SUCCESSOR_RELS:
                newer = resolve_target(link.target, ids)
                if newer:
                    add(record.id, "superseded_by", newer)
                    add(newer, "replaces", record.id)
            elif link.rel in PREDECESSOR_RELS:
                older = resolve_target(link.target, ids)
                if older:
                    add(record.id, "replaces", older)
                    add(older, "superseded_by", record.id)
    return links
