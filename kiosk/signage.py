"""Step-and-timeline signs for a TV at the PR point (ITA E11), rotating through the services."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Section, Service, db
from web.office import current_office

bp = Blueprint("signage", __name__, url_prefix="/signage")

MIN_INTERVAL, MAX_INTERVAL = 5, 600


def _services() -> list[Service]:
    return list(db.session.scalars(
        select(Service)
        .join(Section, Service.section_id == Section.id)
        .where(Service.office_id == current_office().id, Service.active.is_(True))
        .options(selectinload(Service.steps), selectinload(Service.documents))
        .order_by(Section.sort_order, Service.sort_order, Service.id)
    ))


def _interval() -> int:
    requested = request.args.get("interval", type=int)
    interval = requested or current_app.config["SIGNAGE_INTERVAL_SECONDS"]
    return max(MIN_INTERVAL, min(MAX_INTERVAL, interval))


@bp.get("/")
def board():
    services = _services()
    return render_template("signage/board.html", service=services[0] if services else None,
                           index=0, count=len(services), interval=_interval())


@bp.get("/slide/<int:index>")
def slide(index: int):
    services = _services()
    index = index % len(services) if services else 0
    return render_template("signage/_slide.html", service=services[index] if services else None,
                           index=index, count=len(services), interval=_interval())
