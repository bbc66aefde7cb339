"""Response bodies of the fake GitHub, built from the OpenAPI description's own examples with
the fake repository's data put in (so every field GitHub documents is there)."""

from __future__ import annotations

import base64
import copy
from typing import Any

from tests.github.fake_repo import FakePull, FakeRepo, sha_of, unified_patch


def _example(examples: dict[str, Any], name: str) -> Any:
    return copy.deepcopy(examples[name])


def pull_files(
    examples: dict[str, Any], repo: FakeRepo, pull: FakePull, base_url: str
) -> list[dict[str, Any]]:
    """GET pulls/{n}/files: every file that differs between base and head, with its patch."""
    base = repo.tree(pull.base) or {}
    head = repo.tree(pull.head) or {}
    head_sha = repo.branches[pull.head]
    template = _example(examples, "diff-entry-items")[0]
    out = []
    for path in sorted(set(base) | set(head)):
        old, new = base.get(path), head.get(path)
        if old == new:
            continue
        status = "added" if old is None else "removed" if new is None else "modified"
        patch = unified_patch(old or "", new or "")
        adds = sum(1 for ln in patch.split("\n") if ln.startswith("+"))
        dels = sum(1 for ln in patch.split("\n") if ln.startswith("-"))
        entry = dict(template)
        entry.update(
            sha=sha_of(new or ""),
            filename=path,
            status=status,
            additions=adds,
            deletions=dels,
            changes=adds + dels,
            patch=patch,
            blob_url=f"https://github.com/{repo.owner}/{repo.name}/blob/{head_sha}/{path}",
            raw_url=f"https://github.com/{repo.owner}/{repo.name}/raw/{head_sha}/{path}",
            contents_url=f"{base_url}/repos/{repo.owner}/{repo.name}/contents/{path}",
        )
        out.append(entry)
    return out


def pull_json(examples: dict[str, Any], repo: FakeRepo, pull: FakePull) -> dict[str, Any]:
    """GET pulls/{n}."""
    body: dict[str, Any] = _example(examples, "pull-request")
    body["requested_teams"] = []  # GitHub's own example lacks the required `type` there
    body.update(number=pull.number, draft=pull.draft, state=pull.state)
    body["head"].update(ref=pull.head, sha=repo.branches[pull.head])
    body["base"].update(ref=pull.base, sha=repo.branches[pull.base])
    return body


def contents_json(examples: dict[str, Any], repo: FakeRepo, path: str, ref: str) -> Any:
    """GET contents/{path}: a file (base64), a directory listing, or None (404).

    Like git, a file's sha is its content's and a directory's changes with anything under it.
    """
    tree = repo.tree(ref)
    if tree is None:
        return None
    path = path.strip("/")
    if path in tree:
        out = _example(examples, "content-file-response-if-content-is-a-file")
        data = tree[path].encode()
        out.update(
            name=path.rsplit("/", 1)[-1],
            path=path,
            size=len(data),
            sha=sha_of(tree[path]),
            content=base64.encodebytes(data).decode("ascii"),
            encoding="base64",
        )
        return out
    prefix = path + "/"
    names = sorted({p[len(prefix) :].split("/", 1)[0] for p in tree if p.startswith(prefix)})
    if not names:
        return None
    template = _example(examples, "content-file-response-if-content-is-a-directory")[0]
    items = []
    for name in names:
        full = prefix + name
        item = dict(template)
        if full in tree:
            item.update(type="file", sha=sha_of(tree[full]), size=len(tree[full].encode()))
        else:
            under = sorted((p, t) for p, t in tree.items() if p.startswith(full + "/"))
            item.update(type="dir", sha=sha_of(*(f"{p}\x00{t}" for p, t in under)), size=0)
        item.update(name=name, path=full)
        items.append(item)
    return items
