"""The public transparency page keeps its figures for a minute per process; staff reports do not."""

from __future__ import annotations

from datetime import timedelta

import kiosk.transparency
from models import db
from models.base import BANGKOK, now_utc
from tests.visit_helpers import served_visit


def visit_now() -> None:
    now = now_utc().astimezone(BANGKOK)
    start = max(now - timedelta(minutes=20), now.replace(day=1, hour=0, minute=0, second=0))
    served_visit("REG-BIRTH", [("1", "reg1")], now=start, minutes=4)
    db.session.commit()


def visits_shown(client) -> str:
    page = client.get("/transparency/").get_data(as_text=True)
    return page.split('id="pub-visits">')[1].split()[0]


def test_the_public_figures_are_at_most_a_minute_old(app, client, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(kiosk.transparency, "monotonic", lambda: clock[0])
    with app.app_context():
        visit_now()
    assert visits_shown(client) == "1"
    with app.app_context():
        visit_now()
    clock[0] += kiosk.transparency.CACHE_SECONDS - 1
    assert visits_shown(client) == "1"  # the same figures within the minute
    clock[0] += 1
    assert visits_shown(client) == "2"
