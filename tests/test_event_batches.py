"""Board streams share one look at the events table per wake, and still miss nothing."""

from __future__ import annotations

from sqlalchemy import event

from kiosk.events import BatchCache, broker
from models import db
from models.base import begin_write
from models.calling import call_next
from models.catalog import Office
from tests.queue_helpers import counter, issue, staff


def render(batch) -> list[tuple[str, str]]:
    return [("board", ",".join(row.data["number"] for row in batch if row.kind == "called"))]


def count_event_queries(app) -> list[str]:
    seen: list[str] = []
    with app.app_context():
        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(conn, cursor, statement, *args):
            if "FROM queue_event" in statement:
                seen.append(statement)
    return seen


def test_nothing_new_is_read_once_per_wake_and_a_later_call_is_never_missed(app):
    cache = BatchCache()
    with app.app_context():
        office_id = db.session.query(Office.id).scalar()
        issue("REG-BIRTH")
        db.session.commit()
        last_id = db.session.execute(db.text("SELECT max(id) FROM queue_event")).scalar()
    queries = count_event_queries(app)
    woken_at = broker.version

    # Fifty streams woken at one version by a commit that brought them nothing: one query.
    for _ in range(50):
        assert cache.next_batch(app, "board", office_id, last_id, render, woken_at) == \
            (last_id, [])
    assert len(queries) == 1

    # A call commits and notifies: the next wake reads it, and every stream gets the batch.
    with app.app_context():
        begin_write(db.session)
        number = call_next(db.session, counter("1"), staff("reg1")).number
        db.session.commit()
    assert broker.version > woken_at
    results = [cache.next_batch(app, "board", office_id, last_id, render, broker.version)
               for _ in range(50)]
    assert all(result == results[0] for result in results)
    newest, messages = results[0]
    assert newest > last_id and messages == [("board", number)]
    assert len(queries) == 2

    # A periodic look (no wake) always queries: it is the safety net for a lost wake-up.
    cache.next_batch(app, "board", office_id, newest, render, None)
    cache.next_batch(app, "board", office_id, newest, render, None)
    assert len(queries) == 4
