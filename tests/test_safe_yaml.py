"""The bounded YAML loader: hostile YAML is a one-line reason, ordinary YAML loads as PyYAML's."""

from __future__ import annotations

import datetime
import re
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.markdown import parse_spec
from assistant.safe_yaml import LIMITS, YAMLLimits, clip, load_yaml
from assistant.sidecar import read_sidecar
from tests.hostile_yaml import ALIAS_BOMB, HOSTILE, with_front_matter


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (ALIAS_BOMB, "more than 10,000 values once aliases are expanded"),
        (HOSTILE["deep nesting"], "nested more than 64 levels deep"),
        ("- " * 100 + "x", "nested more than 64 levels deep"),
        (HOSTILE["huge int"], "a value of 100,000 characters"),
        ("x: " + "9" * 5_000, "an integer of 5,000 characters"),
        ("a: &a [*a]", "alias *a inside its own anchor"),
        ("s: &s " + "x" * 60_000 + "\nl: [" + ", ".join(["*s"] * 5) + "]", "characters once"),
        ("x: " + "y" * (LIMITS.max_input_chars + 1), "characters of YAML (the limit is"),
        ("title: [unclosed", "while parsing a flow sequence"),
        ("x: *missing", "found undefined alias"),
        ("x: !!python/object/apply:os.system [ls]", "could not determine a constructor"),
    ],
)
def test_hostile_or_broken_yaml_is_a_one_line_reason(text: str, reason: str) -> None:
    started = time.perf_counter()
    data, error = load_yaml(text)
    assert data is None and error is not None and reason in error, error
    assert "\n" not in error and len(error) <= 250
    assert time.perf_counter() - started < 5


def test_ordinary_yaml_loads_as_pyyaml_loads_it() -> None:
    text = (
        "title: Checkout v2\nstatus: accepted\ndate: 2024-03-01\nowners: [ana, bo]\n"
        "base: &base {team: payments}\nextra:\n  <<: *base\n  tier: 1\nbig: 0x7fffffff\n"
    )
    assert load_yaml(text) == (yaml.safe_load(text), None)


def test_a_date_that_is_no_date_stays_text() -> None:
    assert load_yaml("date: 2024-02-30\nok: 2024-02-29") == (
        {"date": "2024-02-30", "ok": datetime.date(2024, 2, 29)},
        None,
    )


def test_limits_can_be_tightened() -> None:
    assert load_yaml("[1, 2, 3]", limits=YAMLLimits(max_nodes=3))[1] == (
        "over a limit: more than 3 values once aliases are expanded"
    )
    # Hex and base-60 integers grow faster than their text: bits are bounded too.
    assert load_yaml("x: 0x" + "f" * 17, limits=YAMLLimits(max_int_bits=64))[1] == (
        "over a limit: an integer over 64 bits"
    )


yaml_ish = st.text(alphabet="ab1:-[]{}&*!|>'\"#,.?% \n\t", max_size=200)


@settings(max_examples=500, deadline=None)
@given(yaml_ish)
def test_load_yaml_never_raises(text: str) -> None:
    data, error = load_yaml(text)
    assert error is None or data is None


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)


@settings(max_examples=100, deadline=None)
@given(values)
def test_whatever_safe_dump_writes_loads_back(value: object) -> None:
    assert load_yaml(yaml.safe_dump(value)) == (value, None)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_parse_spec_keeps_the_text_of_a_hostile_front_matter(name: str) -> None:
    started = time.perf_counter()
    spec = parse_spec(with_front_matter(HOSTILE[name]))
    assert time.perf_counter() - started < 5
    assert spec.front_matter == {}
    assert spec.front_matter_error and spec.front_matter_error.startswith(
        "broken YAML front matter: over a limit"
    )
    assert [s.title for s in spec.sections] == ["Export invoices", "Why"]
    assert spec.front_matter_end == HOSTILE[name].count("\n") + 3  # the text after it is kept


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_kep_yaml_beside_a_readme_is_a_warning(tmp_path: Path, name: str) -> None:
    (tmp_path / "kep.yaml").write_text(HOSTILE[name])
    meta, warning = read_sidecar(tmp_path / "README.md")
    assert meta is None and warning and warning.startswith("kep.yaml: broken YAML (over a limit")


def test_a_long_front_matter_title_is_clipped() -> None:
    spec = parse_spec(with_front_matter("title: " + "t" * 10_000, body="no heading here\n"))
    assert len(spec.title) == 300 and spec.title.endswith("…")


def test_clip() -> None:
    assert clip("abc", 3) == "abc" and clip("abcd", 3) == "ab…"


def test_safe_yaml_is_the_only_module_that_reads_yaml() -> None:
    """Every YAML read goes through the bounded loader; a new `import yaml` must not bypass it."""
    root = Path(__file__).resolve().parent.parent
    readers = [
        str(path.relative_to(root))
        for package in ("assistant", "index", "api", "evals")
        for path in sorted((root / package).rglob("*.py"))
        if re.search(r"^\s*(import yaml|from yaml\b)", path.read_text(), re.MULTILINE)
    ]
    assert readers == ["assistant/safe_yaml.py"]


def test_a_control_character_is_a_reason_not_an_exception() -> None:
    data, reason = load_yaml("title: \x1b[31mred\n")
    assert data is None and reason and "character" in reason
    spec = parse_spec("---\ntitle: \x1b\n---\n# Draft\n\nText.\n")
    assert spec.front_matter_error and spec.title == "Draft"
