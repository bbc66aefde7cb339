"""The one YAML loader of the project (front matter, kep.yaml): bounded, and it never raises.

PyYAML's safe_load shares aliased nodes, so a few hundred bytes of anchors ("billion laughs")
describe data that `str()` or any walk expands to gigabytes; deep nesting overflows the
composer's recursion; a long integer trips Python's int-string limit. This loader counts
nodes and characters as they would be after alias expansion while it composes, bounds depth,
scalar length and input size, and turns every failure into a one-line reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class YAMLLimits:
    """Budgets far above any real front matter or kep.yaml, far below harm."""

    max_input_chars: int = 256 * 1024
    max_nodes: int = 10_000  # after alias expansion: a billion laughs stops here
    max_chars: int = 256 * 1024  # scalar characters after alias expansion
    max_depth: int = 64
    max_scalar_chars: int = 64 * 1024
    max_int_chars: int = 1_000  # Python refuses int(str) past 4,300 digits
    max_int_bits: int = 4_096  # and str(int) past them (hex and base-60 ints grow fast)


LIMITS = YAMLLimits()
_MAX_REASON = 200


class YAMLLimitError(yaml.YAMLError):
    """The document is over one of the loader's budgets."""


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that charges every composed node, aliases at their expanded size."""

    def __init__(self, stream: str, limits: YAMLLimits) -> None:
        super().__init__(stream)
        self.limits = limits
        self.depth = 0
        self.nodes = 0
        self.chars = 0
        self.expanded: dict[str, tuple[int, int]] = {}  # anchor → (nodes, chars) it stands for

    def charge(self, nodes: int, chars: int) -> None:
        self.nodes += nodes
        self.chars += chars
        if self.nodes > self.limits.max_nodes:
            raise YAMLLimitError(
                f"more than {self.limits.max_nodes:,} values once aliases are expanded"
            )
        if self.chars > self.limits.max_chars:
            raise YAMLLimitError(
                f"more than {self.limits.max_chars:,} characters once aliases are expanded"
            )

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            anchor = str(event.anchor)
            if anchor in self.anchors and anchor not in self.expanded:
                raise YAMLLimitError(f"alias *{anchor} inside its own anchor (a cycle)")
            self.charge(*self.expanded.get(anchor, (1, 0)))
            return super().compose_node(parent, index)
        scalar = len(event.value) if isinstance(event, yaml.ScalarEvent) else 0
        if scalar > self.limits.max_scalar_chars:
            raise YAMLLimitError(
                f"a value of {scalar:,} characters (the limit is {self.limits.max_scalar_chars:,})"
            )
        if self.depth >= self.limits.max_depth:
            raise YAMLLimitError(f"nested more than {self.limits.max_depth} levels deep")
        before = (self.nodes, self.chars)
        self.charge(1, scalar)
        self.depth += 1
        node = super().compose_node(parent, index)
        self.depth -= 1
        if event.anchor is not None:
            self.expanded[str(event.anchor)] = (self.nodes - before[0], self.chars - before[1])
        return node

    def construct_bounded_int(self, node: yaml.ScalarNode) -> int:
        if len(node.value) > self.limits.max_int_chars:
            raise YAMLLimitError(
                f"an integer of {len(node.value):,} characters "
                f"(the limit is {self.limits.max_int_chars:,})"
            )
        value: int = self.construct_yaml_int(node)
        if value.bit_length() > self.limits.max_int_bits:
            raise YAMLLimitError(f"an integer over {self.limits.max_int_bits:,} bits")
        return value

    def construct_lenient_timestamp(self, node: yaml.ScalarNode) -> Any:
        """A date-shaped value that is no date (2024-02-30) stays text, as unquoted text does."""
        try:
            return self.construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_bounded_int)
_BoundedLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _BoundedLoader.construct_lenient_timestamp
)


def _reason(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


def load_yaml(text: str, *, limits: YAMLLimits = LIMITS) -> tuple[Any, str | None]:
    """(data, None), or (None, a one-line reason) when the YAML is broken or over a limit."""
    if len(text) > limits.max_input_chars:
        return None, f"{len(text):,} characters of YAML (the limit is {limits.max_input_chars:,})"
    try:
        # The reader checks the characters as it starts: a control character is a ReaderError
        # here, before any parsing (seen with an escape character in front matter).
        loader = _BoundedLoader(text, limits)
    except yaml.YAMLError as exc:
        return None, _reason(exc)
    try:
        return loader.get_single_data(), None
    except YAMLLimitError as exc:
        return None, f"over a limit: {_reason(exc)}"
    except yaml.YAMLError as exc:
        return None, _reason(exc)
    except RecursionError:  # only if the budgets above were raised past the stack
        return None, "nested too deeply"
    except (ValueError, TypeError, OverflowError) as exc:  # a constructor refused a value
        return None, _reason(exc)
    finally:
        loader.dispose()


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut (metadata shown to people)."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"
