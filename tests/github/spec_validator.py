"""Validation of the fake GitHub's traffic against GitHub's OpenAPI description (subset)."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    status: int = 0
    raw_path: str = ""  # as sent, percent-escapes kept (`path` is decoded)


class SpecValidator:
    """openapi-core over rest-api-subset.json, with multi-segment `{path}` URL-encoded.

    Requests are validated as if sent to one fixed host, so one validator serves every port.
    """

    base_url = "http://fake.github.test"

    def __init__(self, spec: dict[str, Any]) -> None:
        spec = copy.deepcopy(spec)
        spec["servers"] = [{"url": self.base_url}]
        # Two discriminators in GitHub's description cannot work as written: check-runs maps
        # `status` values to schemas that do not exist (`#/components/schemas/completed`), and
        # contents maps `type` on a response that is an array for directories. githubkit drops
        # exactly these two (its `discriminator = "<unset>"` overrides); the `oneOf`s remain.
        paths = spec["paths"]
        json_body = ("content", "application/json", "schema")
        for node in (
            _dig(paths["/repos/{owner}/{repo}/check-runs"]["post"]["requestBody"], json_body),
            _dig(
                paths["/repos/{owner}/{repo}/contents/{path}"]["get"]["responses"]["200"], json_body
            ),
        ):
            node.pop("discriminator", None)
        self.api = OpenAPI.from_dict(spec)

    @staticmethod
    def _path(path: str) -> str:
        m = re.match(r"^(/repos/[^/]+/[^/]+/contents/)(.+)$", path)
        return m.group(1) + quote(m.group(2), safe="") if m else path

    def check(
        self, rec: Recorded, raw_body: bytes, status: int | None, resp: bytes | None
    ) -> list[str]:
        req = MockRequest(
            self.base_url,
            rec.method.lower(),
            self._path(rec.path),
            args=rec.query,
            data=raw_body or None,
            content_type="application/json",
        )
        problems = []
        try:
            self.api.validate_request(req)
        except Exception as exc:  # openapi-core raises a tree of exceptions; report any
            problems.append(
                f"request {rec.method} {rec.path}: {exc!r} {getattr(exc, '__cause__', '')}"
            )
        if status is not None and resp is not None:
            try:
                self.api.validate_response(req, MockResponse(resp, status_code=status))
            except Exception as exc:
                problems.append(f"response {status} to {rec.method} {rec.path}: {exc!r}")
        return problems


def _dig(node: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    for key in keys:
        node = node[key]
    return node
