"""The metadata a format parser infers from one document (before a manifest overrides it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.models import Kind, Link


@dataclass
class Inferred:
    """Fields found in the text (or kep.yaml); None where the document does not say."""

    id: str | None = None
    kind: Kind | None = None
    title: str | None = None
    status: str | None = None
    date: str | None = None
    owners: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    extra: dict[str, str | list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    style: str = "text"  # which format recognised it: front-matter, nygard, madr, table, kep, ...

    def add_link(self, rel: str, target: str) -> None:
        target = target.strip()
        if target and not any(k.rel == rel and k.target == target for k in self.links):
            self.links.append(Link(rel=rel, target=target))

    def add_owners(self, names: list[str]) -> None:
        for name in names:
            if name not in self.owners:
                self.owners.append(name)
