"""What follows a board's last event is read from the end of the office's events, even under a
plan made without statistics: in a new office's first minutes, before autovacuum has analysed
queue_event, PostgreSQL guessed that few events were the office's and read all of them through
the index on office_id, then sorted them (3.5 ms at 13,000 events, at every wake of every
stream). The index on (office_id, id) bounds that read by the id too. (Where a stream starts,
and the last calls, have no id to start from and still depend on the statistics: they are
read once per stream and once per board update.)"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.sql import Select

from kiosk.events import EVENTS_AFTER
from models import db
from tests.plan_helpers import json_plan, plan_nodes, rows_read, without_statistics

EVENTS = 6000


def event_rows_read(statement: Select, values: dict) -> int:
    """Rows of queue_event that PostgreSQL reads to answer the statement."""
    compiled = statement.params(**values).compile(dialect=db.engine.dialect,
                                                  compile_kwargs={"literal_binds": True})
    root = json_plan(db.session.connection().connection.cursor(), str(compiled), analyze=True)
    return rows_read(node for node, _ in plan_nodes(root["Plan"])
                     if node.get("Relation Name") == "queue_event"
                     or node.get("Index Name", "").startswith(("ix_queue_event", "pk_queue_event")))


def test_what_follows_a_boards_event_is_read_from_the_end_of_the_office_events(pg_app):
    with pg_app.app_context():
        # A busy morning: tickets issued, called and finished, interleaved.
        db.session.execute(text(
            "INSERT INTO queue_event (office_id, kind, data, created_at) "
            "SELECT 1, (ARRAY['issued', 'called', 'issued', 'finished'])[1 + g % 4], '{}', "
            "now() FROM generate_series(1, :events) AS g"), {"events": EVENTS})
        db.session.execute(text("ANALYZE queue_event"))
        without_statistics(db.session, "queue_event", generic=False)
        newest = db.session.scalar(text("SELECT max(id) FROM queue_event"))
        after = {"office_id": 1, "last_id": newest - 10, "limit": 100}
        # Ten events after the board's: ten index entries and ten rows, not the office's 6,000.
        assert event_rows_read(EVENTS_AFTER, after) <= 20
        db.session.rollback()
