"""One document, one identity on every surface: `owner/repo` from a checkout's origin remote (git
config parsed, no git, no network) and the path from the repository's root, so a dismissal in
the CLI reaches the GitHub bot's document and the other way round."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.github.engines import ServicesEngines
from assistant.config import ReviewConfig, Settings
from assistant.db import open_ledger, sqlite_url
from assistant.errors import InputError
from assistant.identity import origin_repo, read_git_config, repo_from_url, repo_key
from assistant.ledger import DocumentKey
from assistant.services import Services
from tests.test_db_cli import DRAFT, _app


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/Acme/Product.git", "acme/product"),
        ("https://x-access-token:secret@github.com/acme/product", "acme/product"),
        ("http://ghe.example.com/acme/product/", "acme/product"),
        ("git@github.com:acme/product.git", "acme/product"),
        ("github.com:acme/product", "acme/product"),
        ("ssh://git@github.com:22/acme/product.git", "acme/product"),
        ("git://github.com/acme/product.git", "acme/product"),
        ("https://gitlab.com/group/sub/product.git", None),  # not owner/repo
        ("/srv/git/product.git", None),
        ("../product", None),
        ("file:///srv/git/acme/product.git", None),
        ("C:\\repos\\product", None),
        ("", None),
    ],
)
def test_remote_urls(url: str, expected: str | None) -> None:
    assert repo_from_url(url) == expected


def test_repo_key_is_owner_slash_name() -> None:
    assert repo_key(" Acme/Product.git ") == "acme/product"
    for bad in ("acme", "acme/product/x", "../x", "acme/..", "a b/c"):
        with pytest.raises(InputError):
            repo_key(bad)


def test_git_config_reading() -> None:
    text = """
# a comment
[core]
\trepositoryformatversion = 0
[remote "origin"]
\turl = "git@github.com:acme/product.git" ; trailing comment
\tfetch = +refs/heads/*:refs/remotes/origin/*
\tfetch = +refs/tags/*:refs/tags/*
[Remote "Upstream"]
\tURL = https://github.com/other/product
[remote.legacy]
\turl = https://github.com/old/name
[branch "main"]
\tremote = origin
\trebase
"""
    entries = read_git_config(text)
    assert entries[("remote", "origin", "url")] == ["git@github.com:acme/product.git"]
    assert len(entries[("remote", "origin", "fetch")]) == 2
    assert entries[("remote", "Upstream", "url")] == ["https://github.com/other/product"]
    assert entries[("remote", "legacy", "url")] == ["https://github.com/old/name"]
    assert entries[("branch", "main", "rebase")] == ["true"]


def _checkout(root: Path, config: str) -> Path:
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text(config)
    return root


def test_origin_of_a_checkout_a_worktree_and_with_insteadof(tmp_path: Path) -> None:
    main = _checkout(tmp_path / "main", '[remote "origin"]\n\turl = git@github.com:acme/product\n')
    assert origin_repo(main) == "acme/product"
    # A linked worktree: `.git` is a file pointing into the main repository's folder.
    linked = main / ".git" / "worktrees" / "feature"
    linked.mkdir(parents=True)
    (linked / "commondir").write_text("../..\n")
    (tmp_path / "feature").mkdir()
    (tmp_path / "feature" / ".git").write_text(f"gitdir: {linked}\n")
    assert origin_repo(tmp_path / "feature") == "acme/product"
    rewritten = _checkout(
        tmp_path / "short",
        '[url "https://github.com/"]\n\tinsteadOf = gh:\n[remote "origin"]\n\turl = gh:Acme/Tool\n',
    )
    assert origin_repo(rewritten) == "acme/tool"
    assert origin_repo(_checkout(tmp_path / "none", "[core]\n\tbare = false\n")) is None
    assert origin_repo(tmp_path / "not-a-checkout") is None


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _checkout(tmp_path, '[remote "origin"]\n\turl = https://github.com/Acme/Product.git\n')
    (tmp_path / "docs" / "specs").mkdir(parents=True)
    (tmp_path / "docs" / "specs" / "invoices.md").write_text(DRAFT)
    monkeypatch.setenv("SPECREVIEW_EMBEDDER", "hashing")
    monkeypatch.setenv("SPECREVIEW_STORE_PATH", str(tmp_path / ".specreview" / "store"))
    monkeypatch.chdir(tmp_path / "docs")  # reviewed from a subfolder: still keyed from the root
    return tmp_path


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_app(), list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def _bot(root: Path) -> tuple[Services, ServicesEngines]:
    url = sqlite_url(root / ".specreview" / "specreview.db")
    services = Services(
        settings=Settings(store_path=root / "bot-store", embedder="hashing", database_url=url)
    )
    return services, ServicesEngines(base=services, repo="Acme/Product")


def test_a_cli_dismissal_reaches_the_bot(checkout: Path) -> None:
    _, out = _cli("review", "specs/invoices.md", "--format", "json", "--save")
    first = json.loads(out)
    target = first["findings"][0]
    ledger = open_ledger(sqlite_url(checkout / ".specreview" / "specreview.db"))
    key = DocumentKey(repo="acme/product", path="docs/specs/invoices.md")
    assert [r.surface for r in ledger.reviews(document=key)] == ["cli"]
    ledger.close()
    code, out = _cli("dismiss", str(target["id"]), "--reason", "wont_fix", "--by", "pm")
    assert code == 0 and "acme/product:docs/specs/invoices.md" in out

    services, engines = _bot(checkout)
    try:
        review = engines.review(DRAFT, path="docs/specs/invoices.md", config=ReviewConfig())
    finally:
        services.close_ledger()
    assert target["fingerprint"] not in [f.fingerprint for f in review.findings]
    assert any("dismissed" in s and s.startswith(target["code"]) for s in review.suppressed)


def test_a_bot_dismissal_reaches_the_cli(checkout: Path) -> None:
    services, engines = _bot(checkout)
    try:
        review = engines.review(DRAFT, path="docs/specs/invoices.md", config=ReviewConfig())
        target = review.findings[0]
        assert target.id is not None
        services.ledger.dismiss(target.id, by="github:alice", reason="not_applicable")
    finally:
        services.close_ledger()
    _, out = _cli("review", "specs/invoices.md", "--format", "json")
    shown = json.loads(out)
    assert target.fingerprint not in [f["fingerprint"] for f in shown["findings"]]
    assert any("dismissed" in s for s in shown["suppressed"])
