"""Taking a ticket at the kiosk, the ticket screen, and the live status page (the QR's target)."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from kiosk.catalog import find_service
from kiosk.printing.jobs import new_print_job, run_print_job
from models import PrintJob, PriorityReason, Ticket, TicketStatus, db
from models.base import begin_write
from models.estimates import eta_minutes, people_ahead
from models.staff import calling_counters
from models.tickets import QueueError, issue_ticket, ticket_by_token
from web.errors import error_page
from web.issuers import REFUSAL_EN, REFUSAL_TH, may_issue
from web.office import current_office, office_open, opening_hours

log = logging.getLogger("khiu.printing")
bp = Blueprint("tickets", __name__)


def find_ticket(token: str) -> Ticket:
    ticket = ticket_by_token(db.session, token)
    if ticket is None or ticket.office_id != current_office().id:
        abort(make_response(*error_page(404, "ไม่พบบัตรคิวนี้ กรุณาตรวจสอบคิวอาร์โค้ดอีกครั้ง",
                                        "This ticket was not found. Please scan the QR again")))
    return ticket


def ticket_view(ticket: Ticket) -> dict:
    ahead = people_ahead(db.session, ticket,
                         priority_ratio=current_app.config["PRIORITY_RATIO"])
    waiting = ticket.status is TicketStatus.WAITING
    return {"ticket": ticket, "ahead": ahead,
            "eta": eta_minutes(db.session, ticket.service_id, ahead, ticket.business_day),
            # Where a waiting visitor will be called (after a transfer: somewhere new).
            "call_counters": calling_counters(db.session, ticket.service_id) if waiting else []}


@bp.post("/services/<code>/ticket")
def take(code: str):
    service = find_service(code)
    if not may_issue():
        return error_page(403, REFUSAL_TH, REFUSAL_EN)
    if not office_open():
        return render_template("tickets/closed.html", service=service,
                               hours=opening_hours()), 409
    reason_text = request.form.get("priority", "")
    try:
        reason = PriorityReason(reason_text) if reason_text else None
    except ValueError:
        return error_page(422, "ประเภทคิวพิเศษไม่ถูกต้อง", "Unknown priority lane")
    key = request.form.get("idempotency_key", "").strip()[:64] or None
    begin_write(db.session)
    try:
        ticket, created = issue_ticket(db.session, current_office(), service,
                                       priority_reason=reason, idempotency_key=key)
    except QueueError as exc:
        db.session.rollback()
        return error_page(409, exc.message_th, exc.message_en)
    job = new_print_job(ticket) if created else None
    db.session.commit()
    if job is not None:
        job_id = job.id
        try:
            run_print_job(job)
        except OperationalError:  # the outcome not written (database busy): the job stays
            db.session.rollback()  # pending in the staff list; the ticket stands
            log.exception("the outcome of print job %s was not recorded", job_id)
    return redirect(url_for("tickets.issued", token=ticket.token), code=303)


@bp.get("/tickets/<token>")
def issued(token: str):
    ticket = find_ticket(token)
    job = db.session.scalar(select(PrintJob).where(PrintJob.ticket_id == ticket.id)
                            .order_by(PrintJob.id.desc()).limit(1))
    return render_template("tickets/issued.html", job=job, **ticket_view(ticket))


@bp.get("/t/<token>")
def status(token: str):
    ticket = find_ticket(token)
    template = "tickets/_status.html" if request.headers.get("HX-Request") \
        else "tickets/status.html"
    response = make_response(render_template(template, **ticket_view(ticket)))
    response.cache_control.no_store = True
    return response
