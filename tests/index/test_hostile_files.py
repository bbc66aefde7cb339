"""Indexing reads regular files only, inside the folder it was given (issue 17): links out,
manifest rows out, FIFOs, devices, link loops, undecodable names and one file named 400 times
are each skipped with a reason, and the run goes on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.textfile import decode_text, read_regular_file
from index.load import MAX_BYTES, load_path, load_paths

SPECREVIEW = str(Path(sys.executable).parent / "specreview")
GOOD = "# Caching decision\n\nWe cache invoices for an hour.\n"


def reasons(folder: Path) -> dict[str, str]:
    return {os.path.basename(s.path): s.reason for s in load_path(folder).skipped}


def test_one_bad_entry_of_each_kind_is_skipped_and_the_run_goes_on(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.md").write_text("# Secret\n\nnot for the index\n")
    (kb / "good.md").write_text(GOOD)
    (kb / "passwd.md").symlink_to("/etc/passwd")
    (kb / "secret.md").symlink_to(tmp_path / "outside" / "secret.md")
    (kb / "zero.md").symlink_to("/dev/zero")
    (kb / "loop.md").symlink_to("loop.md")
    os.mkfifo(kb / "fifo.md")
    (kb / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    (kb / "twin.md").symlink_to(kb / "good.md")  # inside: read once, not twice
    Path(os.fsdecode(os.fsencode(kb) + b"/bad-\xff-name.md")).write_bytes(GOOD.encode())

    result = load_path(kb)

    assert [Path(d.path).name for d in result.documents] == ["good.md"]
    why = {os.path.basename(s.path): s.reason for s in result.skipped}
    assert (
        "outside the folder being indexed" in why["passwd.md"] and "/etc/passwd" in why["passwd.md"]
    )
    assert "outside the folder being indexed" in why["secret.md"]
    assert "/dev/zero" in why["zero.md"] and "outside" in why["zero.md"]
    assert "symbolic link loop" in why["loop.md"]
    assert "FIFO" in why["fifo.md"]
    assert "links to folders are not followed" in why["linked"]
    assert "already read in this run" in why["twin.md"]
    assert "name is not valid UTF-8" in why["bad-\\xff-name.md"]
    assert all("\n" not in r for r in why.values())
    for s in result.skipped:
        s.model_dump_json()  # every path is printable and storable (no lone surrogates)


def test_a_fifo_or_a_device_is_never_opened_for_a_blocking_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.md")
    with pytest.raises(InputError, match="FIFO"):
        read_regular_file(tmp_path / "fifo.md", max_bytes=10)
    with pytest.raises(InputError, match="character device"):
        read_regular_file(Path("/dev/zero"), max_bytes=10)


def test_manifest_rows_outside_the_folder_are_refused(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "ok.md").write_text(GOOD)
    (tmp_path / "neighbour.md").write_text("# Neighbour\n\nprivate\n")
    rows = [
        {"id": "ok", "path": "ok.md"},
        {"id": "passwd", "path": "../../../../../../etc/passwd"},
        {"id": "absolute", "path": "/etc/hostname"},
        {"id": "neighbour", "path": "../neighbour.md"},
        {"id": "nul", "path": "a\u0000b.md"},
    ]
    (kb / "manifest.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")

    result = load_path(kb)

    assert [d.id for d in result.documents] == ["ok"]
    why = [s.reason for s in result.skipped]
    for line, target in ((2, "/etc/passwd"), (3, "/etc/hostname"), (4, "neighbour.md")):
        [reason] = [r for r in why if r.startswith(f"manifest line {line}:")]
        assert "outside the folder being indexed" in reason and target in reason
    assert any("NUL" in r for r in why)


def test_four_hundred_rows_naming_one_big_file_read_it_once(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "big.md").write_text("# Big\n\n" + "word " * 800_000)  # 4 MB, under the limit
    rows = [{"id": f"doc-{i}", "path": "big.md"} for i in range(400)]
    (kb / "manifest.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")

    result = load_path(kb)

    assert [d.id for d in result.documents] == ["doc-0"]
    assert sum(len(d.text) for d in result.documents) < MAX_BYTES  # not 400 x 4 MB
    assert len(result.skipped) == 399
    assert "already read in this run, as" in result.skipped[0].reason
    assert "manifest line 1" in result.skipped[0].reason
    # and across the paths of one run: the same file named twice is read once
    again = load_paths([kb / "big.md", kb / "big.md"])
    assert len(again.documents) == 1


def test_the_size_limit_is_on_the_bytes_read(tmp_path: Path) -> None:
    """A file that grows after `stat` (or lies about its size) is still cut at the limit."""
    (tmp_path / "huge.md").write_bytes(b"# Huge\n" + b"x" * (MAX_BYTES + 1))
    with pytest.raises(InputError, match="larger than 5 MB"):
        read_regular_file(tmp_path / "huge.md", max_bytes=MAX_BYTES)
    assert "larger than 5 MB" in reasons(tmp_path)["huge.md"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_a_file_with_a_bom_is_indexed_as_review_reads_it(tmp_path: Path, codec: str) -> None:
    bom = {"utf-16-be": b"\xfe\xff"}.get(codec, b"")
    (tmp_path / "doc.md").write_bytes(bom + f"# Wide doc\r\n\r\n{GOOD}".encode(codec))
    [doc] = load_path(tmp_path).documents
    assert doc.title == "Wide doc" and "cache invoices" in doc.text and "\r" not in doc.text
    assert decode_text((tmp_path / "doc.md").read_bytes(), name="x").startswith("# Wide doc")


def test_index_cli_goes_on_past_every_bad_entry(tmp_path: Path) -> None:
    """The real command: it neither hangs on the FIFO nor reads /dev/zero, and indexes the rest."""
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "good.md").write_text(GOOD)
    (kb / "utf16.md").write_bytes("# Wide\n\nUTF-16 text here.\n".encode("utf-16"))
    os.mkfifo(kb / "fifo.md")
    (kb / "zero.md").symlink_to("/dev/zero")
    (kb / "loop.md").symlink_to("loop.md")
    Path(os.fsdecode(os.fsencode(kb) + b"/bad-\xff.md")).write_bytes(GOOD.encode())
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPECREVIEW_")}
    env.update(SPECREVIEW_STORE_PATH=str(tmp_path / "store"), SPECREVIEW_EMBEDDER="hashing")
    done = subprocess.run(
        [SPECREVIEW, "index", str(kb)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "2 indexed" in done.stdout
    said = done.stdout + done.stderr
    for name in ("fifo.md", "zero.md", "loop.md", "bad-\\xff.md"):
        assert f"{name}:" in said, name
