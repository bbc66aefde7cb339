"""Answer text for HTML: every `[n]` that names a citation becomes a link to its lines."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from markupsafe import Markup, escape

from assistant.models import Citation

_MARKER = re.compile(r"\[(\d+)\]")


def citation_href(citation: Citation) -> str:
    start, end = citation.start_line, citation.end_line
    return f"/library/{quote(citation.doc_id, safe='')}?lines={start}-{end}#L{start}"


def cite_links(text: str, citations: Sequence[Citation]) -> Markup:
    """Escape the text, linking known markers; unknown markers stay plain text."""
    by_n = {c.n: c for c in citations}
    out: list[str] = []
    last = 0
    for match in _MARKER.finditer(text):
        citation = by_n.get(int(match.group(1)))
        if citation is None:
            continue
        out.append(str(escape(text[last : match.start()])))
        out.append(
            f'<a class="cite" href="{escape(citation_href(citation))}" '
            f'title="{escape(citation.title or citation.doc_id)}">{escape(match.group(0))}</a>'
        )
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))
