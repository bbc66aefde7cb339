"""Citation markers become links; everything else in an answer stays escaped text."""

from __future__ import annotations

from api.answer_view import cite_links
from assistant.models import Citation

C1 = Citation(n=1, doc_id="adr 1/x", title='A "quoted" <title>', start_line=2, end_line=4)


def test_known_markers_link_and_text_is_escaped() -> None:
    html = str(cite_links("Use <b>it</b> [1], not [7].", [C1]))
    assert html.startswith('Use &lt;b&gt;it&lt;/b&gt; <a class="cite"')
    assert 'href="/library/adr%201%2Fx?lines=2-4#L2"' in html
    assert 'title="A &#34;quoted&#34; &lt;title&gt;"' in html
    assert html.endswith(">[1]</a>, not [7].")


def test_no_citations_is_just_escaped_text() -> None:
    assert str(cite_links("a < b [1]", [])) == "a &lt; b [1]"
