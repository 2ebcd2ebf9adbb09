"""The supervisors' live alert panel (polled by htmx every few seconds) and acknowledging.

A supervisor sees the alerts of their own section, an admin all of them; counter staff none.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from admin.auth import role_required
from models import Role, db
from models.base import begin_write
from models.reports.alerts import (
    LIMIT,
    acknowledge,
    alert_in_scope,
    alert_rows,
    open_alert_count,
)
from web.office import current_office

bp = Blueprint("alerts", __name__, url_prefix="/staff/alerts")
POLL_SECONDS = 5


def _section_id() -> int | None:
    """The section whose alerts the signed-in supervisor sees (None: all, for an admin)."""
    if g.staff.role is Role.ADMIN:
        return None
    if g.staff.section_id is None:
        abort(403)
    return g.staff.section_id


def _render():
    office_id, section_id = current_office().id, _section_id()
    rows = alert_rows(db.session, office_id, section_id)
    context = {"alerts": rows, "open_count": open_alert_count(db.session, office_id, section_id),
               "limit": LIMIT, "poll_seconds": POLL_SECONDS}
    if request.headers.get("HX-Request"):
        return render_template("reports/_alerts.html", **context)
    return render_template("reports/alerts.html", **context)


@bp.get("/")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def panel():
    return _render()


@bp.post("/<int:alert_id>/acknowledge")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def acknowledge_alert(alert_id: int):
    begin_write(db.session)
    alert = alert_in_scope(db.session, alert_id, current_office().id, _section_id())
    if alert is None:
        db.session.rollback()
        abort(404)
    acknowledge(alert, g.staff)
    db.session.commit()
    if request.headers.get("HX-Request"):
        return _render()
    return redirect(url_for("alerts.panel"), code=303)
