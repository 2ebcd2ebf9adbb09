"""A whole office day against a running Khiu: about 600 visits from 08:00 to 16:00.

    python -m bench.office_day [--postgres] [--visits 600] [--hour-seconds 12] [--seed 7]

Time is compressed (one office hour = --hour-seconds of wall clock), so every figure of the day
is given in simulated minutes; request latencies are real milliseconds. Citizens arrive on a
district office's curve (morning peak, lunch dip, a smaller afternoon wave) and take tickets at
the kiosk API; 8 counters, each worked by its section's demo staff member with an API bearer
token, call, sometimes recall, start, serve, transfer about 10% of visits to another section's
service, mark about 5% no-shows and finish; about 40% of finished visits are rated through the
API at the exit. Counters keep serving after 16:00 until nobody waits, as an office does.

At the end every ticket is read back: it must be finished or a no-show, numbers must not
repeat, and every request must have had the answer the API promises. Any error makes the
exit status 1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import tempfile
import threading
import time
from collections import Counter as Tally
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cli.staff import DEMO_STAFF
from models.staff import Role
from scripts.khiu_process import demo_environment, flask, prepare, serving
from scripts.postgres_server import throwaway_postgres

OPENS, CLOSES = 8, 16
# Share of the day's arrivals per hour from 08:00: a morning peak, a lunch dip, an afternoon wave.
ARRIVALS = [0.12, 0.18, 0.17, 0.13, 0.06, 0.10, 0.13, 0.11]
SERVICE_MINUTES, SERVICE_SPREAD = 4.5, 0.45  # log-normal: median 4.5 min, mean 5, a long tail
TRANSFER, NO_SHOW, RECALL, RATE, PRIORITY = 0.10, 0.05, 0.08, 0.40, 0.08
SCORES = {5: 45, 4: 35, 3: 12, 2: 5, 1: 3}
STALE_SECONDS = 20.0
IDLE_POLL_MINUTES = 1.0  # an idle counter presses "call next" again after a minute
EXPECTED = {"issue": 201, "call": (200, 204), "recall": 200, "start": 200, "no-show": 200,
            "finish": 200, "transfer": 200, "rate": 201, "read": 200}


@dataclass
class Visit:
    service: str = ""
    arrived: float | None = None  # simulated minutes since opening
    number: str = ""
    calls: list[float] = field(default_factory=list)
    legs: list[float] = field(default_factory=list)  # minutes of service per counter
    transferred: float | None = None
    done: float | None = None
    outcome: str = ""


class Clock:
    def __init__(self, hour_seconds: float):
        self.minute = hour_seconds / 60
        self.start = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self.start) / self.minute

    def sleep(self, minutes: float) -> None:
        time.sleep(max(0.0, minutes) * self.minute)

    def until(self, minute: float) -> None:
        self.sleep(minute - self.now())


def clock_time(minutes: float) -> str:
    hours, rest = divmod(int(round(minutes)), 60)
    return f"{OPENS + hours:02d}:{rest:02d}"


class Day:
    """Shared state of the day: visits by token, the open count, request log and errors."""

    def __init__(self, base: str, hour_seconds: float):
        self.base, self.clock = base, Clock(hour_seconds)
        self.lock = threading.Lock()
        self.visits: dict[str, Visit] = defaultdict(Visit)
        self.open = 0
        self.arrivals_done = threading.Event()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.local = threading.local()

    def request(self, kind: str, path: str, body: dict | None = None,
                token: str | None = None) -> tuple[int, dict | None]:
        """One API call on this thread's keep-alive connection, timed and checked."""
        if time.monotonic() - getattr(self.local, "used", 0.0) > STALE_SECONDS:
            # waitress closes a connection idle for a while; open a fresh one rather than
            # resend a request the server may or may not have seen.
            if hasattr(self.local, "connection"):
                self.local.connection.close()
            parts = urlsplit(self.base)
            self.local.connection = http.client.HTTPConnection(parts.hostname, parts.port,
                                                               timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        try:
            self.local.connection.request("GET" if body is None else "POST", path,
                                          body=None if body is None else json.dumps(body),
                                          headers=headers)
            response = self.local.connection.getresponse()
            raw = response.read()
            status, data = response.status, json.loads(raw) if raw else None
            self.local.used = time.monotonic()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            self.local.connection.close()
            self.local.used = 0.0
            status, data = 0, {"error": type(exc).__name__, "message": str(exc)}
        with self.lock:
            expected = EXPECTED[kind]
            if status not in (expected if isinstance(expected, tuple) else (expected,)):
                self.errors.append(f"{kind} {path}: {status} {data}")
            if kind == "call" and status == 204:
                kind = "call-idle"  # nobody waiting: kept apart from the calls that claim one
            self.latency[kind].append((time.perf_counter() - started) * 1000)
        return status, data

    def visit(self, token: str) -> Visit:
        with self.lock:
            return self.visits[token]

    def close_visit(self, visit: Visit, outcome: str) -> None:
        with self.lock:
            visit.done, visit.outcome = self.clock.now(), outcome
            self.open -= 1

    def finished(self) -> bool:
        with self.lock:
            return self.arrivals_done.is_set() and self.open == 0


def arrivals(visits: int, counters: list[dict], rng: random.Random) -> list[tuple[float, str]]:
    """(minute of arrival, service) for the whole day, by the hourly curve. Each counter draws
    an equal share of the citizens, spread over its services: an office staffs its sections
    for the work they get (civil registration has three counters, the others one)."""
    weights: dict[str, float] = defaultdict(float)
    for counter in counters:
        for code in counter["services"]:
            weights[code] += 1 / len(counter["services"])
    services = list(weights)
    plan = []
    for hour, share in enumerate(ARRIVALS):
        for _ in range(round(visits * share)):
            service = rng.choices(services, weights=[weights[s] for s in services])[0]
            plan.append((hour * 60 + rng.uniform(0, 60), service))
    return sorted(plan)


def citizen(day: Day, minute: float, service: str, key: str, priority: bool) -> None:
    status, data = day.request("issue", "/api/v1/tickets",
                               {"service": service, "idempotency_key": key,
                                "priority": priority})
    if status == 201:
        visit = day.visit(data["token"])
        with day.lock:
            visit.service, visit.arrived, visit.number = service, minute, data["number"]
            day.open += 1


def counter_loop(day: Day, counter: dict, token: str, elsewhere: list[str],
                 raters: ThreadPoolExecutor, seed: int) -> None:
    """One counter's day: call, (recall), start, serve, then transfer, no-show or finish."""
    rng, clock = random.Random(seed), day.clock
    while not day.finished():
        status, data = day.request("call", f"/api/v1/counters/{counter['id']}/call-next",
                                   {}, token)
        if status != 200:
            clock.sleep(IDLE_POLL_MINUTES)
            continue
        ticket = data["ticket"]["token"]
        visit = day.visit(ticket)
        visit.calls.append(clock.now())
        first_leg = visit.transferred is None
        if first_leg and rng.random() < NO_SHOW:
            clock.sleep(1)
            day.request("recall", f"/api/v1/tickets/{ticket}/recall", {}, token)
            clock.sleep(1)
            day.request("no-show", f"/api/v1/tickets/{ticket}/no-show", {}, token)
            day.close_visit(visit, "no_show")
            continue
        if rng.random() < RECALL:
            clock.sleep(0.5)
            day.request("recall", f"/api/v1/tickets/{ticket}/recall", {}, token)
        day.request("start", f"/api/v1/tickets/{ticket}/start", {}, token)
        began = clock.now()
        clock.sleep(rng.lognormvariate(0, SERVICE_SPREAD) * SERVICE_MINUTES)
        visit.legs.append(clock.now() - began)
        if first_leg and rng.random() < TRANSFER:
            position = rng.choice(("front", "back"))
            day.request("transfer", f"/api/v1/tickets/{ticket}/transfer",
                        {"service": rng.choice(elsewhere), "position": position}, token)
            visit.transferred = clock.now()
            continue
        day.request("finish", f"/api/v1/tickets/{ticket}/finish", {}, token)
        day.close_visit(visit, "finished")
        if rng.random() < RATE:
            score = rng.choices(list(SCORES), weights=list(SCORES.values()))[0]
            raters.submit(day.request, "rate", f"/api/v1/tickets/{ticket}/rating",
                          {"score": score, "extra_payment_asked": False, "comment": ""})


def staff_tokens(env: dict[str, str], counters: list[dict]) -> dict[int, str]:
    """A token per counter for the next unused demo counter staff member of its section."""
    free = defaultdict(list)
    for username, (_, role, section) in DEMO_STAFF.items():
        if role is Role.COUNTER:
            free[section].append(username)
    return {c["id"]: flask(["create-token", free[c["section"]].pop(0)], env)
            .strip().splitlines()[-1] for c in counters}


def play(base: str, env: dict[str, str], visits: int, hour_seconds: float, seed: int) -> Day:
    rng = random.Random(seed)
    day = Day(base, hour_seconds)
    _, counters = day.request("read", "/api/v1/counters")
    tokens = staff_tokens(env, counters)
    served = sorted({code for c in counters for code in c["services"]})
    plan = arrivals(visits, counters, rng)
    day.clock = Clock(hour_seconds)  # the day starts now, after the set-up
    with ThreadPoolExecutor(8, thread_name_prefix="rater") as raters:
        desks = [threading.Thread(target=counter_loop, args=(
            day, c, tokens[c["id"]], [s for s in served if s not in c["services"]], raters,
            seed + c["id"])) for c in counters]
        for desk in desks:
            desk.start()
        with ThreadPoolExecutor(16, thread_name_prefix="kiosk") as kiosks:
            for index, (minute, service) in enumerate(plan):
                day.clock.until(minute)
                kiosks.submit(citizen, day, minute, service, f"day-{seed}-{index}",
                              rng.random() < PRIORITY)
        day.arrivals_done.set()
        for desk in desks:
            desk.join()
    check_tickets(day)
    return day


def check_tickets(day: Day) -> None:
    """Read every ticket back: each finished or a no-show, no number twice."""
    numbers = Tally(v.number for v in day.visits.values())
    day.errors += [f"number {n} issued {c} times" for n, c in numbers.items() if c > 1]
    for token, visit in day.visits.items():
        _, data = day.request("read", f"/api/v1/tickets/{token}")
        if data and data.get("status") != (visit.outcome or "?"):
            day.errors.append(f"{visit.number}: server says {data.get('status')}, "
                              f"the day says {visit.outcome or 'still open'}")


def main() -> int:
    from bench.office_day_summary import summary  # which imports this module

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL")
    parser.add_argument("--visits", type=int, default=600)
    parser.add_argument("--hour-seconds", type=float, default=12.0,
                        help="wall-clock seconds per office hour (default 12)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with ExitStack() as stack:
        url = stack.enter_context(throwaway_postgres()) if args.postgres else None
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        env = demo_environment(folder, url)
        prepare(env)
        base = stack.enter_context(serving(env))
        started = time.monotonic()
        day = play(base, env, args.visits, args.hour_seconds, args.seed)
        print(summary(day, "PostgreSQL" if args.postgres else "SQLite",
                      time.monotonic() - started))
    return 1 if day.errors else 0


if __name__ == "__main__":
    sys.exit(main())
