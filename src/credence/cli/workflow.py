"""Commands of the due-process workflow: decisions, lists, notices, review, appeals, reports."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from credence.cli.common import (
    AtOption,
    JsonFlag,
    app,
    at_instant,
    credence,
    emit,
    fail,
    out,
    progress_bar,
)
from credence.domain.times import iso
from credence.service import appeals as appeal_cases
from credence.service import lists as list_cases
from credence.service import notices as notice_cases
from credence.service import reviews as review_cases
from credence.service import scores
from credence.service.report import appeal_json, subject_report

review_app = typer.Typer(help="Observer records waiting for a reviewer: list, accept, reject.")
appeal_app = typer.Typer(help="Appeals against records and listings: file, list, decide.")
app.add_typer(review_app, name="review")
app.add_typer(appeal_app, name="appeal")

Reviewer = Annotated[str, typer.Option("--reviewer", help="Who decides (not the submitter).")]


@app.command()
def decide(
    subject: Annotated[str, typer.Argument(help="Subject id.")],
    service: Annotated[
        str | None, typer.Argument(help="Service, e.g. rail.high-speed; omit for every service.")
    ] = None,
    at: AtOption = None,
    as_json: JsonFlag = False,
) -> None:
    """May SUBJECT use SERVICE? Allowed or refused, with every reason and when it ends."""
    with credence() as c:
        instant = at_instant(at)
        if service is not None:
            decision = scores.decide_service(c, subject, service, instant)
            emit(as_json, decision.to_json(), lambda: _print_decisions([decision.to_json()]))
        else:
            payload = [d.to_json() for d in scores.decide_all(c, subject, instant)]
            emit(
                as_json,
                {"subject": subject, "decisions": payload},
                lambda: _print_decisions(payload),
            )


def _print_decisions(decisions: list[dict[str, Any]]) -> None:
    for d in decisions:
        verdict = "[green]allowed[/green]" if d["allowed"] else "[red]refused[/red]"
        until = f" until {d['restored_at'][:10]}" if d["restored_at"] else ""
        out.print(f"{d['subject']} {d['service']}: {verdict}{'' if d['allowed'] else until}")
        for m in d["measures"]:
            end = m["restored_at"][:10] if m["restored_at"] else "no scheduled end"
            out.print(f"  {m['kind']} {m['measure']} ({end}); basis: {m['basis']}", markup=False)
            for cause in m["causes"]:
                out.print(f"    - [{cause['code']}] {cause['text']}", markup=False)


@app.command("lists")
def lists_(
    list_id: Annotated[str | None, typer.Argument(metavar="LIST", help="One list's id.")] = None,
    at: AtOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Members of every list (or LIST) and their status: pending (notice given) or listed."""
    with credence() as c:
        found = [m.to_json() for m in list_cases.members(c, list_id, at_instant(at))]

    def human() -> None:
        for m in found:
            out.print(
                f"{m['list']}  {m['subject']}  {m['name']}  {m['status']} since "
                f"{(m['since'] or '')[:10]}  causes: {', '.join(m['causes']) or '-'}",
                markup=False,
            )
        if not found:
            out.print("no members")

    emit(as_json, {"members": found}, human)


@app.command("public-register")
def public_register(at: AtOption = None, as_json: JsonFlag = False) -> None:
    """What published lists show the public: masked names for people, full for organisations."""
    with credence() as c:
        entries = list_cases.public_register(c, at_instant(at))

    def human() -> None:
        for e in entries:
            out.print(
                f"{e['list']}  {e['name']}  {e['code'] or ''}  {e['region']}  listed "
                f"{(e['listed_at'] or '')[:10]}  basis: {e['basis']}",
                markup=False,
            )
        if not entries:
            out.print("the register is empty")

    emit(as_json, {"entries": entries}, human)


@app.command()
def notices(
    subject: Annotated[str, typer.Argument(help="Subject id.")], as_json: JsonFlag = False
) -> None:
    """Every notice sent to SUBJECT: what, why, the appeal deadline, how to restore."""
    with credence() as c:
        found = notice_cases.notices_of(c, subject)

    def human() -> None:
        for n in found:
            appeal = f" (appeal until {n['appeal_until'][:10]})" if n["appeal_until"] else ""
            out.print(f"{n['at'][:10]} {n['kind']}: {n['text']}{appeal}", markup=False)
        if not found:
            out.print("no notices")

    emit(as_json, {"subject": subject, "notices": found}, human)


@app.command()
def tick(at: AtOption = None, as_json: JsonFlag = False) -> None:
    """Send the notices time has made due: notice periods ending, penalties expiring.

    Safe to run any number of times, and late: nothing is sent twice, nothing is skipped.
    """
    with credence() as c:
        instant = at_instant(at)
        with progress_bar("tick", len(c.store.subjects_with_records()), as_json) as step:
            report = notice_cases.tick(c, instant, step)
    emit(
        as_json,
        report.to_json(),
        lambda: out.print(
            f"tick at {iso(report.at)}: {report.subjects} subjects, {report.added} notice(s) added"
        ),
    )


@app.command()
def report(
    subject: Annotated[str, typer.Argument(help="Subject id.")],
    at: AtOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Everything held about SUBJECT: records, points, lists, notices, appeals, decisions."""
    with credence() as c:
        payload = subject_report(c, subject, at_instant(at))

    def human() -> None:
        s = payload["subject"]
        out.print(
            f"[bold]{s['name']}[/bold] ({s['id']}, {s['kind']}, {s['region']}): score "
            f"{payload['score']}, grade {payload['grade']} under {payload['rulebook']}"
        )
        for section in ("records", "lists", "notices", "appeals"):
            out.print(f"[bold]{section}[/bold]: {len(payload[section])}")
            for item in payload[section]:
                out.print(f"  {item}", markup=False)
        _print_decisions(payload["decisions"])

    emit(as_json, payload, human)


@review_app.command("list")
def review_list(as_json: JsonFlag = False) -> None:
    """Observer records waiting for a reviewer, oldest first."""
    with credence() as c:
        pending: list[dict[str, Any]] = [
            {
                "record": r.key,
                "subject": r.subject,
                "type": r.type,
                "occurred_at": iso(r.occurred_at),
                "recorded_at": iso(r.recorded_at),
                "data": dict(r.data),
                "evidence": r.evidence,
            }
            for r in review_cases.pending_reviews(c)
        ]

    def human() -> None:
        for p in pending:
            out.print(
                f"{p['record']} {p['subject']} {p['type']} {p['occurred_at'][:10]} "
                f"evidence: {p['evidence'] or '-'}",
                markup=False,
            )
        if not pending:
            out.print("nothing waits for review")

    emit(as_json, {"pending": pending}, human)


def _review(record: str, accept: bool, reviewer: str, reason: str | None, as_json: bool) -> None:
    with credence() as c:
        review = review_cases.review_record(
            c, record, accept=accept, reviewer=reviewer, reason=reason
        )
    payload = {
        "record": review.record,
        "accepted": review.accepted,
        "reviewer": review.reviewer,
        "reason": review.reason,
        "decided_at": iso(review.decided_at),
    }
    emit(
        as_json,
        payload,
        lambda: out.print(f"{record} {'accepted' if accept else 'rejected'} by {reviewer}"),
    )


@review_app.command("accept")
def review_accept(
    record: Annotated[str, typer.Argument(help="SOURCE:ID of the observer record.")],
    reviewer: Reviewer,
    reason: Annotated[str | None, typer.Option(help="Why (optional when accepting).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Accept an observer record: from now on it counts, as of when it occurred."""
    _review(record, True, reviewer, reason, as_json)


@review_app.command("reject")
def review_reject(
    record: Annotated[str, typer.Argument(help="SOURCE:ID of the observer record.")],
    reviewer: Reviewer,
    reason: Annotated[str, typer.Option(help="Why: kept with the record.")],
    as_json: JsonFlag = False,
) -> None:
    """Reject an observer record: it stays in the ledger with the reason and never counts."""
    _review(record, False, reviewer, reason, as_json)


@appeal_app.command("file")
def appeal_file(
    subject: Annotated[str, typer.Argument(help="The subject appealing.")],
    reason: Annotated[str, typer.Option(help="What is wrong, in the subject's words.")],
    record: Annotated[str | None, typer.Option(help="SOURCE:ID of the contested record.")] = None,
    list_id: Annotated[str | None, typer.Option("--list", help="The contested list.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Contest a record or a listing, within the appeal window from its notice."""
    with credence() as c:
        appeal = appeal_cases.file_appeal(c, subject, reason=reason, record=record, list_id=list_id)
    payload = appeal_json(appeal)
    emit(
        as_json,
        payload,
        lambda: out.print(
            f"appeal {appeal.id} filed against {appeal.target}; to be decided by "
            f"{iso(appeal.deadline)} or the record is suspended"
        ),
    )


@appeal_app.command("list")
def appeal_list(
    pending: Annotated[bool, typer.Option(help="Only appeals awaiting a decision.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Appeals, oldest first."""
    with credence() as c:
        found = [appeal_json(a) for a in appeal_cases.appeals(c, pending_only=pending)]

    def human() -> None:
        for a in found:
            out.print(
                f"{a['id']} {a['subject']} {a['record'] or 'list:' + str(a['list'])} "
                f"{a['status']} filed {a['filed_at'][:10]}: {a['reason']}",
                markup=False,
            )
        if not found:
            out.print("no appeals")

    emit(as_json, {"appeals": found}, human)


@appeal_app.command("decide")
def appeal_decide(
    appeal_id: Annotated[str, typer.Argument(metavar="ID", help="The appeal's id.")],
    reviewer: Reviewer,
    reason: Annotated[str, typer.Option(help="The decision's reason, told to the subject.")],
    uphold: Annotated[bool, typer.Option("--uphold", help="The record or listing stands.")] = False,
    overturn: Annotated[
        bool, typer.Option("--overturn", help="Retract it: as if it never was.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Decide an appeal: --uphold or --overturn, with a reason."""
    if uphold == overturn:
        fail("say --uphold or --overturn")
    with credence() as c:
        decided = appeal_cases.decide_appeal(
            c,
            appeal_id,
            outcome="upheld" if uphold else "overturned",
            reviewer=reviewer,
            reason=reason,
        )
    emit(as_json, appeal_json(decided), lambda: out.print(f"appeal {decided.id} {decided.outcome}"))
