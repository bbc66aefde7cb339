"""The history audit (assistant/audit*.py): each kind on small records of our own, the command
end to end on tests/fixtures/audit, and the cheap kinds on ../shared/corpus."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.audit import run_audit
from assistant.audit_pairs import near_duplicates
from assistant.audit_single import broken_links, missing_metadata, superseded_but_accepted
from assistant.models import DocumentRecord, Link
from index.load import load_paths

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "audit"


def record(
    doc_id: str,
    *,
    kind: str = "decision",
    status: str | None = "accepted",
    date: str | None = "2024-01-01",
    owners: Sequence[str] = ("Ana Silva",),
    links: Sequence[tuple[str, str]] = (),
    text: str = "",
    path: str = "",
) -> DocumentRecord:
    return DocumentRecord(
        id=doc_id,
        kind=kind,  # type: ignore[arg-type]
        title=doc_id,
        path=path or f"kb/{doc_id}.md",
        status=status,
        date=date,
        owners=list(owners),
        links=[Link(rel=rel, target=target) for rel, target in links],
        text=text or f"# {doc_id}\n\nStatus: {status}\n",
    )


def nothing_exists(_: str) -> bool:
    return False


# --- superseded but accepted -----------------------------------------------------------------


def test_an_accepted_record_that_a_later_one_supersedes_is_flagged_with_both_lines() -> None:
    old = record("ADR-3", date="2021-02-02", text="# ADR-3: Search\n\nStatus: Accepted\n")
    new = record(
        "ADR-7",
        date="2024-01-10",
        links=[("supersedes", "ADR-3")],
        text="# ADR-7: Typesense\n\nStatus: Accepted\nSupersedes: ADR-3\n",
    )
    [item] = superseded_but_accepted([old, new])
    assert item.kind == "superseded_but_accepted"
    assert (item.record.id, item.record.line, item.record.quote) == ("ADR-3", 3, "Status: Accepted")
    assert (item.other.id, item.other.line) == ("ADR-7", 4)  # type: ignore[union-attr]
    assert "ADR-3 still says “accepted”, but ADR-7" in item.message


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # The old record already says so.
        (record("A", status="superseded"), record("B", links=[("replaces", "A")])),
        # A proposal that "replaces" it has not replaced it yet.
        (record("A"), record("B", status="proposed", links=[("replaces", "A")])),
        (record("A"), record("B", status="rejected", links=[("supersedes", "A")])),
        # "Later" is part of the claim.
        (record("A", date="2024-05-01"), record("B", date="2023-01-01", links=[("replaces", "A")])),
        # A see-also is not a supersession.
        (record("A"), record("B", links=[("see_also", "A")])),
    ],
)
def test_what_is_not_a_superseded_record(old: DocumentRecord, new: DocumentRecord) -> None:
    assert superseded_but_accepted([old, new]) == []


def test_superseded_by_on_the_old_record_counts_once() -> None:
    old = record("A", links=[("superseded_by", "B")])
    new = record("B", links=[("supersedes", "A")])
    assert [(i.record.id, i.other.id) for i in superseded_but_accepted([old, new])] == [  # type: ignore[union-attr]
        ("A", "B")
    ]


def _ci(newer_decision: str, *, newer_status: str = "accepted", links=()) -> list:
    from assistant.audit_retired import retired_but_accepted

    old = record(
        "ADR-3",
        date="28/03/2018",  # day-first, as some manifests keep dates
        text="# Use Concourse CI\n\n## Status\n\nAccepted\n\n## Decision\n\nConcourse.\n",
    ).model_copy(update={"title": "Use Concourse CI"})
    newer = record(
        "ADR-40",
        date="2026-01-02",
        status=newer_status,
        links=links,
        text=(
            "# Use GitHub Actions\n\n## Context\n\nWe run a self-managed Concourse today.\n\n"
            f"## Decision\n\nWe will switch to GitHub Actions.\n\n## Consequences\n\n"
            f"- {newer_decision}\n"
        ),
    )
    return retired_but_accepted([old, newer])


def test_a_later_record_that_retires_what_an_accepted_one_chose() -> None:
    [item] = _ci("We will decomission our Concourse pipelines after the move.")
    assert (item.record.id, item.record.line, item.record.quote) == (
        "ADR-3",
        1,
        "# Use Concourse CI",
    )
    assert (item.other.id, item.other.line) == ("ADR-40", 13)  # type: ignore[union-attr]
    assert "ADR-40 (accepted, 2026-01-02) retires Concourse without naming ADR-3" in item.message


@pytest.mark.parametrize(
    ("sentence", "status", "links"),
    [
        ("We replace Jenkins with Concourse.", "accepted", ()),  # adopted, not retired
        ("Pipelines stay as they are.", "accepted", ()),  # only the context names it
        ("We will decommission our Concourse pipelines.", "proposed", ()),  # not in force
        ("We will decommission our Concourse pipelines.", "accepted", [("supersedes", "ADR-3")]),
    ],
)
def test_what_is_not_retiring_an_accepted_choice(sentence: str, status: str, links) -> None:
    assert _ci(sentence, newer_status=status, links=links) == []


# --- broken links ----------------------------------------------------------------------------


def test_relative_links_to_missing_files_and_supersession_ids_nobody_carries() -> None:
    text = (
        "# ADR-8\n\nReplaces: ADR-99\n\nSee [the runbook](../runbooks/search.md), "
        "[ADR-7](ADR-7.md), [the site](https://example.com/x.md) and [below](#status).\n"
        "<!-- [a prompt](template.md) -->\n```\n[code](example.md)\n```\n"
    )
    records = [
        record("ADR-8", links=[("replaces", "ADR-99"), ("see_also", "ADR-42")], text=text),
        record("ADR-7"),
    ]
    exists = {"kb/ADR-8.md"}.__contains__
    items = broken_links(records, exists)
    assert [(i.record.line, i.other.id) for i in items] == [  # type: ignore[union-attr]
        (5, "../runbooks/search.md"),
        (3, "ADR-99"),
    ]
    assert "no file at runbooks/search.md" in items[0].message
    assert "no indexed record has the id (replaces)" in items[1].message


def test_a_numbered_id_names_the_record_whatever_its_slug() -> None:
    """`KEP-2433` in a kep.yaml names the indexed `kep-2433-topology-aware-hints`."""
    records = [
        record("kep-536-routing", links=[("superseded_by", "KEP-2433")]),
        record("kep-2433-topology-aware-hints"),
    ]
    assert broken_links(records, lambda _: True) == []


def test_a_wrong_path_to_an_indexed_record_says_where_it_is() -> None:
    text = "# ADR-8\n\nSee [ADR-57](adr/ADR-57.md).\n"
    records = [
        record("ADR-8", text=text, path="kb/ADR-8.md"),
        record("ADR-57", path="kb/ADR-57.md"),
    ]
    [item] = broken_links(records, {"kb/ADR-8.md"}.__contains__)
    assert "no file at kb/adr/ADR-57.md (a record of that name, ADR-57, is at kb/ADR-57.md)" in (
        item.message
    )


def test_links_of_a_record_read_elsewhere_are_not_judged() -> None:
    """Audited from another folder, relative links cannot be resolved: say so, flag nothing."""
    records = [record("ADR-8", text="# ADR-8\n\nSee [x](x.md).\n")]
    report = run_audit(records, file_exists=nothing_exists, kinds=["broken_link"])
    assert report.items == []
    assert report.skipped == [
        "broken_link: 1 of 1 records are not at their indexed paths from here (run the audit "
        "where `specreview index` ran); their relative links were not checked"
    ]


# --- missing metadata ------------------------------------------------------------------------


def test_metadata_is_asked_for_as_each_kind_needs_it() -> None:
    records = [
        record("ADR-1", status=None, date=None, owners=()),  # a decision: status and date
        record("ADR-2", owners=()),  # deciders are recorded by the approval: fine
        record("spec-1", kind="spec", owners=()),  # a plan needs an owner
        record("retro-1", kind="retro", status=None, owners=()),  # a retro has no status
        record("retro-2", kind="retro", status=None, date=None),
    ]
    found = {i.record.id: i.message for i in missing_metadata(records)}
    assert set(found) == {"ADR-1", "spec-1", "retro-2"}
    assert found["ADR-1"].startswith("ADR-1 (decision) has no status or date.")
    assert found["spec-1"].startswith("spec-1 (spec) has no owner.")
    assert found["retro-2"].startswith("retro-2 (retro) has no date.")


def test_handles_listed_under_a_who_heading_are_owners() -> None:
    """Rust's project-group RFCs list their leads under a question, not in a field."""
    listed = "# Group\n\n## Who are the initial shepherds/leaders?\n\n- @ana\n- @bo\n"
    rust = "# IO safety\n\n## Formalizing ownership\n\nThe Rust borrow checker owns @fd.\n"
    records = [
        record("rfc-1", kind="spec", owners=(), text=listed),
        record("rfc-2", kind="spec", owners=(), text=rust.replace(" owns @fd", "")),
    ]
    assert [i.record.id for i in missing_metadata(records)] == ["rfc-2"]


def test_the_item_points_at_the_title_past_front_matter() -> None:
    text = "---\ntype: spec\n---\n\n# Bulk export\n\nText.\n"
    [item] = missing_metadata([record("s", kind="spec", owners=(), text=text)])
    assert (item.record.line, item.record.quote) == (5, "# Bulk export")


# --- near-duplicates -------------------------------------------------------------------------


class WordsEmbedder:
    """Bag-of-words vectors over a fixed vocabulary: semantic enough for copies, honest."""

    name = "words-test"

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out = []
        for text in texts:
            vector = [0.0] * 512
            for word in re.findall(r"[a-z]+", text.lower()):
                vector[self.vocabulary.setdefault(word, len(self.vocabulary) % 512)] += 1.0
            out.append(vector)
        return out


def test_copies_are_near_duplicates_and_a_shared_template_is_not() -> None:
    template = "\n".join(f"- [ ] checklist item number {n} of the template" for n in range(30))
    one = "# Search cutover\n\nWe cut over all traffic at once with no rollback plan.\n"
    records = [
        record("R-1", kind="retro", text=one),
        record("R-2", kind="retro", text=one.replace("Search", "Search index")),
        # Three records that share only their template's checklist.
        record("K-1", kind="spec", text=f"# Pods\n{template}\nPods restart on failure.\n"),
        record("K-2", kind="spec", text=f"# Quotas\n{template}\nQuota per namespace.\n"),
        record("K-3", kind="spec", text=f"# Tokens\n{template}\nTokens expire hourly.\n"),
    ]
    items = near_duplicates(records, embedder=WordsEmbedder())
    assert [(i.record.id, i.other.id) for i in items] == [("R-1", "R-2")]  # type: ignore[union-attr]
    assert (items[0].record.line, items[0].other.line) == (1, 1)  # type: ignore[union-attr]


def test_records_that_link_each_other_are_not_duplicates() -> None:
    one = "# Search cutover\n\nWe cut over all traffic at once with no rollback plan.\n"
    records = [
        record("R-1", kind="retro", text=one),
        record("R-2", kind="retro", text=one, links=[("supersedes", "R-1")]),
    ]
    assert near_duplicates(records, embedder=WordsEmbedder()) == []


def test_without_a_semantic_model_or_a_history_those_kinds_are_skipped_saying_why() -> None:
    from assistant.embed import HashingEmbedder

    report = run_audit([record("A")], file_exists=lambda _: True, embedder=HashingEmbedder())
    assert report.skipped == [
        "conflicting_decisions: no indexed history to search",
        "near_duplicate: needs the semantic embedder (minilm)",
    ]


# --- the command, end to end ------------------------------------------------------------------


@pytest.fixture
def indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """tests/fixtures/audit indexed into a fresh store (hashing embedder); a runner of the
    whole command from the fixtures folder, where the records' relative paths resolve."""
    import cli

    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    monkeypatch.chdir(FIXTURES.parent)
    store = str(tmp_path / "store")

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["specreview", "--store", store, *args])
        with pytest.raises(SystemExit) as exit_info:
            cli.main()
        out, err = capsys.readouterr()
        return int(exit_info.value.code or 0), out, err

    assert run("index", "audit")[0] == 0
    return run


def _cited(item: dict[str, object]) -> tuple[object, ...]:
    rec, other = item["record"], item["other"] or {}
    return (
        item["kind"],
        rec["id"],  # type: ignore[index]
        rec["line"],  # type: ignore[index]
        other.get("id"),  # type: ignore[attr-defined]
        other.get("line"),  # type: ignore[attr-defined]
    )


def test_audit_json_cites_both_records_with_lines(indexed) -> None:
    code, out, _ = indexed("audit", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["records"] == 9
    assert [_cited(i) for i in report["items"]] == [
        ("superseded_but_accepted", "ADR-0003", 3, "ADR-0007", 6),
        ("conflicting_decisions", "ADR-0002", 14, "ADR-0001", 16),
        ("broken_link", "ADR-0007", 21, "../runbooks/elasticsearch.md", None),
        ("broken_link", "ADR-0008", 6, "ADR-0099", None),
        ("missing_metadata", "ADR-0009", 1, None, None),
        ("missing_metadata", "bulk-export", 7, None, None),
    ]
    assert report["skipped"] == ["near_duplicate: needs the semantic embedder (minilm)"]


def test_audit_text_and_markdown(indexed) -> None:
    code, out, _ = indexed("audit")
    assert code == 0
    assert "superseded, still accepted (superseded_but_accepted): 1" in out
    assert (
        "audit/decisions/ADR-0003-search-on-elasticsearch.md:3 ↔ "
        "audit/decisions/ADR-0007-search-on-typesense.md:6: ADR-0003 still says “accepted”"
    ) in out
    assert (
        out.rstrip()
        .splitlines()[-1]
        .startswith(
            "6 items over 9 records (1 superseded_but_accepted, 1 conflicting_decisions, "
            "2 broken_link, 2 missing_metadata) in "
        )
    )
    code, out, _ = indexed("audit", "--markdown")
    assert code == 0
    assert out.startswith("# History audit: 6 items over 9 records\n")
    assert "| superseded, still accepted (`superseded_but_accepted`) | 1 |" in out
    assert "“Status: Accepted”" in out


def test_audit_refuses_two_formats(indexed) -> None:
    code, _, err = indexed("audit", "--json", "--markdown")
    assert code == 2
    assert "--json and --markdown: choose one" in err


def test_an_empty_store_audits_to_nothing(tmp_path: Path, monkeypatch, capsys) -> None:
    import cli

    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    monkeypatch.setattr(sys, "argv", ["specreview", "audit", "--store", str(tmp_path / "s")])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 0
    assert "0 items over 0 records" in capsys.readouterr().out


# --- the shared corpus ------------------------------------------------------------------------


@pytest.mark.slow
def test_the_cheap_kinds_on_the_shared_corpus(shared_dir: Path, monkeypatch) -> None:
    """Records read from the files as `specreview index` reads them (no store, no model)."""
    monkeypatch.chdir(shared_dir.parent)
    documents = load_paths([Path(shared_dir.name) / "corpus"]).documents
    records = [DocumentRecord(**d.model_dump()) for d in documents]
    report = run_audit(
        records,
        file_exists=lambda p: Path(p).is_file(),
        kinds=["superseded_but_accepted", "broken_link", "missing_metadata"],
    )
    found = {(i.kind, i.record.id, i.other.id if i.other else None) for i in report.items}
    # kep-2377's kep.yaml says implemented and superseded-by kep-2386.
    assert (
        "superseded_but_accepted",
        "kep-2377-Kustomize",
        "kep-2386-kustomize-subcommand-integration",
    ) in found
    # NATS ADR-8 sits beside ADR-57 but links to adr/ADR-57.md.
    assert ("broken_link", "adr-nats-ADR-8", "adr/ADR-57.md") in found
    # MADR's own records carry no status or date.
    assert any(k == "missing_metadata" and r.startswith("adr-madr") for k, r, _ in found)
    # `KEP-2433` resolves to the indexed kep-2433-topology-aware-hints.
    assert not any(o == "KEP-2433" for _, _, o in found)
    assert report.skipped == []


# --- the Library page ---------------------------------------------------------------------------


def _badges(html: str) -> dict[str, list[str]]:
    rows = re.findall(r'<td><a href="/library/([^"]+)">[^<]*</a>(.*?)</td>', html)
    return {
        doc_id: re.findall(r'<span class="badge audit-([a-z_]+)" title="[^"]*">', badges)
        for doc_id, badges in rows
    }


def test_the_library_marks_flagged_records(indexed, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from assistant.config import Settings
    from assistant.services import Services

    services = Services(settings=Settings(store_path=tmp_path / "store", embedder="hashing"))
    with TestClient(create_app(services)) as client:
        # Before any audit: what the metadata alone tells.
        page = client.get("/library").text
        assert _badges(page) == {
            "ADR-0001": [],
            "ADR-0002": [],
            "ADR-0003": ["superseded_but_accepted"],
            "ADR-0007": [],
            "ADR-0008": ["broken_link"],
            "ADR-0009": ["missing_metadata"],
            "RETRO-2024-03": [],
            "RETRO-2024-04": [],
            "bulk-export": ["missing_metadata"],
        }
        assert "4 flagged by their metadata" in page
        assert ">superseded by ADR-0007, still accepted</span>" in page
        assert ">no status or date</span>" in page
        assert 'title="ADR-0003 still says “accepted”, but ADR-0007' in page
        # After `specreview audit`: its items, both records of a pair marked.
        assert indexed("audit")[0] == 0
        page = client.get("/library").text
        badges = _badges(page)
        assert badges["ADR-0001"] == badges["ADR-0002"] == ["conflicting_decisions"]
        assert badges["ADR-0007"] == ["broken_link"]  # a link in its text
        assert ">contradicts ADR-0002</span>" in page and ">contradicts ADR-0001</span>" in page
        assert (
            "7 flagged by the last <code>specreview audit</code> (6 items over 9 records)" in page
        )
        # Once the store changes, the saved audit no longer describes it.
        services.store.delete_document("ADR-0002")
        assert _badges(client.get("/library").text)["ADR-0001"] == []


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (("## Context", "## Context\n\nThis amends ADR-0001 for wallets."), "it cites the other"),
        (("Status: Accepted", "Status: Proposed"), "a proposal binds nobody yet"),
    ],
)
def test_a_pair_that_knows_of_each_other_or_does_not_bind_is_no_conflict(
    tmp_path: Path, monkeypatch, capsys, edit: tuple[str, str], why: str
) -> None:
    import shutil

    import cli

    kb = tmp_path / "audit"
    shutil.copytree(FIXTURES, kb)
    adr = kb / "decisions" / "ADR-0002-swiftpay-sdk-in-the-mobile-app.md"
    adr.write_text(adr.read_text().replace(*edit, 1))
    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    monkeypatch.chdir(tmp_path)
    for args in (["index", "audit"], ["audit", "--json"]):
        capsys.readouterr()
        store = str(tmp_path / "store")  # absolute: Chroma keeps clients by path
        monkeypatch.setattr(sys, "argv", ["specreview", "--store", store, *args])
        with pytest.raises(SystemExit):
            cli.main()
    report = json.loads(capsys.readouterr().out)
    assert [i for i in report["items"] if i["kind"] == "conflicting_decisions"] == [], why
