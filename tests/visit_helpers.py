"""Whole visits for the rating and report tests: issue, serve (maybe transfer), finish."""

from __future__ import annotations

from datetime import datetime, timedelta

from models import Ticket, db
from models.base import begin_write
from models.calling import call_next
from models.counter_actions import finish, start, transfer
from tests.queue_helpers import counter, issue, minutes_ago_today, service, staff


def served_visit(code: str, path: list[tuple[str, str]], *, transfers_to: list[str] | None = None,
                 now: datetime | None = None, minutes: int = 5) -> Ticket:
    """A visit of service code, called at each (counter label, username) of path in turn.

    Between two legs the ticket is transferred to the next code of transfers_to (to the front);
    the last leg finishes it. Times start at now (default: a few minutes ago) and each leg takes
    `minutes` minutes of service after a one-minute call.
    """
    moment = now or minutes_ago_today(minutes * len(path) + 5)
    ticket = issue(code, now=moment)
    targets = list(transfers_to or [])
    for index, (label, username) in enumerate(path):
        moment += timedelta(minutes=1)
        begin_write(db.session)
        called = call_next(db.session, counter(label), staff(username), now=moment)
        assert called is not None and called.id == ticket.id, "another ticket was first"
        start(db.session, called, now=moment)
        moment += timedelta(minutes=minutes)
        if index == len(path) - 1:
            finish(db.session, called, now=moment)
        else:
            transfer(db.session, called, service(targets.pop(0)), front=True, now=moment)
        db.session.commit()
        ticket = called
    return ticket
