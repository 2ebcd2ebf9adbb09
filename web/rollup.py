"""Filling the report roll-up from a request: shared by the report pages and the report API."""

from __future__ import annotations

from flask import current_app

from models import db
from models.base import now_utc
from models.reports.rollup import start_catch_up
from web.office import current_office


def roll_up_closed_days() -> None:
    """Add the days closed since the last report to the daily roll-up (commits those rows)."""
    window = current_app.config["RATING_WINDOW_HOURS"]
    if start_catch_up(db.session, current_office().id, now_utc(), window):
        db.session.commit()
