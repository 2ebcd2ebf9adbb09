"""Sixteen kiosks and eight counters at once through the API on a real server (SQLite)."""

from __future__ import annotations

import time

from scripts.khiu_process import khiu_server
from tests.api_helpers import token_for
from tests.load_helpers import Client, assert_office_consistent, drive_office
from tests.queue_helpers import counter
from tests.test_board import open_stream, read_until


def test_sixteen_kiosks_eight_counters_over_http_on_sqlite(app, live_server):
    token = token_for(app, "supervisor")
    with app.app_context():
        counter_ids = [counter(str(label)).id for label in range(1, 9)]
    outcome = drive_office(live_server, token, counter_ids, kiosks=16, tickets_per_kiosk=10)
    assert_office_consistent(outcome, expected=160)


def test_two_worker_processes_on_sqlite_share_one_queue_and_every_board():
    """`flask serve --workers 2`: no duplicate or double call, and a call made through one
    worker reaches boards on both (ten streams: the kernel spreads them over the workers)."""
    with khiu_server(threads=16, workers=2) as ([base], token):
        lister = Client(base)
        counter_ids = [c["id"] for c in lister.get("/api/v1/counters")[1]]
        lister.close()
        assert_office_consistent(drive_office(base, token, counter_ids, kiosks=16,
                                              tickets_per_kiosk=5), expected=80)
        streams = [open_stream(base) for _ in range(10)]
        try:
            kiosk, desk = Client(base), Client(base, token)
            number = kiosk.post("/api/v1/tickets", {"service": "REG-BIRTH"})[1]["number"]
            started = time.monotonic()
            assert desk.post(f"/api/v1/counters/{counter_ids[0]}/call-next")[0] == 200
            seen = [read_until(response, f'data-number="{number}"', 10)
                    for _, response in streams]
            elapsed = time.monotonic() - started
            kiosk.close()
            desk.close()
        finally:
            for connection, _ in streams:
                connection.close()
    assert all(f'data-number="{number}"' in text for text in seen)
    # The streams' own poll is 5 s: arriving well before it means the watcher woke them.
    assert elapsed < 2.5
