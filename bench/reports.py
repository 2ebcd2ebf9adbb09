"""Report pages on a big office: `python -m bench.reports [--visits 200000]`.

Generates two years of visits (segments with transfers and no-shows, ratings with their
credits, complaints) by bulk Core inserts into a throwaway SQLite database, then renders each
report page through the real Flask views (test client, signed in) and prints mean and p95.
Closed days are read from the daily roll-up (models/reports/rollup.py), which report pages
fill two weeks per request: those requests are timed on their own. The transparency
page keeps its figures for 60 s, so it is timed both from the cache and uncached.
Target: ≤ 300 ms per report page on SQLite with 200,000 visits.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

import kiosk.transparency
from app import create_app
from bench.stats import percentile
from config import TestConfig
from models import (
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    Counter,
    Rating,
    RatingCredit,
    Role,
    Section,
    Service,
    Staff,
    Ticket,
    VisitSegment,
    db,
)
from models.base import BANGKOK, now_utc
from models.reports.periods import fiscal_year, month_of, shift_months
from models.reports.rollup import behind
from models.staff import create_staff
from web.office import current_office

PASSWORD = "bench-pass-1"
SCORES = [5] * 40 + [4] * 30 + [3] * 15 + [2] * 10 + [1] * 5
COMMENTS = ["บริการดีมาก", "รอนานไปหน่อย", "เจ้าหน้าที่สุภาพ", "เอกสารเยอะ", "ขอบคุณค่ะ"]
BATCH = 20_000


def _working_days(count: int, last: date) -> list[date]:
    days, day = [], last
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def _flush(table, rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(table), rows)
        rows.clear()


def generate(visits: int, years: int = 2, seed: int = 4) -> None:
    """Bulk-insert `visits` finished or no-show visits over `years` years of working days."""
    rng = random.Random(seed)
    office = current_office()
    services = db.session.scalars(select(Service).where(Service.walk_in.is_(True))).all()
    counters = db.session.scalars(select(Counter)).all()
    staff = db.session.scalars(select(Staff).where(Staff.role != Role.ADMIN)).all()
    desks = {s.id: [c for c in counters if c.section_id == s.section_id] for s in services}
    people = {c.id: [p for p in staff if p.section_id == c.section_id] or staff for c in counters}
    days = _working_days(260 * years, datetime.now(BANGKOK).date() - timedelta(days=1))
    tickets, segments, ratings, credits = [], [], [], []
    segment_id = rating_id = 0
    for ticket_id in range(1, visits + 1):
        day = days[(ticket_id - 1) * len(days) // visits]
        start = datetime(day.year, day.month, day.day, 8, tzinfo=BANGKOK).astimezone(UTC) \
            + timedelta(seconds=rng.randrange(7 * 3600))
        route = [rng.choice(services)]
        if rng.random() < 0.1:
            route.append(rng.choice(services))
        no_show = rng.random() < 0.03
        moment, legs = start, []
        for leg, service in enumerate(route):
            joined = moment  # a transfer puts the visitor back in a queue (ticket.queued_at)
            counter = rng.choice(desks[service.id])
            called = moment + timedelta(minutes=rng.uniform(1, 40))
            begun = None if no_show else called + timedelta(minutes=0.5)
            done = called + timedelta(minutes=1) if no_show else \
                begun + timedelta(minutes=rng.uniform(2, 30))
            last = leg == len(route) - 1
            segment_id += 1
            legs.append({"id": segment_id, "ticket_id": ticket_id, "service_id": service.id,
                         "section_id": service.section_id, "counter_id": counter.id,
                         "staff_id": rng.choice(people[counter.id]).id, "called_at": called,
                         "recalls": 0, "started_at": begun, "finished_at": done,
                         "outcome": "no_show" if no_show else "served" if last
                         else "transferred"})
            moment = done
            if no_show:
                break
        segments.extend(legs)
        tickets.append({"id": ticket_id, "office_id": office.id, "token": f"bench-{ticket_id}",
                        "business_day": day, "number": f"B{ticket_id:07d}",
                        "service_id": route[len(legs) - 1].id, "first_service_id": route[0].id,
                        "status": "no_show" if no_show else "finished", "issued_at": start,
                        "queued_at": joined, "to_front": False, "finished_at": moment})
        if not no_show and rng.random() < 0.6:
            rating_id += 1
            score = rng.choice(SCORES)
            rated = moment + timedelta(minutes=rng.uniform(1, 10))
            ratings.append({"id": rating_id, "office_id": office.id, "ticket_id": ticket_id,
                            "score": score, "extra_payment_asked": rng.random() < 0.01,
                            "comment": rng.choice(COMMENTS) if rng.random() < 0.1 else "",
                            "channel": "kiosk", "created_at": rated})
            served = {(s["staff_id"], s["counter_id"], s["section_id"], s["service_id"])
                      for s in legs}
            credits.extend({"rating_id": rating_id, "staff_id": who, "counter_id": where,
                            "section_id": section, "service_id": what, "score": score,
                            "rated_at": rated} for who, where, section, what in served)
        if len(tickets) >= BATCH:
            for table, rows in ((Ticket, tickets), (VisitSegment, segments),
                                (Rating, ratings), (RatingCredit, credits)):
                _flush(table.__table__, rows)
    for table, rows in ((Ticket, tickets), (VisitSegment, segments), (Rating, ratings),
                        (RatingCredit, credits)):
        _flush(table.__table__, rows)
    _complaints(rng, office.id, days)
    db.session.commit()


def _complaints(rng: random.Random, office_id: int, days: list[date]) -> None:
    rows = []
    for number in range(2000):
        day = rng.choice(days)
        created = datetime(day.year, day.month, day.day, 10, tzinfo=BANGKOK).astimezone(UTC)
        status = rng.choice(list(ComplaintStatus))
        answered = created + timedelta(days=rng.uniform(1, 20)) \
            if status in (ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED) else None
        rows.append({"office_id": office_id, "code": f"C-BENCH-{number:04d}",
                     "category": rng.choice(list(ComplaintCategory)).value,
                     "text": "bench", "status": status.value, "created_at": created,
                     "due_at": created + timedelta(days=15), "answered_at": answered})
    _flush(Complaint.__table__, rows)


def _signed_in(app, username: str):
    from tests.staff_helpers import sign_in

    client = app.test_client()
    response = sign_in(client, username, PASSWORD)
    assert response.status_code == 303, f"{username} could not sign in"
    return client


def time_get(get: Callable, url: str, rounds: int) -> dict:
    response = get(url)  # warm-up: templates compiled, caches filled
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return {"mean": statistics.mean(times), "p95": percentile(times, .95)}


def pages(app) -> list[tuple[str, Callable, str]]:
    """(what, get, url) of every report page, for a full month and a full fiscal year."""
    with app.app_context():
        office = current_office()
        section = db.session.scalar(select(Staff.section_id).where(Staff.username == "reg1"))
        for username, role in (("bench-admin", Role.ADMIN), ("bench-sup", Role.SUPERVISOR)):
            if db.session.scalar(select(Staff.id).where(Staff.username == username)) is None:
                create_staff(db.session, office, username, role, PASSWORD, username,
                             db.session.get(Section, section)
                             if role is Role.SUPERVISOR else None)
        db.session.commit()
        reg1 = db.session.scalar(select(Staff.id).where(Staff.username == "reg1"))
        token = _token(app, "bench-sup")
    admin, supervisor = _signed_in(app, "bench-admin"), _signed_in(app, "bench-sup")
    today = datetime.now(BANGKOK).date()
    month = month_of(shift_months(today, -1))
    year = fiscal_year(fiscal_year(today).start - timedelta(days=1))
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    found = []
    for label, period in (("month", month), ("fiscal year", year)):
        query = f"from={period.start}&to={period.end}"
        found += [
            (f"report screen, admin, {label}", admin.get, f"/staff/reports/?{query}"),
            (f"report screen, supervisor, {label}", supervisor.get, f"/staff/reports/?{query}"),
            (f"staff drill-down, {label}", admin.get, f"/staff/reports/staff/{reg1}?{query}"),
            (f"XLSX export, admin, {label}", admin.get, f"/staff/reports/export.xlsx?{query}"),
            (f"API staff report, {label}", lambda url: api.get(url, headers=headers),
             f"/api/v1/reports/staff?{query}"),
        ]
    found += [("monthly printable report, admin", admin.get,
               f"/staff/reports/monthly?month={month.start:%Y-%m}"),
              ("transparency page, this month", api.get, "/transparency/"),
              ("transparency page, 12 months", api.get, "/transparency/?period=year")]
    return found


def _token(app, username: str) -> str:
    from models.staff import create_api_token

    token = create_api_token(db.session, db.session.scalar(
        select(Staff).where(Staff.username == username)))
    db.session.commit()
    return token


def bench_reports(visits: int = 200_000, rounds: int = 10) -> list[dict]:
    cached = kiosk.transparency.CACHE_SECONDS
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI":
                                      f"sqlite:///{Path(folder) / 'khiu.db'}"})
        runner = app.test_cli_runner()
        for command in (["init-db"], ["seed-demo"]):
            assert runner.invoke(args=command).exit_code == 0
        started = time.perf_counter()
        with app.app_context():
            generate(visits)
        generated = time.perf_counter() - started
        found = pages(app)
        # Report pages roll up STEP_DAYS closed days per request until every closed day is
        # (once; then one day a day): those requests are timed on their own.
        what, get, url = found[0]
        steps = []
        with app.app_context():
            office_id = current_office().id
            while behind(db.session, office_id, now_utc(), app.config["RATING_WINDOW_HOURS"]):
                db.session.rollback()
                started = time.perf_counter()
                assert get(url).status_code == 200
                steps.append((time.perf_counter() - started) * 1000)
        results = [{"page": f"{what}, while rolling up ({len(steps)} requests, the first cold)",
                    "mean": statistics.mean(steps), "p95": percentile(steps, .95),
                    "max": max(steps)}]
        results += [{"page": what, **time_get(get, url, rounds)} for what, get, url in found]
        kiosk.transparency.CACHE_SECONDS = 0  # the page as computed on a cache miss
        results += [{"page": f"{what}, uncached", **time_get(get, url, rounds)}
                    for what, get, url in found if what.startswith("transparency")]
        kiosk.transparency.CACHE_SECONDS = cached
        with app.app_context():
            db.engine.dispose()
    for result in results:
        result["generated_s"] = generated
    return results


def report_rows(visits: int = 200_000) -> list[str]:
    """Rows for bench/run.py's Markdown table."""
    return [f"| {r['page']}, {visits:,} visits, SQLite | — | mean {r['mean']:.1f} ms, "
            f"p95 {r['p95']:.1f} ms | — | ≤ 300 ms |" for r in bench_reports(visits)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    results = bench_reports(args.visits, args.rounds)
    print(f"generated {args.visits:,} visits in {results[0]['generated_s']:.1f} s")
    print("| report page | mean | p95 | target |")
    print("|---|---|---|---|")
    for r in results:
        slowest = f" (slowest {r['max']:.1f} ms)" if "max" in r else ""
        print(f"| {r['page']} | {r['mean']:.1f} ms | {r['p95']:.1f} ms{slowest} | ≤ 300 ms |")


if __name__ == "__main__":
    main()
