"""Sixteen kiosks and eight counters at once through the API on a real server (SQLite)."""

from __future__ import annotations

from tests.api_helpers import token_for
from tests.load_helpers import assert_office_consistent, drive_office
from tests.queue_helpers import counter


def test_sixteen_kiosks_eight_counters_over_http_on_sqlite(app, live_server):
    token = token_for(app, "supervisor")
    with app.app_context():
        counter_ids = [counter(str(label)).id for label in range(1, 9)]
    outcome = drive_office(live_server, token, counter_ids, kiosks=16, tickets_per_kiosk=10)
    assert_office_consistent(outcome, expected=160)
