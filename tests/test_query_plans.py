"""What call-next reads of its counter comes from indexes, so a call costs the same in the
office's tenth year as on its first day (SQLite's own query plans, on the demo database)."""

from __future__ import annotations

from datetime import UTC, datetime

from models import db
from models.base import day_start
from models.calling import CLAIM, COUNTER_STATE
from models.sql import Sql
from models.tickets import business_day


def plan(prepared, given: dict) -> list[str]:
    sql = Sql.of(db.session)
    form = prepared.form(sql.dialect, given)
    cursor = sql.raw.cursor()
    cursor.execute("EXPLAIN QUERY PLAN " + form.sql, form.parameters(given))
    return [row[-1] for row in cursor.fetchall()]


def test_the_counter_check_searches_indexes_and_scans_no_history(app):
    day = business_day(datetime(2026, 11, 24, 2, tzinfo=UTC))
    with app.app_context():
        steps = plan(COUNTER_STATE, {"counter_id": 1, "day": day, "day_start": day_start(day),
                                     "ratio": 2})
    scans = [step for step in steps if step.split()[:2] in (["SCAN", "ticket"],
                                                             ["SCAN", "visit_segment"])]
    assert not scans, steps
    assert any("ix_ticket_counter" in step for step in steps), steps
    # Today's calls of the counter only: not every call it ever made.
    assert any("ix_visit_segment_counter_called (counter_id=? AND called_at>?)" in step
               for step in steps), steps


def test_the_claim_reads_the_normal_lane_in_calling_order_and_sorts_nothing_else(app):
    """Four probes (front or not, by lane): the normal lane from ix_ticket_calling in queue
    order, without a sort; only the priority lane (usually short) may be sorted."""
    day = business_day(datetime(2026, 11, 24, 2, tzinfo=UTC))
    for priority_first in (True, False):
        with app.app_context():
            steps = plan(CLAIM[priority_first], {"at_office": 1, "day": day, "at_counter": 1})
        normal = [step for step in steps if "ix_ticket_calling" in step
                  and step.endswith("priority_reason=?)")]
        assert len(normal) == 2, steps
        assert not [step for step in steps if step.split()[:2] == ["SCAN", "ticket"]], steps
        assert sum("TEMP B-TREE FOR ORDER BY" in step for step in steps) <= 2, steps
