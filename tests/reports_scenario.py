"""One day at the demo office for the report tests: two sections, three staff, a transfer.

2026-11-10 (Bangkok). Manual standards: REG-BIRTH, REG-IDCARD-EXP, REG-DEATH, REG-MOVE-IN
15 min; REV-SIGNTAX 25 min; REV-LANDTAX 10 min. Every call comes 1 minute after the visitor
joined the queue (the no-show: 3 minutes).

  visit  service(s)                  counter/staff        minutes   score
  v1     REG-BIRTH                   1 reg1               4         5
  v2     REG-BIRTH                   1 reg1               10        4 (asked for extra)
  v3     REG-IDCARD-EXP              1 reg1               8         4 "บริการดีมาก"
  --     REG-BIRTH                   1 reg1, no-show      -         -
  v4     REG-DEATH                   2 reg2               20        2 "รอนานมาก"
  v5     REV-SIGNTAX → REG-MOVE-IN   4 rev1 → 2 reg2      6 + 6     3
  v6     REV-LANDTAX                 4 rev1               12        not rated

Optional row (transferred_then_missed(), for the response-rate definition):
  v7     REV-SIGNTAX → REG-MOVE-IN   4 rev1 → 2 reg2      6 + no-show (called 2 minutes after
                                                          the transfer): never finished, so it
                                                          can never be rated
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from models import db, rate_visit
from models.alerts import raise_alerts
from models.base import BANGKOK, begin_write
from models.calling import call_next
from models.counter_actions import no_show, start, transfer
from tests.queue_helpers import counter, issue, service, staff
from tests.visit_helpers import served_visit

DAY = date(2026, 11, 10)
START = datetime(2026, 11, 10, 9, 0, tzinfo=BANGKOK)


def rate(ticket, score: int, at: datetime, **options):
    begin_write(db.session)
    rating = rate_visit(db.session, ticket, score, now=at, **options)
    raise_alerts(db.session, rating, now=at)
    db.session.commit()
    return rating


def rated(code: str, path, start: datetime, minutes: int, score: int | None, **options):
    ticket = served_visit(code, path, now=start, minutes=minutes, **(
        {"transfers_to": options.pop("transfers_to")} if "transfers_to" in options else {}))
    if score is not None:
        rate(ticket, score, ticket.finished_at + timedelta(minutes=2), **options)
    return ticket


def missed(code: str, label: str, username: str, start: datetime) -> None:
    ticket = issue(code, now=start)
    begin_write(db.session)
    called = call_next(db.session, counter(label), staff(username),
                       now=start + timedelta(minutes=3))
    assert called.id == ticket.id
    no_show(db.session, called, now=start + timedelta(minutes=4))
    db.session.commit()


def transferred_then_missed() -> object:
    """v7: served 6 minutes by rev1, transferred to REG-MOVE-IN, no-show at counter 2."""
    moment = START + timedelta(hours=5)
    ticket = issue("REV-SIGNTAX", now=moment)
    begin_write(db.session)
    called = call_next(db.session, counter("4"), staff("rev1"), now=moment + timedelta(minutes=1))
    assert called.id == ticket.id
    start(db.session, called, now=moment + timedelta(minutes=1))
    moment += timedelta(minutes=7)
    transfer(db.session, called, service("REG-MOVE-IN"), front=True, now=moment)
    called = call_next(db.session, counter("2"), staff("reg2"), now=moment + timedelta(minutes=2))
    assert called.id == ticket.id
    no_show(db.session, called, now=moment + timedelta(minutes=3))
    db.session.commit()
    return called


def build() -> None:
    """Call inside an app context of the demo app."""
    hour = timedelta(hours=1)
    rated("REG-BIRTH", [("1", "reg1")], START, 4, 5)
    rated("REG-BIRTH", [("1", "reg1")], START + hour / 2, 10, 4, extra_payment_asked=True)
    rated("REG-IDCARD-EXP", [("1", "reg1")], START + hour, 8, 4, comment="บริการดีมาก")
    missed("REG-BIRTH", "1", "reg1", START + hour * 1.5)
    rated("REG-DEATH", [("2", "reg2")], START + hour * 2, 20, 2, comment="รอนานมาก")
    rated("REV-SIGNTAX", [("4", "rev1"), ("2", "reg2")], START + hour * 3, 6, 3,
          transfers_to=["REG-MOVE-IN"])
    rated("REV-LANDTAX", [("4", "rev1")], START + hour * 4, 12, None)


# The figures of that day, worked out by hand from the table above.
EXPECTED_STAFF = {
    # username: visits, ratings, mean, index, extra, wait, service, response, satisfied, within
    "reg1": (3, 3, 4.33, 83.3, 1, 1.5, 7.3, 100.0, 100.0, 100.0),   # (5+4+4)/3; waits 1,1,1,3
    "reg2": (2, 2, 2.50, 37.5, 0, 1.0, 13.0, 100.0, 0.0, 50.0),     # (2+3)/2; 20 > 15
    "rev1": (2, 1, 3.00, 50.0, 0, 1.0, 9.0, 50.0, 0.0, 50.0),       # 1 of 2 rated; 12 > 10
}
EXPECTED_SECTIONS = {
    # REG: v1 v2 v3 v4 v5(2nd leg); scores 5,4,4,2,3 = 18/5; waits 1,1,1,3,1,1 = 8/6
    "REG": (5, 5, 3.60, 65.0, 1, 1.3, 9.6, 100.0, 60.0, 80.0),
    "REV": (2, 1, 3.00, 50.0, 0, 1.0, 9.0, 50.0, 0.0, 50.0),
}
# With v7 added: the sending side served it, so it counts among their visits served, but it has
# no rating and never will (response rates fall); REG only gains a no-show and a 2-minute wait.
EXPECTED_WITH_V7 = {
    "rev1": (3, 1, 3.00, 50.0, 0, 1.0, 8.0, 33.3, 0.0, 66.7),     # service 6+12+6 = 24/3
    "REV": (3, 1, 3.00, 50.0, 0, 1.0, 8.0, 33.3, 0.0, 66.7),
    "reg2": (2, 2, 2.50, 37.5, 0, 1.3, 13.0, 100.0, 0.0, 50.0),   # waits 1,1,2 = 4/3
    "REG": (5, 5, 3.60, 65.0, 1, 1.4, 9.6, 100.0, 60.0, 80.0),    # waits 8+2 = 10/7
    "total": (7, 5, 3.60, 65.0, 1, 1.3, 9.0, 71.4, 60.0, 75.0),   # waits 13/10; 72/8; 6 of 8
}
FIELDS = ("visits", "ratings", "mean_score", "satisfaction_index", "extra_asked", "mean_wait",
          "mean_service", "response_rate", "pct_satisfied", "pct_within_standard")
