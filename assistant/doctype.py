"""What kind of document a draft is: a `spec`, a `design` or a `decision` (pure, no I/O).

The type decides which checks run (`checks.registry`). The author's word wins: front matter
`type:`, then `--type` or a `[review] types` glob in .specreview.toml (the caller passes those
as `override`). Otherwise the type is read from where the file lives (an `adr/` or `decisions/`
folder, a `keps/` folder or a `kep.yaml` beside it) and from the shape of its template: Nygard
and MADR records, KEP, PEP and RFC outlines, PRD outlines. A draft that shows no sign of any is
reviewed as a spec, and the review says so.

The file's own name is read only for numbered-record conventions (`adr-0007`, `pep-0621`,
`kep-1234`); words such as "spec" or "design" in a file name are not read, since they say what
someone called the file, not what it holds.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from assistant.markdown import FENCE, ParsedSpec
from assistant.models import DOC_TYPES, DocType

# What an author may write in front matter `type:` (or `doc_type:`), and what it means.
_DECLARED: dict[str, DocType] = {
    "spec": "spec",
    "prd": "spec",
    "product spec": "spec",
    "feature spec": "spec",
    "one-pager": "spec",
    "design": "design",
    "design doc": "design",
    "proposal": "design",  # technical proposals (Thanos, Prometheus): how to change a system
    "rfc": "design",
    "kep": "design",
    "pep": "design",
    "decision": "decision",
    "adr": "decision",
    "decision record": "decision",
}

# Folder names that say what a repository keeps in them.
_FOLDERS: dict[DocType, re.Pattern[str]] = {
    "decision": re.compile(
        r"^(?:adrs?|decisions?|decision[-_ ]?records?|architecture[-_ ]?decisions?|"
        r"architectural[-_ ]?decisions?|records)$"
    ),
    "design": re.compile(
        r"^(?:keps?|peps?|rfcs?|designs?|design[-_ ]?docs?|proposals?|enhancements|oteps?)$"
    ),
    "spec": re.compile(r"^(?:specs?|prds?|product[-_ ]?specs?|features?|requirements)$"),
}
# Numbered-record file names: a convention, not a word someone chose.
_FILE_NAMES: dict[DocType, re.Pattern[str]] = {
    "decision": re.compile(r"^(?:adr|mdr)[-_ ]?\d+", re.IGNORECASE),
    "design": re.compile(r"^(?:kep|pep|rfc|otep)[-_ ]?\d+", re.IGNORECASE),
}

# Template shape: headings and header fields that only one kind of document tends to have.
# Each entry is (pattern over a lower-cased heading or field name, weight, why it counts).
_SHAPE: dict[DocType, tuple[tuple[re.Pattern[str], float, str], ...]] = {
    "decision": (
        (re.compile(r"^decision$|^the decision$|^decision made$"), 2.0, "a Decision section"),
        (re.compile(r"^rationale$"), 0.5, "a Rationale section"),
        # MADR's headings; its first versions said "alternatives" where later ones say "options".
        (
            re.compile(r"decision outcome|considered (?:options|alternatives)|decision drivers"),
            2.0,
            "MADR outline",
        ),
        (re.compile(r"pros and cons of the (?:options|alternatives)"), 1.0, "MADR outline"),
        (re.compile(r"^consequences$|^implications$"), 1.0, "a Consequences section"),
        (re.compile(r"^status$"), 0.5, "a Status section"),
        (re.compile(r"^context$|^context and problem statement$"), 0.5, "a Context section"),
        (re.compile(r"^deciders$|^decision[- ]makers$"), 1.5, "a Deciders field"),
    ),
    "design": (
        (
            re.compile(
                r"design details|detailed design|reference-level|guide-level|"
                r"internal details|technical design|implementation (?:details|plan)"
            ),
            1.5,
            "a design-details section",
        ),
        (re.compile(r"graduation criteria|production readiness|upgrade / downgrade"), 1.5, "KEP"),
        (re.compile(r"^drawbacks$|trade-?offs|prior art"), 1.0, "an RFC outline"),
        (re.compile(r"^(?:solution|technical) design$|^how$|^design$"), 1.0, "a design section"),
        (re.compile(r"^architecture$|^api changes?$|^data model$|^schema$"), 1.0, "system design"),
        (re.compile(r"^pep$|^rfc pr$|^start date$|^feature name$|^discussions-to$"), 2.0, "header"),
        (re.compile(r"^alternatives(?: considered)?$|rationale and alternatives"), 0.5, "options"),
        # How it will be built, under the names other proposal templates use: PEP's "Reference
        # Implementation" and "Rejected Ideas", Go's and gRPC's "Implementation" and "Related
        # Proposals", HashiCorp's "Abandoned Ideas", buildpacks' "How it Works".
        (
            re.compile(
                r"technical approach|how it works|reference implementation|rejected ideas|"
                r"abandoned ideas|related proposals"
            ),
            1.0,
            "a proposal outline",
        ),
        (re.compile(r"^implementation$"), 0.5, "an Implementation section"),
        # What existing users must change: PEP's and Go's "Backwards Compatibility".
        (re.compile(r"^(?:backwards? )?compatibility$"), 0.5, "a Compatibility section"),
        (re.compile(r"^proposal$|^proposed (?:solution|design)$"), 0.5, "a Proposal section"),
        (re.compile(r"^test plan$"), 0.5, "a Test plan"),
    ),
    "spec": (
        (
            re.compile(r"user stories|personas?|customers?$|target users|jobs to be done"),
            1.5,
            "PRD",
        ),
        (re.compile(r"functional requirements|^requirements$|product requirements"), 1.0, "PRD"),
        (
            re.compile(r"success metrics|definition of success|kpis?$|business (?:value|case)"),
            1.0,
            "PRD outcomes",
        ),
        (re.compile(r"go[- ]to[- ]market|launch plan|pricing|elevator pitch"), 1.0, "PRD launch"),
        (re.compile(r"problem statement|user problem|customer problem"), 0.5, "a problem section"),
        (re.compile(r"ui/ux|user experience|mock-?ups|wireframes"), 0.5, "a UX section"),
    ),
}
_HEADER_FIELD = re.compile(r"^\s*(?:[-*]\s+)?(?:\*\*|__)?([A-Za-z][\w -]{1,30}?)(?:\*\*|__)?\s*:")
_NUMBERED_TITLE = re.compile(r"^(?:adr[- ]?)?\d+\.?\s", re.IGNORECASE)
# Decision records are conventionally titled by the choice, in the imperative: "Use PostgreSQL
# for storage", "Adopt OpenTelemetry", "Record architecture decisions" (Nygard's first ADR).
_CHOICE_TITLE = re.compile(
    r"^(?:use|adopt|choose|select|standardi[sz]e on|record|prefer|"
    r"(?:do not|don't|stop) (?:use|using|adopt))\s",  # the same choice, declined
    re.IGNORECASE,
)


# The states Nygard gives a decision record's Status ("proposed, accepted, rejected, deprecated,
# superseded"), alone or followed by a date or the record that replaced it.
_RECORD_STATE = re.compile(r"(?:proposed|accepted|rejected|deprecated|superseded)\b", re.I)


@dataclass(frozen=True)
class TypeVerdict:
    """The type a draft is reviewed as, and how that was told (shown on every surface)."""

    doc_type: DocType
    source: str  # "front matter", "--type", "config", "detected: ..." or "default: ..."

    @property
    def told(self) -> bool:
        """False when nothing said what the document is (reviewed as a spec by default)."""
        return not self.source.startswith("default")


def declared_type(value: object) -> DocType | None:
    """A front-matter or command-line type word as one of the three types, or None."""
    if not isinstance(value, str):
        return None
    return _DECLARED.get(value.strip().lower())


def type_for_path(path: str, globs: Mapping[str, str]) -> DocType | None:
    """The type a `[review] types` glob gives this path (the first glob that matches)."""
    posix = PurePosixPath(path.replace("\\", "/")).as_posix().lstrip("./")
    for pattern, value in globs.items():
        if fnmatch.fnmatch(posix, pattern) or fnmatch.fnmatch(posix, pattern.rstrip("/") + "/*"):
            found = declared_type(value)
            if found:
                return found
    return None


def detect_type(
    spec: ParsedSpec,
    path: str = "",
    *,
    override: DocType | None = None,
    override_source: str = "--type",
    sidecar: Mapping[str, object] | None = None,
) -> TypeVerdict:
    """Tell the draft's type: front matter, then the override, then folder and shape."""
    for key in ("type", "doc_type", "document_type"):
        declared = declared_type(spec.front_matter.get(key))
        if declared:
            return TypeVerdict(declared, "front matter")
    if override in DOC_TYPES:
        return TypeVerdict(override, override_source)
    if sidecar:
        return TypeVerdict("design", "detected: a kep.yaml beside it")
    scores: dict[DocType, float] = {"spec": 0.0, "design": 0.0, "decision": 0.0}
    reasons: dict[DocType, list[str]] = {"spec": [], "design": [], "decision": []}
    parts = [p.lower() for p in PurePosixPath(path.replace("\\", "/")).parts]
    for doc_type, pattern in _FOLDERS.items():
        folder = next((p for p in parts[:-1] if pattern.match(p)), None)
        if folder:
            scores[doc_type] += 3.0
            reasons[doc_type].append(f"kept in {folder}/")
    name = parts[-1] if parts else ""
    for doc_type, pattern in _FILE_NAMES.items():
        if pattern.match(name):
            scores[doc_type] += 3.0
            reasons[doc_type].append(f"named {name}")
    for label in _labels(spec):
        for doc_type, rules in _SHAPE.items():
            for pattern, weight, why in rules:
                if pattern.search(label):
                    scores[doc_type] += weight
                    if why not in reasons[doc_type]:
                        reasons[doc_type].append(why)
                    break
    if _lifecycle_status(spec):
        scores["decision"] += 2.0
        reasons["decision"].append("a Status section giving a record's state")
    title = spec.title.strip().lower()
    if title.startswith(("adr", "decision record")) or (
        _NUMBERED_TITLE.match(title) and scores["decision"] >= 1.0
    ):
        scores["decision"] += 1.0
        reasons["decision"].append("a numbered record title")
    if _CHOICE_TITLE.match(title):
        scores["decision"] += 2.5
        reasons["decision"].append("a title that names a choice")
    if _code_share(spec) >= 0.15:
        scores["design"] += 0.5
        reasons["design"].append("code and configuration")
    best = max(scores, key=lambda t: (scores[t], t == "spec"))
    if best == "decision" and scores["decision"] >= 2.5:
        return TypeVerdict("decision", "detected: " + ", ".join(reasons["decision"][:3]))
    if best == "design" and (
        scores["design"] >= 2.0 or (scores["design"] >= 1.5 and not scores["spec"])
    ):
        return TypeVerdict("design", "detected: " + ", ".join(reasons["design"][:3]))
    if scores["spec"] >= 1.0 and best == "spec":
        return TypeVerdict("spec", "detected: " + ", ".join(reasons["spec"][:3]))
    return TypeVerdict("spec", "default: no sign of its type; reviewed as a spec")


def _lifecycle_status(spec: ParsedSpec) -> bool:
    """A Status section that opens with a decision record's state, as Nygard's template has it
    ("## Status" over "Accepted", "Superseded by ADR-0012"): a spec or design states its
    progress, if at all, in other words (draft, in review, implementable)."""
    for section in spec.sections:
        if section.level and section.title.strip(" *_:.").lower() == "status":
            first = next((line for line in section.body.splitlines() if line.strip()), "")
            return bool(_RECORD_STATE.match(first.strip(" *_-")))
    return False


def _labels(spec: ParsedSpec) -> list[str]:
    """Lower-cased heading titles (without numbering) and header-field names."""
    out = []
    for section in spec.sections:
        if section.level:
            out.append(re.sub(r"^[\d.\s§#]+", "", section.title.lower()).strip(" *_:."))
    out += [str(key).lower() for key in spec.front_matter]
    header = spec.lines[spec.front_matter_end : spec.front_matter_end + 25]
    for line in header:
        match = _HEADER_FIELD.match(line)
        if match:
            out.append(match.group(1).strip().lower())
    return out


def _code_share(spec: ParsedSpec) -> float:
    """The share of non-blank lines inside fenced code: designs show code, specs rarely do."""
    in_fence, code, total = False, 0, 0
    for line in spec.lines:
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if line.strip():
            total += 1
            code += in_fence
    return code / total if total else 0.0
