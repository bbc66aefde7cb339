"""Metadata kept beside a draft: a KEP's `kep.yaml` next to its README.md (I/O at the edge).

Kubernetes enhancement proposals keep their owners there, not in the text: the owning SIG,
authors, reviewers and approvers. A review of the README reads it, so that owners are seen where
the template puts them, and `approvers: TBD` there is a finding like an owner TBD in the text.
"""

from __future__ import annotations

from pathlib import Path

from assistant.safe_yaml import load_yaml

SIDECAR_NAMES = ("kep.yaml", "kep.yml")
MAX_SIDECAR_BYTES = 256_000


def read_sidecar(path: Path) -> tuple[dict[str, object] | None, str | None]:
    """(metadata, warning): the kep.yaml beside a README.md, or (None, None) when there is none.

    Never raises: an unreadable or broken file is a warning, and the review goes on without it.
    """
    if path.name.lower() != "readme.md":
        return None, None
    for name in SIDECAR_NAMES:
        candidate = path.parent / name
        if not candidate.is_file():
            continue
        try:
            with candidate.open("rb") as handle:
                data = handle.read(MAX_SIDECAR_BYTES + 1)
        except OSError as exc:
            return None, f"{name}: not read ({exc.strerror or exc})"
        if len(data) > MAX_SIDECAR_BYTES:
            return None, f"{name}: not read (over {MAX_SIDECAR_BYTES // 1000} KB)"
        meta, reason = load_yaml(data.decode("utf-8", errors="replace"))
        if reason is not None:
            return None, f"{name}: broken YAML ({reason})"
        if not isinstance(meta, dict):
            return None, f"{name}: not a mapping"
        return {str(k): v for k, v in meta.items()}, None
    return None, None
