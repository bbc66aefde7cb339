"""Which document a review is of, the same on every surface: `owner/repo` and the path from the
repository's root. The GitHub bot knows both from the event; the CLI reads `owner/repo` from the
checkout's `origin` remote (its git config, parsed here: no git binary, no network); the web
page and the API take them as fields, else key an upload by its name alone.

Names are compared in lower case, as GitHub compares them (`Acme/Product` is `acme/product`).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from assistant.errors import InputError

_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_REPO = re.compile(r"([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")
_SECTION = re.compile(r'^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]\s*(.*)$')
_SCP = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.+)$")  # git@github.com:owner/repo.git


def repo_key(owner_repo: str) -> str:
    """`owner/repo` as documents are keyed by it: trimmed, lower case, no `.git`; InputError
    when it is not two names joined by a slash."""
    value = owner_repo.strip().removesuffix("/").removesuffix(".git")
    match = _REPO.fullmatch(value)
    if not match or any(part in (".", "..") for part in match.groups()) or len(value) > 200:
        raise InputError(
            f"repository {owner_repo!r} is not owner/name (letters, digits, '-', '_', '.')"
        )
    return value.lower()


def repo_from_url(url: str) -> str | None:
    """`owner/repo` of a remote URL (https, ssh, git, scp-like `git@host:owner/repo.git`); None
    for a local path or a URL whose path is not two names (a GitLab subgroup, say)."""
    url = url.strip()
    if not url or url.startswith(("/", "./", "../", "file:")) or re.match(r"^[A-Za-z]:[\\/]", url):
        return None
    if "://" in url:
        path = urlsplit(url).path
    else:
        scp = _SCP.match(url)
        if scp is None:
            return None
        path = scp.group(2)
    parts = [p for p in path.strip("/").removesuffix(".git").split("/") if p]
    if len(parts) != 2 or not all(_NAME.fullmatch(p) for p in parts):
        return None
    try:
        return repo_key("/".join(parts))
    except InputError:
        return None


def _unquote(value: str) -> str:
    """A git config value: comments (`#`, `;`) outside quotes dropped, quotes and escapes read."""
    out, quoted, i = [], False, 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(value[i + 1], value[i + 1]))
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif ch in "#;" and not quoted:
            break
        else:
            out.append(ch)
        i += 1
    return "".join(out).strip()


def read_git_config(text: str) -> dict[tuple[str, str, str], list[str]]:
    """(section, subsection, key) -> values, in order. Section and key names are case-blind,
    subsections are not (git's rules); `[remote.origin]`, the old spelling, is read too."""
    entries: dict[tuple[str, str, str], list[str]] = {}
    section, sub = "", ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        header = _SECTION.match(line)
        if line.startswith("["):
            if header is None:
                section, sub = "", ""
                continue
            name, quoted, rest = header.groups()
            if quoted is not None:
                section, sub = name.lower(), re.sub(r"\\(.)", r"\1", quoted)
            else:
                section, _, sub = name.partition(".")
                section, sub = section.lower(), sub.lower()
            line = rest.strip()  # `[core] bare = false` on one line
            if not line:
                continue
        key, sep, value = line.partition("=")
        if not section:
            continue
        entries.setdefault((section, sub, key.strip().lower()), []).append(
            _unquote(value) if sep else "true"
        )
    return entries


def _git_dir(root: Path) -> Path | None:
    dot_git = root / ".git"
    try:
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():  # a worktree or submodule: `gitdir: <path>`
            first = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if first.startswith("gitdir:"):
                target = Path(first.removeprefix("gitdir:").strip())
                return target if target.is_absolute() else (root / target).resolve()
    except OSError:
        return None
    return None


def _config_file(git_dir: Path) -> Path:
    try:  # a linked worktree keeps its config in the main repository's folder
        common = (git_dir / "commondir").read_text(encoding="utf-8").strip()
    except OSError:
        return git_dir / "config"
    base = Path(common)
    return (base if base.is_absolute() else git_dir / base) / "config"


def _rewrite(url: str, entries: dict[tuple[str, str, str], list[str]]) -> str:
    """Apply `url.<base>.insteadOf` rewrites (the longest prefix wins, as in git)."""
    best = ("", "")
    for (section, base, key), values in entries.items():
        if section == "url" and key == "insteadof":
            for prefix in values:
                if url.startswith(prefix) and len(prefix) > len(best[0]):
                    best = (prefix, base)
    return best[1] + url[len(best[0]) :] if best[0] else url


def origin_repo(root: Path) -> str | None:
    """`owner/repo` of the checkout at `root`, from its `origin` remote's URL; None when the
    checkout has no readable config, no origin, or an origin that is not owner/repo."""
    git_dir = _git_dir(root)
    if git_dir is None:
        return None
    try:
        text = _config_file(git_dir).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    entries = read_git_config(text)
    urls = entries.get(("remote", "origin", "url"))
    if not urls:
        return None
    return repo_from_url(_rewrite(urls[0], entries))
