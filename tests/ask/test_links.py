"""Supersede links resolved to indexed ids and made two-way (pure)."""

from __future__ import annotations

import pytest

from assistant.links import build_links, resolve_target
from assistant.models import DocumentRecord, Link

IDS = ["kep-536-topology-aware-routing", "kep-2433-topology-aware-hints", "adr-nats-ADR-37"]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("kep-2433-topology-aware-hints", "kep-2433-topology-aware-hints"),
        ("KEP-2433", "kep-2433-topology-aware-hints"),
        ("ADR-37", "adr-nats-ADR-37"),
        ("ADR-3", None),  # a part must match whole: not ADR-37
        ("topology-aware", None),
        ("", None),
    ],
)
def test_resolve_target(target, expected) -> None:
    assert resolve_target(target, IDS) == expected


def _record(doc_id: str, *links: tuple[str, str]) -> DocumentRecord:
    return DocumentRecord(
        id=doc_id,
        kind="spec",
        title=doc_id,
        path=f"{doc_id}.md",
        links=[Link(rel=rel, target=target) for rel, target in links],
    )


def test_links_are_two_way_and_skip_what_is_not_indexed() -> None:
    links = build_links(
        [
            _record("kep-536-topology-aware-routing", ("superseded_by", "KEP-2433")),
            _record("kep-2433-topology-aware-hints"),
            _record("adr-nats-ADR-37", ("replaces", "ADR-15"), ("see_also", "kep-2433")),
        ]
    )
    assert links["kep-536-topology-aware-routing"] == [
        ("superseded_by", "kep-2433-topology-aware-hints")
    ]
    assert links["kep-2433-topology-aware-hints"] == [
        ("replaces", "kep-536-topology-aware-routing")
    ]
    assert "adr-nats-ADR-37" not in links  # ADR-15 is not indexed; see_also is not a supersede
