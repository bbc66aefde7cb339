"""Normalising metadata values found in documents: statuses, dates, people, link targets."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

from assistant.safe_yaml import clip

# Metadata is shown, stored and put in prompts: a hostile value must not become a huge string.
MAX_NAME_CHARS = 200  # a title, an id, a person, a link target
MAX_VALUE_CHARS = 1_000  # one other metadata value
MAX_ITEMS = 100  # items taken from one list-valued field, fields taken from one document
# Lifecycle words a status line starts with; the first one found is the normalised status.
_STATUS_WORDS = (
    "partially implemented",
    "superseded",
    "deprecated",
    "accepted",
    "proposed",
    "rejected",
    "implemented",
    "implementable",
    "provisional",
    "approved",
    "withdrawn",
    "deferred",
    "replaced",
    "removed",
    "draft",
    "incomplete",
    "final",
    "active",
    "obsolete",
    "merged",
    "on hold",
    "resolved",
)
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_DECOR = re.compile(r"[*_`~]|[^\w\s\-.,:;()/#&'+|@]")
_ID_REF = re.compile(r"\b((?:ADR|RFC|KEP|DL|RETRO|PRD|SPEC)[-_ ]?\d[\w.-]*)", re.IGNORECASE)
_RELATIONS = (
    ("superseded by", "superseded_by"),
    ("replaced by", "superseded_by"),
    ("supersedes", "supersedes"),
    ("replaces", "replaces"),
    ("amended by", "see_also"),
    ("amends", "see_also"),
    ("see also", "see_also"),
    ("related to", "see_also"),
)


def clean_text(value: str) -> str:
    """Strip markdown decoration, emoji and link syntax; collapse whitespace."""
    text = _MD_LINK.sub(lambda m: m.group(1), value)
    text = _DECOR.sub("", text)
    return " ".join(text.split()).strip(" -:|")


def normalise_status(value: Any) -> str | None:
    """'✅ Accepted (documenting X)' → 'accepted'; unknown statuses are kept, lowercased."""
    if value is None:
        return None
    text = clean_text(str(value)).lower()
    if not text:
        return None
    for word in _STATUS_WORDS:
        if text.startswith(word):
            return word
    return text[:60]


def link_target(raw: str) -> str:
    """An id-like target from a link: 'ADR-0009', a markdown link's file stem, a KEP path."""
    link = _MD_LINK.search(raw)
    if link and link.group(2) and not link.group(2).startswith(("http:", "https:", "#")):
        return link_stem(link.group(2))
    ref = _ID_REF.search(raw)
    if ref:
        return ref.group(1).rstrip(".,;)").upper().replace("_", "-").replace(" ", "-")
    text = clean_text(raw)
    if "/" in text:
        return link_stem(text)
    return text


def link_stem(path: str) -> str:
    """'../keps/sig-node/2433-topology/README.md' → 'kep-2433-topology'; 'x/036-a.md' → '036-a'."""
    parts = [p for p in PurePosixPath(path.strip()).parts if p not in ("", ".", "..", "/")]
    if not parts:
        return path.strip()
    if parts[-1].lower() in ("readme.md", "kep.yaml") and len(parts) > 1:
        parts = parts[:-1]
    stem = PurePosixPath(parts[-1]).stem if parts[-1].endswith((".md", ".txt")) else parts[-1]
    if "keps" in parts or "kep" in parts:
        return f"kep-{stem}"
    return stem


# Only where a record's status already says it was retired: in prose, "in favour of" is often
# just a preference ("we decided in favour of ADR-3's approach").
RETIREMENT_RELATIONS = (
    ("in favor of", "superseded_by"),
    ("in favour of", "superseded_by"),
)


def relations_in(
    text: str, phrases: tuple[tuple[str, str], ...] = _RELATIONS
) -> list[tuple[str, str]]:
    """Typed links stated in prose: 'Superseded by ADR-0009', 'Replaces [x](x.md)'."""
    found: list[tuple[str, str]] = []
    lowered = text.lower()
    for phrase, rel in phrases:
        start = 0
        while (at := lowered.find(phrase, start)) >= 0:
            start = at + len(phrase)
            rest = text[start : start + 200].lstrip(" :")
            target = link_target(rest.split("\n")[0])
            if target and (
                _ID_REF.match(target) or _MD_LINK.match(rest) or re.match(r"\d", target)
            ):
                found.append((rel, target))
    return found


def normalise_date(value: Any) -> str | None:
    """ISO dates pass through; 'dd/mm/yyyy' (day first) and 'Month d, yyyy' become ISO."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = clean_text(str(value))
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
    if iso:
        return iso.group(0)
    dmy = re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", text)
    if dmy:
        day, month, year = (int(g) for g in dmy.groups())
        if month > 12 >= day:
            day, month = month, day
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return text
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%B %Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text or None


def _split_outside_parens(text: str) -> list[str]:
    """'A (EM, Core), B and C' → ['A (EM, Core)', 'B', 'C']."""
    items, depth, current = [], 0, ""
    for token in re.split(r"(\(|\)|,|;|\band\b)", text):
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(0, depth - 1)
        if depth == 0 and token in (",", ";", "and"):
            items.append(current)
            current = ""
        else:
            current += token
    return [*items, current]


def listed(value: Any) -> list[Any]:
    """A field's items (its list, or the one value), at most MAX_ITEMS of them."""
    return value[:MAX_ITEMS] if isinstance(value, list) else [value]


def people(value: Any) -> list[str]:
    """A person list from a string ('a, b and c') or a YAML list; empties dropped."""
    if value is None:
        return []
    if isinstance(value, list):
        items = listed(value)
    else:
        items = _split_outside_parens(clip(str(value), MAX_VALUE_CHARS))[:MAX_ITEMS]
    out: list[str] = []
    for item in items:
        name = clip(clean_text(re.sub(r"<[^>]*>", "", str(item))), MAX_NAME_CHARS)
        if name and name.upper() != "TBD" and name not in out:
            out.append(name)
    return out


def as_extra(value: Any) -> str | list[str] | None:
    """Manifest / front matter values as the str | list[str] that Document.extra holds."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        return [clip(str(v), MAX_VALUE_CHARS) for v in listed(value) if v is not None]
    if isinstance(value, dict):
        pairs = list(value.items())[:MAX_ITEMS]
        return clip(", ".join(f"{k}={v}" for k, v in pairs), MAX_VALUE_CHARS)
    return clip(str(value), MAX_VALUE_CHARS)
