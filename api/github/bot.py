"""The bot: review a pull request's changed spec files like a good reviewer, once, on the right
lines, and answer `/specreview` commands. Shared by the webhook (App) and the Action."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from api.github.client import (
    CheckConclusion,
    Comment,
    GitHubClient,
    InlineComment,
    PullRequest,
    ReviewRejectedError,
)
from api.github.diff import DiffLines, parse_patch
from api.github.engines import RepoEngines
from api.github.format import (
    PlacedFinding,
    RunOutcome,
    answer_body,
    check_output,
    inline_body,
    review_body,
    summary_body,
)
from api.github.kb import collect_kb_files
from api.github.markers import fingerprints_in, is_summary, read_state
from api.github.repo_config import RepoConfig, is_spec_path, load_repo_config
from assistant.errors import DatabaseError, InputError, SpecreviewError
from assistant.identity import repo_key
from assistant.ledger import DismissReason, DocumentKey, FindingLedger
from assistant.models import SEVERITY_ORDER, Finding, Review
from assistant.render import fails, md_escape, render_sarif

log = logging.getLogger(__name__)


@dataclass
class RunReport:
    """What one run did (for logs, the Action's output and tests)."""

    skipped_reason: str | None = None
    files: list[str] = field(default_factory=list)
    findings: int = 0
    inline_posted: int = 0
    review_id: int | None = None
    summary_id: int | None = None
    resolved: int = 0
    conclusion: CheckConclusion | None = None
    reviews: list[Review] = field(default_factory=list)
    outcome: RunOutcome | None = None  # what a read-only run found, for the job summary


def place(path: str, finding: Finding, diff: DiffLines) -> PlacedFinding:
    """Where a finding can be commented: the best diff line of its span, and the span's first
    line too when every line between is in the diff (a multi-line comment)."""
    if finding.span is None:
        return PlacedFinding(path=path, finding=finding)
    start, end = finding.span.start_line, finding.span.end_line
    line = diff.nearest_in(start, end)
    if (
        line is not None
        and start < end
        and all(n in diff.commentable for n in range(start, end + 1))
    ):
        return PlacedFinding(path=path, finding=finding, line=end, start_line=start)
    return PlacedFinding(path=path, finding=finding, line=line)


DEFAULT_FAIL_ON = "high"  # as `specreview review` does when [review] fail_on is unset

# Who may dismiss with `/specreview dismiss`: GitHub's `author_association` of the comment.
# The permission endpoint (GET /repos/{owner}/{repo}/collaborators/{username}/permission) is
# outside the bot's REST subset, so the association stands in for write access: OWNER and
# COLLABORATOR have it; MEMBER is an organisation member, who may only have read access.
MAY_DISMISS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
REACTION_BY = "👎 on the bot's comment"
REASON_LABELS = {"wrong": "wrong", "not_applicable": "not applicable", "wont_fix": "won't fix"}
_REASON_WORDS: dict[str, DismissReason] = {
    "wrong": "wrong",
    "not_applicable": "not_applicable",
    "not-applicable": "not_applicable",
    "notapplicable": "not_applicable",
    "n/a": "not_applicable",
    "wont_fix": "wont_fix",
    "wont-fix": "wont_fix",
    "wontfix": "wont_fix",
    "won't_fix": "wont_fix",
    "won't-fix": "wont_fix",
}
_DISMISS_ARGS = re.compile(r"#?(\d{1,18})(?:\s+(.*))?$", re.DOTALL)
_SUPPRESSED = re.compile(r"\(dismissed, finding (\d+)\)$")


def parse_dismiss(rest: str) -> tuple[int, DismissReason] | str:
    """`ID [REASON]` → (id, reason), the reason `wrong` when left out; else a line saying
    what is wrong with it."""
    usage = "write `/specreview dismiss ID [wrong|not_applicable|wont_fix]`"
    match = _DISMISS_ARGS.match(rest.strip())
    if match is None:
        return f"I need a finding id (the number the finding's comment gives): {usage}"
    words = re.findall(r"[a-z/'’_-]+", (match.group(2) or "").lower().replace("’", "'"))
    if not words:
        return int(match.group(1)), "wrong"
    reason = _REASON_WORDS.get("_".join(words[:2])) or _REASON_WORDS.get(words[0])
    if reason is None:
        return f"{words[0]!r} is not a reason I know: {usage}"
    return int(match.group(1)), reason


@runtime_checkable
class RecordingEngines(Protocol):
    """Engines that record reviews in the findings database (ServicesEngines): the bot
    dismisses through the same database, so a dismissal here holds on every surface."""

    def findings_ledger(self) -> FindingLedger | None: ...


def _conclusion(reviews: list[Review], fail_on: str, *, crashed: bool) -> CheckConclusion:
    """A file the bot could not review fails the gate: passing it would let a hostile file
    hide another file's findings."""
    return "failure" if crashed or fails(reviews, fail_on) else "success"


def _crash(exc: BaseException) -> str:
    message = " ".join(str(exc).split())
    if len(message) > 300:
        message = message[:299] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class Bot:
    """One repository's bot run, over a GitHubClient and that repo's engines."""

    def __init__(
        self,
        client: GitHubClient,
        engines: RepoEngines,
        *,
        owner: str,
        repo: str,
        upload_sarif: bool = False,
        read_only: bool = False,
    ) -> None:
        self.client = client
        self.engines = engines
        self.owner = owner
        self.repo = repo
        self.upload_sarif = upload_sarif
        # A read-only token (a pull request from a fork): read and review, write nothing; the
        # caller reports the RunReport's outcome (the Action: the job summary and SARIF file).
        self.read_only = read_only
        self._ledger: Callable[[], FindingLedger | None] = (
            engines.findings_ledger if isinstance(engines, RecordingEngines) else lambda: None
        )

    @property
    def repo_key(self) -> str:
        """This repository as documents in the findings database are keyed."""
        return repo_key(f"{self.owner}/{self.repo}")

    # --- knowledge base -------------------------------------------------------------------

    def _index_kb(self, config: RepoConfig, ref: str) -> None:
        files = collect_kb_files(
            self.client,
            self.owner,
            self.repo,
            config.github.kb_paths,
            ref=ref,
            known=self.engines.indexed_version,
        )
        if files or config.github.kb_paths:
            changed = self.engines.index(files)
            log.info("kb of %s: %d records, %d (re)indexed", self.repo, len(files), changed)

    # --- pull request review --------------------------------------------------------------

    def review_pull(self, number: int, *, pull: PullRequest | None = None) -> RunReport:
        """Review the PR's changed spec files; one review, one summary, one check per run.

        A run that cannot finish still reports a failed check (then raises): never a pass."""
        pr = pull or self.client.get_pull(self.owner, self.repo, number)
        try:
            return self._review_pull(number, pr)
        except Exception as exc:
            if not self.read_only:
                self.report_failure(pr.head_sha, exc)
            raise

    def report_failure(self, head_sha: str, exc: BaseException) -> None:
        """A failed check saying why the review did not finish, best effort."""
        try:
            self.client.report_check(
                self.owner,
                self.repo,
                head_sha=head_sha,
                conclusion="failure",
                title="specreview could not finish this review",
                summary=_crash(exc)[:2000] + "\n\nComment `/specreview review` to try again.",
            )
        except Exception:  # noqa: BLE001 - GitHub is failing already; the caller re-raises
            log.warning("could not report a failed check on %s", self.repo, exc_info=True)

    def _review_pull(self, number: int, pr: PullRequest) -> RunReport:
        o, r = self.owner, self.repo
        try:
            config = load_repo_config(self.client, o, r, ref=pr.base_ref)
        except SpecreviewError as exc:
            if not self.read_only:
                self.client.report_check(
                    o,
                    r,
                    head_sha=pr.head_sha,
                    conclusion="failure",
                    title="specreview could not read its configuration",
                    summary=str(exc),
                )
            return RunReport(skipped_reason=str(exc), conclusion="failure")
        if pr.draft and not config.github.review_drafts:
            return RunReport(skipped_reason="draft pull request (set github.review_drafts)")
        if pr.state != "open":
            return RunReport(skipped_reason=f"pull request is {pr.state}")

        changed = [
            f
            for f in self.client.list_pull_files(o, r, number)
            if f.status != "removed" and is_spec_path(f.filename, config.github.spec_globs)
        ]
        issue_comments = self.client.list_issue_comments(o, r, number)
        # Only a bot's comment can be our summary: a person quoting the marker is not.
        summary = next((c for c in issue_comments if c.by_bot and is_summary(c.body)), None)
        if not changed and summary is None:
            return RunReport(skipped_reason="no changed spec files")

        self._index_kb(config, pr.base_ref)
        if config.github.dismiss_on_reaction and not self.read_only:
            self._dismiss_by_reactions(number)  # before reviewing: dismissed ones are not raised
        fail_on = config.review.fail_on or DEFAULT_FAIL_ON
        outcome = RunOutcome(head_sha=pr.head_sha, fail_on=fail_on)
        reviews: list[Review] = []
        for f in changed:
            text = self.client.read_file(o, r, f.filename, ref=pr.head_sha)
            if text is None:
                outcome.skipped.append(f"{f.filename}: not readable as UTF-8 text")
                continue
            try:
                review = self.engines.review(text, path=f.filename, config=config.review)
            except SpecreviewError as exc:
                outcome.skipped.append(f"{f.filename}: {exc}")
                continue
            except Exception as exc:  # noqa: BLE001 - one crash must not hide the other files
                log.exception("review of %s in %s/%s crashed", f.filename, o, r)
                outcome.failed.append(f"{f.filename}: internal error ({_crash(exc)})")
                continue
            reviews.append(review)
            outcome.dismissed += self._dismissed_lines(f.filename, review)
            outcome.files.append(f.filename)
            outcome.llm = review.llm
            diff = parse_patch(f.patch)
            for finding in review.findings:
                outcome.findings.append(place(f.filename, finding, diff))

        conclusion = _conclusion(reviews, fail_on, crashed=bool(outcome.failed))
        outcome.conclusion = conclusion
        if self.read_only:
            return RunReport(
                files=list(outcome.files),
                findings=len(outcome.findings),
                conclusion=conclusion,
                reviews=reviews,
                outcome=outcome,
            )
        report = self._post(number, pr, outcome, summary, config.github.max_comments)
        report.reviews = reviews
        report.conclusion = conclusion
        title, text = check_output(outcome)
        self.client.report_check(
            o, r, head_sha=pr.head_sha, conclusion=report.conclusion, title=title, summary=text
        )
        self._write_summary(number, outcome, summary, report)
        if self.upload_sarif and reviews:
            self.client.upload_sarif(
                o,
                r,
                commit_sha=pr.head_sha,
                ref=f"refs/pull/{number}/head",
                sarif=render_sarif(reviews),
            )
        return report

    def _already_reported(self, number: int) -> set[str]:
        seen: set[str] = set()
        for c in self.client.list_review_comments(self.owner, self.repo, number):
            if c.by_bot:
                seen |= fingerprints_in(c.body)
        for rv in self.client.list_reviews(self.owner, self.repo, number):
            if rv.by_bot:
                seen |= fingerprints_in(rv.body)
        return seen

    def _post(
        self,
        number: int,
        pr: PullRequest,
        outcome: RunOutcome,
        summary: Comment | None,
        max_comments: int,
    ) -> RunReport:
        """Post one review with the findings not reported before; nothing when none are new."""
        previous = read_state(summary.body) if summary else None
        current = {p.finding.fingerprint for p in outcome.findings}
        if previous is not None:
            outcome.resolved = {fp: old for fp, old in previous.open.items() if fp not in current}
        report = RunReport(
            files=list(outcome.files),
            findings=len(outcome.findings),
            resolved=len(outcome.resolved),
        )
        seen = self._already_reported(number)
        fresh = [p for p in outcome.findings if p.finding.fingerprint not in seen]
        inline = sorted(
            (p for p in fresh if p.line is not None),
            key=lambda p: -SEVERITY_ORDER.get(p.finding.severity, 0),
        )
        absences = [p for p in fresh if p.finding.span is None]
        cap = max(0, max_comments)
        overflow, inline = inline[cap:], inline[:cap]
        if not (inline or absences or overflow):
            return report
        comments = [
            InlineComment(
                path=p.path, line=p.line, start_line=p.start_line, body=inline_body(p.finding)
            )
            for p in inline
            if p.line is not None
        ]
        try:
            report.review_id = self.client.create_review(
                self.owner,
                self.repo,
                number,
                commit_id=pr.head_sha,
                body=review_body(absences=absences, overflow=overflow, n_inline=len(comments)),
                comments=comments,
            )
        except ReviewRejectedError:
            if not comments:
                raise
            # The diff moved under us (a push while we worked): keep the findings, in the body.
            log.warning(
                "review rejected on %s#%d; posting it without inline comments", self.repo, number
            )
            comments = []
            report.review_id = self.client.create_review(
                self.owner,
                self.repo,
                number,
                commit_id=pr.head_sha,
                body=review_body(absences=absences, overflow=inline + overflow, n_inline=0),
                comments=[],
            )
        report.inline_posted = len(comments)
        return report

    def _write_summary(
        self, number: int, outcome: RunOutcome, summary: Comment | None, report: RunReport
    ) -> None:
        body = summary_body(outcome)
        if summary is None:
            report.summary_id = self.client.create_issue_comment(
                self.owner, self.repo, number, body
            )
        else:
            if summary.body != body:
                self.client.update_issue_comment(self.owner, self.repo, summary.id, body)
            report.summary_id = summary.id

    # --- commands -------------------------------------------------------------------------

    def answer(self, number: int, question: str, *, ref: str) -> int:
        """Reply to `/specreview ask QUESTION` with an answer citing the repo's records."""
        try:
            config = load_repo_config(self.client, self.owner, self.repo, ref=ref)
            self._index_kb(config, ref)
            body = answer_body(self.engines.ask(question))
        except SpecreviewError as exc:  # say why in the thread rather than stay silent
            body = f"specreview could not answer: {exc}\n"
        return self.client.create_issue_comment(self.owner, self.repo, number, body)

    # --- dismissals -----------------------------------------------------------------------

    def _findings(self) -> FindingLedger | None:
        try:
            return self._ledger()
        except DatabaseError as exc:
            log.warning("findings database unavailable for %s: %s", self.repo, exc)
            return None

    def _dismiss_by_reactions(self, number: int) -> int:
        """A 👎 on one of our inline comments dismisses its finding (as wrong) on its file, when
        nobody has moved that finding by hand (a reopen by a person wins over the reaction,
        which stays on the comment). Returns how many were dismissed."""
        ledger = self._findings()
        if ledger is None:
            return 0
        dismissed = 0
        for comment in self.client.list_review_comments(self.owner, self.repo, number):
            if not (comment.by_bot and comment.thumbs_down and comment.path):
                continue
            document = DocumentKey(repo=self.repo_key, path=comment.path)
            try:
                states = {s.fingerprint: s for s in ledger.finding_states(document)}
                for fp in fingerprints_in(comment.body):
                    known = states.get(fp)
                    if known is None or known.state == "dismissed" or known.by is not None:
                        continue
                    ledger.dismiss((document, fp), by=REACTION_BY, reason="wrong")
                    dismissed += 1
            except (DatabaseError, InputError) as exc:
                log.warning("could not apply a 👎 on %s: %s", comment.path, exc)
        return dismissed

    def _dismissed_lines(self, path: str, review: Review) -> list[str]:
        """The summary's line for each finding the review left out as dismissed: what, where,
        why and by whom."""
        ids = [int(m.group(1)) for s in review.suppressed if (m := _SUPPRESSED.search(s))]
        ledger = self._findings() if ids else None
        if ledger is None:
            return []
        try:
            states = ledger.dismissed_fingerprints(DocumentKey(repo=self.repo_key, path=path))
            lines = []
            for finding_id in ids:
                found = ledger.get_finding(finding_id)
                if found is None:
                    continue
                where = f" line {found.start_line}" if found.start_line else ""
                state = states.get(found.fingerprint)
                why = f" as {REASON_LABELS[state.reason]}" if state and state.reason else ""
                who = f" by {state.by}" if state and state.by else ""
                lines.append(f"{found.title} ({found.code}, {path}{where}): dismissed{why}{who}")
            return lines
        except DatabaseError:
            return []

    def dismiss_command(
        self, number: int, rest: str, *, sender: str, association: str
    ) -> int | None:
        """`/specreview dismiss ID [REASON]`: dismiss a finding raised on this repository, for a
        collaborator; reply saying what was done (or why not). Returns the reply's id (None
        when the bot may not write: the reply is logged instead)."""
        body = self._dismiss_reply(rest, sender=sender, association=association)
        if self.read_only:
            log.info("dismiss on %s/%s#%d (not posted): %s", self.owner, self.repo, number, body)
            return None
        return self.client.create_issue_comment(self.owner, self.repo, number, body)

    def _dismiss_reply(self, rest: str, *, sender: str, association: str) -> str:
        who = f"@{sender}" if sender else "you"
        if association.upper() not in MAY_DISMISS:
            return (
                f"{who}: only the repository's owners, members and collaborators can dismiss "
                "findings here; ask one of them, or reply with why the finding is wrong.\n"
            )
        parsed = parse_dismiss(rest)
        if isinstance(parsed, str):
            return f"{who}: {parsed}.\n"
        finding_id, reason = parsed
        ledger = self._findings()
        if ledger is None:
            return (
                f"{who}: findings are not recorded for this repository (no findings database), "
                "so there is nothing to dismiss.\n"
            )
        try:
            found = ledger.get_finding(finding_id)
            recorded = ledger.get_review(found.review_id) if found else None
            if found is None or recorded is None or recorded.document.repo != self.repo_key:
                return f"{who}: no finding {finding_id} was raised on this repository.\n"
            state = ledger.dismiss(finding_id, by=f"github:{sender or 'unknown'}", reason=reason)
        except (DatabaseError, InputError) as exc:
            return f"{who}: could not dismiss finding {finding_id}: {exc}.\n"
        path = state.document.path
        return (
            f"🔕 Dismissed finding {finding_id} (`{found.code}`, {md_escape(found.title)}) on "
            f"`{md_escape(path)}` as "
            f"**{REASON_LABELS[reason]}**, for {who}. specreview will not raise it again on "
            "this file, here or on any other surface, until its text changes; "
            f"`specreview reopen {finding_id}` brings it back.\n"
        )
