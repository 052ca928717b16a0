"""The web pages: the operator's console, the subject's own page and the public register.

Pages call the same use cases as the API and apply the same role checks. The API key
given at sign-in lives in an HttpOnly, SameSite=Strict cookie.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from credence.domain.errors import CredenceError
from credence.service import appeals, console, lists, reviews
from credence.service.charts import bars, horizontal_bars, steps
from credence.service.context import Credence
from credence.service.impact import draft_text_index, impact
from credence.service.keys import Caller, authenticate, log_access
from credence.service.population import population_view, summary_by_region
from credence.service.report import appeal_json, subject_report

COOKIE = "credence_key"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)
Key = Annotated[str | None, Cookie(alias=COOKIE)]
GRADES = ["AAA", "AA", "A", "B", "C", "D"]


def _app(request: Request) -> Credence:
    instance: Credence = request.app.state.credence
    return instance


def _who(request: Request, key: str | None) -> Caller | None:
    try:
        return authenticate(_app(request), key) if key else None
    except CredenceError:
        return None


def page(
    request: Request, name: str, who: Caller | None, code: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"who": who, **context}, status_code=code)


def refused(request: Request, who: Caller | None, exc: CredenceError) -> HTMLResponse:
    status = {"forbidden": 403, "not_found": 404}.get(exc.code, 400)
    return page(request, "error.html", who, status, status=status, error=exc.message)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, key: Key = None) -> Response:
    """Sign-in, or the overview for those allowed to see it."""
    who = _who(request, key)
    if who is None:
        return page(request, "sign_in.html", None)
    if who.role == "subject":
        return RedirectResponse(f"/subjects/{who.subject}", status_code=303)
    if who.role not in ("admin", "reviewer"):
        return page(
            request,
            "register.html",
            who,
            entries=lists.public_register(_app(request)),
            message=f"Signed in as {who.name} ({who.role}).",
        )
    app = _app(request)
    view = population_view(app, [app.clock.now()])
    summary = summary_by_region(view)
    totals: Counter[str] = Counter()
    for row in summary["regions"].values():
        totals.update(row["grades"])
    regions = list(summary["regions"])
    grades = [g for g in GRADES if totals.get(g)]
    days = console.records_per_day(app)[-60:]
    return page(
        request,
        "overview.html",
        who,
        summary=summary,
        grades=grades,
        pending_reviews=len(reviews.pending_reviews(app)),
        pending_appeals=len(appeals.appeals(app, pending_only=True)),
        grade_chart=bars(
            "Subjects per grade and region",
            grades,
            {r: [summary["regions"][r]["grades"].get(g, 0) for g in grades] for r in regions},
            y_label="subjects",
        ),
        restriction_chart=horizontal_bars(
            "Subjects refused, per service", summary["restrictions"], x_label="subjects"
        ),
        records_chart=bars(
            "Records per day (last 60 days with records)",
            [d[5:] for d, _ in days],
            {"records": [n for _, n in days]},
            y_label="records",
        ),
    )


@router.post("/sign-in")
def sign_in(request: Request, token: Annotated[str, Form()]) -> Response:
    """Check the key, then keep it in a cookie."""
    try:
        authenticate(_app(request), token.strip())
    except CredenceError:
        return page(request, "sign_in.html", None, 401, error="That key is unknown or revoked.")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict")
    return response


@router.post("/sign-out")
def sign_out() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/subjects/{subject}", response_class=HTMLResponse)
def subject_page(
    request: Request, subject: str, key: Key = None, message: str | None = None
) -> Response:
    """Everything about one subject, with appeal forms for the subject itself."""
    who = _who(request, key)
    if who is None:
        return RedirectResponse("/", status_code=303)
    app = _app(request)
    try:
        who.require_subject(subject, "admin", "reviewer")
        log_access(app, who, "page", subject=subject)
        report = subject_report(app, subject)
        timeline = console.score_timeline(app, subject)
    except CredenceError as exc:
        return refused(request, who, exc)
    return page(
        request,
        "subject.html",
        who,
        r=report,
        message=message,
        access=app.store.access_entries(subject=subject, limit=50),
        timeline=steps(
            "Score over time", timeline["points"], low=timeline["low"], high=timeline["high"]
        ),
    )


@router.post("/subjects/{subject}/appeals")
def file_appeal(
    request: Request,
    subject: str,
    reason: Annotated[str, Form()],
    record: Annotated[str | None, Form()] = None,
    list_id: Annotated[str | None, Form(alias="list")] = None,
    key: Key = None,
) -> Response:
    who = _who(request, key)
    if who is None:
        return RedirectResponse("/", status_code=303)
    try:
        who.require_subject(subject, "admin")
        filed = appeals.file_appeal(
            _app(request), subject, reason=reason, record=record, list_id=list_id
        )
    except CredenceError as exc:
        return refused(request, who, exc)
    return RedirectResponse(f"/subjects/{subject}?message=Appeal+{filed.id}+filed", status_code=303)


@router.get("/reviews", response_class=HTMLResponse)
def review_queue(request: Request, key: Key = None, message: str | None = None) -> Response:
    who = _who(request, key)
    if who is None:
        return RedirectResponse("/", status_code=303)
    app = _app(request)
    try:
        who.require("admin", "reviewer")
    except CredenceError as exc:
        return refused(request, who, exc)
    return page(
        request,
        "reviews.html",
        who,
        message=message,
        pending=reviews.pending_reviews(app),
        appeals=[appeal_json(a) for a in appeals.appeals(app, pending_only=True)],
    )


@router.post("/reviews/{record}")
def review(
    request: Request,
    record: str,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    key: Key = None,
) -> Response:
    who = _who(request, key)
    if who is None:
        return RedirectResponse("/", status_code=303)
    try:
        who.require("admin", "reviewer")
        reviews.review_record(
            _app(request),
            record,
            accept=decision == "accept",
            reviewer=who.name,
            reason=reason or None,
        )
    except CredenceError as exc:
        return refused(request, who, exc)
    return RedirectResponse(f"/reviews?message={record}+{decision}ed", status_code=303)


@router.post("/appeals/{appeal_id}")
def decide_appeal(
    request: Request,
    appeal_id: str,
    outcome: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    key: Key = None,
) -> Response:
    who = _who(request, key)
    if who is None:
        return RedirectResponse("/", status_code=303)
    try:
        who.require("admin", "reviewer")
        appeals.decide_appeal(
            _app(request),
            appeal_id,
            outcome="upheld" if outcome == "upheld" else "overturned",
            reviewer=who.name,
            reason=reason,
        )
    except CredenceError as exc:
        return refused(request, who, exc)
    return RedirectResponse(f"/reviews?message=Appeal+{appeal_id}+{outcome}", status_code=303)


@router.get("/rulebooks", response_class=HTMLResponse)
def rulebooks(request: Request, key: Key = None) -> HTMLResponse:
    """Every published version with its items and basis (public)."""
    return page(
        request,
        "rulebooks.html",
        _who(request, key),
        books=console.rulebook_views(_app(request)),
        diff=None,
    )


@router.get("/rulebooks/diff", response_class=HTMLResponse)
def rulebook_diff(request: Request, a: str, b: str, key: Key = None) -> HTMLResponse:
    who = _who(request, key)
    app = _app(request)
    try:
        diff = console.rulebook_diff(app, a, b)
    except CredenceError as exc:
        return refused(request, who, exc)
    return page(
        request, "rulebooks.html", who, books=console.rulebook_views(app), diff=diff, impact=None
    )


@router.get("/register", response_class=HTMLResponse)
def register(request: Request, key: Key = None) -> HTMLResponse:
    """The public register: no sign-in."""
    return page(
        request, "register.html", _who(request, key), entries=lists.public_register(_app(request))
    )


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, q: str = "", key: Key = None) -> Response:
    who = _who(request, key)
    if who is None:
        return RedirectResponse("/", status_code=303)
    try:
        who.require("admin", "reviewer")
        found = console.search_subjects(_app(request), q)
    except CredenceError as exc:
        return refused(request, who, exc)
    return page(request, "search.html", who, query=q, found=found)


@router.post("/rulebooks/impact", response_class=HTMLResponse)
def draft_impact(request: Request, draft: Annotated[str, Form()], key: Key = None) -> Response:
    """What a draft book would change, for admins, before anyone is subjected to it."""
    who = _who(request, key)
    app = _app(request)
    try:
        if who is None:
            return RedirectResponse("/", status_code=303)
        who.require("admin")
        result = impact(app, None, index=draft_text_index(app, draft))
    except CredenceError as exc:
        return refused(request, who, exc)
    counts = {k: v for k, v in result.items() if k.startswith("changed_") and isinstance(v, int)}
    return page(
        request,
        "rulebooks.html",
        who,
        books=console.rulebook_views(app),
        diff=None,
        impact=result,
        impact_chart=horizontal_bars("Subjects the draft would change", counts),
        draft=draft,
    )
