"""Browsing services and reading their citizen manuals and document checklists."""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    abort,
    make_response,
    render_template,
    request,
    session,
)
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Section, Service, db
from models.base import now_utc
from models.estimates import eta_minutes, waiting_count
from models.tickets import business_day
from web.errors import error_page
from web.office import current_office, office_open, opening_hours

bp = Blueprint("catalog", __name__)


def _sections_with_services() -> list[Section]:
    office = current_office()
    sections = db.session.scalars(
        select(Section)
        .where(Section.office_id == office.id)
        .options(selectinload(Section.services))
        .order_by(Section.sort_order, Section.id)
    ).all()
    return [s for s in sections if any(service.active for service in s.services)]


def find_service(code: str) -> Service:
    service = db.session.scalar(
        select(Service)
        .where(Service.office_id == current_office().id, Service.code == code,
               Service.active.is_(True))
        .options(selectinload(Service.steps), selectinload(Service.documents))
    )
    if service is None:
        abort(make_response(*error_page(
            404, f"ไม่พบงานบริการรหัส {code}", f"There is no service with code {code}")))
    return service


def search_services(query: str) -> list[Service]:
    """Case-insensitive match on Thai and English names, codes and section names."""
    words = query.casefold().split()
    if not words:
        return []
    found = []
    for section in _sections_with_services():
        for service in section.services:
            haystack = " ".join((service.name_th, service.name_en, service.code,
                                 section.name_th, section.name_en)).casefold()
            if service.active and all(word in haystack for word in words):
                found.append(service)
    return found


def _remember_phone_visit() -> None:
    """Pages opened from a QR are on a phone: no kiosk idle reset there."""
    if request.args.get("via") == "qr":
        session["phone"] = True


@bp.before_request
def _before() -> None:
    _remember_phone_visit()


@bp.get("/")
def home():
    return render_template("catalog/home.html", sections=_sections_with_services())


@bp.get("/search")
def search():
    query = request.args.get("q", "").strip()[:100]
    results = search_services(query)
    template = "catalog/_results.html" if request.headers.get("HX-Request") else "catalog/home.html"
    return render_template(template, sections=_sections_with_services(), query=query,
                           results=results)


@bp.get("/services/<code>")
def service(code: str):
    found = find_service(code)
    today = business_day(now_utc())
    waiting = waiting_count(db.session, found, today)  # the queue now, before taking a ticket
    return render_template("catalog/service.html", service=found,
                           hours=opening_hours(), is_open=office_open(),
                           idempotency_key=secrets.token_urlsafe(16), waiting=waiting,
                           waiting_eta=eta_minutes(db.session, found.id, waiting, today))


@bp.get("/services/<code>/checklist")
def checklist(code: str):
    service = find_service(code)
    # ASCII digits only: '²'.isdigit() is True, but int('²') raises.
    have = {int(v) for v in request.args.getlist("have") if v.isascii() and v.isdigit()}
    missing = [d for d in service.documents if d.required and d.id not in have]
    checked = "have" in request.args or request.args.get("checked") == "1"
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "summary":
        return render_template("catalog/_checklist_summary.html", service=service,
                               missing=missing, checked=True)
    return render_template("catalog/checklist.html", service=service, have=have,
                           missing=missing, checked=checked)


@bp.get("/clock")
def clock():
    response = make_response(render_template("_clock.html"))
    response.cache_control.no_store = True
    return response
