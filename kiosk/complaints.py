"""Complaints and suggestions from citizens: the form, the tracking code, the lookup by code.

The tracking code is the only key to a complaint on these pages: nobody signs in, and the
contact details a citizen leaves are never shown back (only staff see them).
"""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Complaint, ComplaintUpdate, Section, Service, db
from models.base import begin_write, now_utc
from models.complaint_handling import ComplaintError, file_complaint
from models.complaints import (
    CATEGORY_LABELS,
    MAX_CONTACT,
    MAX_TEXT,
    STATUS_LABELS,
    ComplaintCategory,
    complaint_by_code,
    normalize_code,
)
from web.office import current_office

bp = Blueprint("complaints", __name__, url_prefix="/complaints")


@bp.before_request
def _remember_phone_visit() -> None:
    """The lookup QR is opened on a phone: no kiosk idle reset there, filed as "phone"."""
    if request.args.get("via") == "qr":
        session["phone"] = True


@bp.context_processor
def _labels() -> dict:
    return {"category_labels": CATEGORY_LABELS, "status_labels": STATUS_LABELS,
            "max_text": MAX_TEXT, "max_contact": MAX_CONTACT,
            "contact_days": current_app.config["COMPLAINT_CONTACT_DAYS"]}


def _sections() -> list[Section]:
    """Sections with their active services, for the optional "what is it about" choice."""
    return list(db.session.scalars(
        select(Section).where(Section.office_id == current_office().id)
        .options(selectinload(Section.services)).order_by(Section.sort_order, Section.id)))


def _subject(value: str) -> tuple[Service | None, Section | None]:
    """The "about" choice: "svc:CODE" for a service, "sec:CODE" for a section, "" for neither."""
    kind, _, code = value.partition(":")
    office = current_office()
    if kind == "svc":
        service = db.session.scalar(select(Service).where(
            Service.office_id == office.id, Service.code == code, Service.active.is_(True)))
        if service is not None:
            return service, None
    elif kind == "sec":
        section = db.session.scalar(select(Section).where(
            Section.office_id == office.id, Section.code == code))
        if section is not None:
            return None, section
    elif not value:
        return None, None
    raise ComplaintError("unknown_subject", "ไม่พบงานบริการหรือฝ่ายที่เลือก",
                         "The chosen service or section was not found")


def _form_page(form: dict, error: ComplaintError | None = None, status: int = 200):
    return render_template("complaints/form.html", form=form, error=error,
                           sections=_sections(), categories=list(ComplaintCategory)), status


@bp.get("/")
def form():
    about = ""
    if request.args.get("service"):
        about = f"svc:{request.args['service'][:32]}"
    elif request.args.get("section"):
        about = f"sec:{request.args['section'][:32]}"
    # One key per view of the form: a double tap or a retried request files one complaint.
    return _form_page({"about": about, "category": request.args.get("category", ""),
                       "idempotency_key": secrets.token_urlsafe(16)})


@bp.post("/")
def submit():
    # NUL never belongs in a form field, and PostgreSQL refuses it even in a lookup.
    form = {key: request.form.get(key, "").replace("\x00", "")
            for key in ("category", "about", "text", "contact", "idempotency_key")}
    key = form["idempotency_key"].strip()[:64] or None
    channel = "phone" if session.get("phone") else "kiosk"
    begin_write(db.session)
    try:
        service, section = _subject(form["about"])
        complaint = file_complaint(db.session, current_office(), form["category"], form["text"],
                                   service=service, section=section, contact=form["contact"],
                                   channel=channel, idempotency_key=key)
    except ComplaintError as exc:
        db.session.rollback()
        return _form_page(form, exc, exc.status)
    db.session.commit()
    return redirect(url_for("complaints.received", code=complaint.code), code=303)


def _find(code: str) -> Complaint | None:
    complaint = complaint_by_code(db.session, normalize_code(code))
    if complaint is None or complaint.office_id != current_office().id:
        return None
    return complaint


def _no_store(response):
    # A complaint's page must not linger in a shared kiosk's cache.
    response.cache_control.no_store = True
    return response


@bp.get("/received/<code>")
def received(code: str):
    complaint = _find(code)
    if complaint is None:
        return _not_found(code)
    return _no_store(make_response(render_template("complaints/received.html",
                                                   complaint=complaint)))


@bp.get("/track")
def lookup():
    raw = request.args.get("code", "").strip()[:40]
    if not raw:
        return render_template("complaints/lookup.html", code="")
    complaint = _find(raw)
    if complaint is None:
        return _not_found(raw)
    return redirect(url_for("complaints.track", code=complaint.code), code=303)


def _not_found(code: str):
    return render_template("complaints/lookup.html", code=code[:40], not_found=True), 404


@bp.get("/track/<code>")
def track(code: str):
    complaint = _find(code)
    if complaint is None:
        return _not_found(code)
    if complaint.code != code:
        return redirect(url_for("complaints.track", code=complaint.code), code=303)
    return _no_store(make_response(render_template(
        "complaints/track.html", complaint=complaint, progress=public_progress(complaint),
        overdue=complaint.overdue(now_utc()))))


def public_progress(complaint: Complaint) -> list[ComplaintUpdate]:
    """The status changes a citizen sees: no notes, no staff names, no note-only entries."""
    steps: list[ComplaintUpdate] = []
    for update in complaint.history:
        if not steps or update.status != steps[-1].status:
            steps.append(update)
    return steps
