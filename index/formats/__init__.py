"""Per-format metadata parsers: markdown/plain text (front matter, Nygard, MADR, metadata
tables, key-value preambles) and Kubernetes KEP folders (kep.yaml)."""

from index.formats.inferred import Inferred
from index.formats.kep import apply_kep, read_kep_yaml
from index.formats.markdown import infer_markdown, kind_word

__all__ = ["Inferred", "apply_kep", "infer_markdown", "kind_word", "read_kep_yaml"]
