"""Loading files and folders: metadata per format, manifests, and bad input."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assistant.errors import InputError
from index.load import MAX_BYTES, load_path, load_text
from tests.hostile_yaml import HOSTILE, with_front_matter

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "index"
FORMATS = FIXTURES / "formats"


@pytest.fixture(scope="module")
def by_id() -> dict[str, object]:
    result = load_path(FORMATS)
    assert result.skipped == [] and result.warnings == []
    return {d.id: d for d in result.documents}


@pytest.mark.parametrize(
    ("doc_id", "kind", "title", "status", "date", "owners", "links"),
    [
        (  # MADR: front matter, Considered Options, Decision Outcome
            "0004-use-postgres-for-orders",
            "decision",
            "Use PostgreSQL for the orders service",
            "accepted",
            "2023-04-11",
            ["Ana Ruiz", "Tomás Berg"],
            [("supersedes", "ADR-0002")],
        ),
        (  # Nygard: id in the heading, dd/mm/yyyy date, '## Status' section with a link
            "ADR-0007",
            "decision",
            "One message queue per tenant",
            "superseded",
            "2022-03-14",
            [],
            [("superseded_by", "ADR-0011")],
        ),
        (  # NATS-style metadata table
            "ADR-3",
            "decision",
            "Stream retention defaults",
            "implemented",
            "2021-06-30",
            ["@mira"],
            [],
        ),
        (  # KEP folder: kep.yaml wins over the README
            "kep-3021-widget-autoscaling",
            "spec",
            "Widget autoscaling",
            "implementable",
            "2022-01-05",
            ["sig-autoscaling", "@lee"],
            [("replaces", "kep-1500-static-widgets")],
        ),
        (  # postmortem: kind from its sections, date from the file name
            "2024-02-01-login-outage",
            "retro",
            "Postmortem: login outage on 2024-02-01",
            None,
            "2024-02-01",
            ["Priya Nair"],
            [],
        ),
        (  # PRD with Key: value preamble
            "prd-saved-carts",
            "spec",
            "PRD: Saved carts",
            "draft",
            None,
            ["Dana Lee"],
            [],
        ),
        ("release-checklist", "spec", "Release checklist", None, None, [], []),  # plain text
    ],
)
def test_each_format_yields_its_metadata(
    by_id, doc_id, kind, title, status, date, owners, links
) -> None:
    doc = by_id[doc_id]
    assert (doc.kind, doc.title, doc.status, doc.date) == (kind, title, status, date)
    assert doc.owners == owners
    assert [(link.rel, link.target) for link in doc.links] == links
    assert doc.text and doc.content_hash


def test_kep_extra_fields_and_single_file_paths(by_id) -> None:
    kep = by_id["kep-3021-widget-autoscaling"]
    assert kep.extra["approvers"] == ["@kim"] and kep.extra["stage"] == "beta"
    # Pointing at kep.yaml or the README alone gives the same document.
    for path in ("kep.yaml", "README.md"):
        single = load_path(FORMATS / "keps" / "3021-widget-autoscaling" / path)
        assert [d.id for d in single.documents] == ["kep-3021-widget-autoscaling"]
    assert len(by_id) == 7  # no stray documents (kep.yaml is metadata, not a document)


def test_manifest_ids_and_fields_win_and_problems_are_reported() -> None:
    result = load_path(FIXTURES / "manifest_kb")
    docs = {d.id: d for d in result.documents}
    assert set(docs) == {"DEC-1", "RET-9"}  # unlisted.md is not indexed
    alpha = docs["DEC-1"]
    assert (alpha.kind, alpha.title, alpha.status, alpha.date) == (
        "decision",
        "Ship alpha behind a flag",
        "accepted",
        "2024-05-01",
    )
    assert alpha.owners == ["Team Alpha"]
    beta = docs["RET-9"]
    assert (beta.kind, beta.title, beta.status) == ("retro", "Beta retro notes", "final")
    assert beta.extra["tags"] == ["beta", "docs"]
    reasons = sorted(s.reason for s in result.skipped)
    assert len(reasons) == 3
    assert any("not found" in r for r in reasons)
    assert any("needs at least `id` and `path`" in r for r in reasons)
    assert any("not valid JSON" in r for r in reasons)


def test_single_file_keeps_its_manifest_id() -> None:
    result = load_path(FIXTURES / "manifest_kb" / "docs" / "alpha.md")
    assert [d.id for d in result.documents] == ["DEC-1"]


def test_links_written_as_file_names_resolve_to_ids(tmp_path: Path) -> None:
    (tmp_path / "001-old-way.md").write_text("# Old way\n\n## Status\n\nAccepted\n")
    (tmp_path / "002-new-way.md").write_text(
        "# New way\n\n## Status\n\nSupersedes [1. Old way](001-old-way.md)\n"
    )
    (tmp_path / "003-newest.md").write_text(
        "---\nid: DEC-3\nsuperseded-by: 004-later\n---\n# Newest\n"
    )
    docs = {d.id: d for d in load_path(tmp_path).documents}
    assert [(k.rel, k.target) for k in docs["002-new-way"].links] == [("supersedes", "001-old-way")]
    assert [(k.rel, k.target) for k in docs["DEC-3"].links] == [("superseded_by", "004-later")]


def test_a_retired_record_names_its_successor_in_its_revision_history(tmp_path: Path) -> None:
    table = "| Metadata | Value |\n|---|---|\n| Date | 2021-08-11 |\n| Status | {status} |\n"
    history = (
        "\n## Revision History\n\n| Revision | Date | Description |\n|---|---|---|\n"
        "| final | 2024/07/17 | Deprecate in favor of ADR-37 |\n"
    )
    (tmp_path / "ADR-15.md").write_text(
        "# Subscribe flow\n\n" + table.format(status="Deprecated") + history
    )
    # The same words in an accepted record are a preference, not a retirement.
    (tmp_path / "ADR-16.md").write_text(
        "# Pull flow\n\n" + table.format(status="Approved") + history
    )
    (tmp_path / "ADR-37.md").write_text(
        "# Simplified consumers\n\n" + table.format(status="Implemented")
    )
    docs = {d.id: d for d in load_path(tmp_path).documents}
    assert [(k.rel, k.target) for k in docs["ADR-15"].links] == [("superseded_by", "ADR-37")]
    assert docs["ADR-16"].links == []


def _bad_inputs(folder: Path) -> dict[str, str]:
    """Write one file per kind of bad input; return name → expected reason fragment."""
    (folder / "empty.md").write_text("  \n")
    (folder / "binary.md").write_bytes(b"\x89PNG\r\n\x00\x00\x00binary")
    (folder / "latin1.md").write_bytes("# Caf\xe9\n".encode("latin-1"))
    with (folder / "huge.md").open("wb") as fh:
        fh.write(b"# Huge\n" + b"x" * (MAX_BYTES + 1))
    (folder / "picture.png").write_bytes(b"\x89PNG")
    return {
        "empty.md": "is empty",
        "binary.md": "looks binary",
        "latin1.md": "not UTF-8",
        "huge.md": "larger than 5 MB",
        "picture.png": "not a markdown or text file",
    }


def test_bad_files_are_skipped_with_one_line_reasons(tmp_path: Path) -> None:
    expected = _bad_inputs(tmp_path)
    (tmp_path / "good.md").write_text("# Good\n\nfine\n")
    result = load_path(tmp_path)
    assert [d.id for d in result.documents] == ["good"]
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert set(reasons) == set(expected)
    for name, fragment in expected.items():
        assert fragment in reasons[name]
        assert "\n" not in reasons[name]


def test_broken_front_matter_and_kep_yaml_are_indexed_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\n# Still here\n\ntext\n")
    kep = tmp_path / "keps" / "77-broken"
    shutil.copytree(FORMATS / "keps" / "3021-widget-autoscaling", kep)
    (kep / "kep.yaml").write_text("title: : :\n  - [\n")
    result = load_path(tmp_path)
    docs = {d.id: d for d in result.documents}
    assert docs["broken"].title == "Still here"
    assert docs["kep-77-broken"].kind == "spec"
    assert docs["kep-77-broken"].title == "Widget autoscaling"  # from the README heading
    warnings = {Path(w.path).name: w.reason for w in result.warnings}
    assert "broken YAML front matter" in warnings["broken.md"]
    assert "broken kep.yaml" in warnings["README.md"]


def test_hostile_front_matter_and_kep_yaml_are_indexed_with_a_warning(tmp_path: Path) -> None:
    """Alias bombs, deep nesting and huge integers (issue 17): text indexed, metadata refused."""
    for n, text in enumerate(HOSTILE.values()):
        (tmp_path / f"hostile-{n}.md").write_text(with_front_matter(text))
        kep = tmp_path / "keps" / f"9{n}-hostile"
        shutil.copytree(FORMATS / "keps" / "3021-widget-autoscaling", kep)
        (kep / "kep.yaml").write_text(text)
    result = load_path(tmp_path)
    docs = {d.id: d for d in result.documents}
    assert len(docs) == 2 * len(HOSTILE) and result.skipped == []
    for n in range(len(HOSTILE)):
        assert docs[f"hostile-{n}"].title == "Export invoices"
        assert docs[f"kep-9{n}-hostile"].title == "Widget autoscaling"
    reasons = [w.reason for w in result.warnings]
    assert len(reasons) == 2 * len(HOSTILE)
    assert all("over a limit" in r and len(r) < 300 for r in reasons), reasons


def test_metadata_strings_from_front_matter_are_bounded(tmp_path: Path) -> None:
    front = (
        f"id: {'i' * 500}\ntitle: {'t' * 5000}\nowners: [{', '.join(['ana'] * 2000)}]\n"
        f"supersedes: [{', '.join(f'ADR-{i}' for i in range(2000))}]\n"
        f"notes: {'n' * 50_000}\n" + "".join(f"k{i}: v\n" for i in range(200))
    )
    (tmp_path / "big-meta.md").write_text(with_front_matter(front))
    result = load_path(tmp_path)
    [doc] = result.documents
    assert doc.id == "big-meta"  # a 500-character id is not taken
    assert len(doc.title) == 200 and doc.owners == ["ana"]
    assert len(doc.links) == 100
    assert len(doc.extra) <= 100 and len(str(doc.extra["notes"])) == 1000
    [warning] = result.warnings
    assert "id is over 200 characters" in warning.reason


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_skipped(tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n")
    secret.chmod(0)
    try:
        result = load_path(tmp_path)
    finally:
        secret.chmod(0o600)
    assert result.documents == []
    assert "unreadable" in result.skipped[0].reason


def test_unreadable_path_is_skipped_via_a_broken_symlink(tmp_path: Path) -> None:
    (tmp_path / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    result = load_path(tmp_path)
    assert result.documents == []
    assert "nowhere.md, which does not exist" in result.skipped[0].reason


def test_missing_path_is_skipped() -> None:
    result = load_path(Path("/definitely/not/here"))
    assert result.documents == [] and result.skipped[0].reason == "not found"


def test_duplicate_ids_keep_the_first(tmp_path: Path) -> None:
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text("---\nid: SAME\n---\n# Doc\n")
    result = load_path(tmp_path)
    assert [Path(d.path).name for d in result.documents] == ["a.md"]
    assert "duplicate id 'SAME'" in result.skipped[0].reason


def test_load_text_for_uploads() -> None:
    doc = load_text(
        "# ADR-0042: Use gRPC internally\r\n\r\nStatus: Accepted\r\n\r\n## Decision\r\nYes.\r\n",
        path="upload/adr-42.md",
    )
    assert (doc.id, doc.kind, doc.title, doc.status) == (
        "ADR-0042",
        "decision",
        "Use gRPC internally",
        "accepted",
    )
    assert "\r" not in doc.text
    assert load_text("# X\n", path="x.md", doc_id="given").id == "given"
    with pytest.raises(InputError, match="empty"):
        load_text("   ", path="blank.md")


def test_content_hash_changes_with_text_or_metadata(tmp_path: Path) -> None:
    file = tmp_path / "a.md"
    file.write_text("---\nstatus: proposed\n---\n# A\n")
    first = load_path(file).documents[0].content_hash
    assert load_path(file).documents[0].content_hash == first
    file.write_text("---\nstatus: accepted\n---\n# A\n")
    assert load_path(file).documents[0].content_hash != first
