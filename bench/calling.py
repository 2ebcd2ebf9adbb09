"""Call-next benchmarks: eight counters calling as fast as they can, and one quiet counter
behind another service's long queue."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter as Tally

from bench.http import LeanClient as Client
from bench.stats import percentile
from tests.load_helpers import KIOSK_SERVICES

WARM_UP = 3  # untimed requests per client first: a new connection, statement caches
# In every idempotency key of a run: a key names one ticket of the office for good (UNIQUE
# office_id, idempotency_key), so a run on a database an earlier run used (--database-url)
# would otherwise be answered the earlier run's tickets and issue none.
RUN = secrets.token_hex(4)


def run_key(name: str) -> str:
    return f"{RUN}-{name}"


def run_threads(count: int, target, timed: threading.Barrier | None = None) -> float:
    """Run target(i) in count threads; the clock starts when all reach `timed`, if given.
    A thread's error ends the run: the barrier is broken, so no thread waits for the one that
    failed, and the error is raised here."""
    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            target(index)
        except BaseException as error:
            errors.append(error)
            if timed is not None:
                timed.abort()

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    if timed is not None:
        try:
            timed.wait()
        except threading.BrokenBarrierError:
            pass  # a thread failed: its error is raised below
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def bench_call(base: str, token: str, finish_with_call: bool = False) -> dict:
    """Every counter calls and finishes until nobody waits. Each visit is two requests
    (call-next, then finish), or with finish_with_call one: the next call-next names the
    visit to finish first ({"finish": TOKEN}, the console's "finish and call next")."""
    lister = Client(base)
    counters = [c["id"] for c in lister.get("/api/v1/counters")[1]]
    lister.close()
    latencies: list[float] = []
    claimed: list[str] = []
    lock = threading.Lock()
    timed = threading.Barrier(len(counters) + 1)

    def desk(index: int) -> None:
        client = Client(base, token)
        mine, got = [], []
        held: list[str] = []  # the visit the next call finishes first

        def visit() -> bool:
            started = time.perf_counter()
            status, data = client.post(f"/api/v1/counters/{counters[index]}/call-next",
                                       {"finish": held.pop()} if held else None)
            if status != 200:
                return False
            mine.append(time.perf_counter() - started)
            got.append(data["ticket"]["token"])
            if finish_with_call:
                held.append(data["ticket"]["token"])
            else:
                client.post(f"/api/v1/tickets/{data['ticket']['token']}/finish")
            return True

        for _ in range(WARM_UP):
            visit()
        mine.clear()
        timed.wait()
        while visit():
            pass
        client.close()
        with lock:
            latencies.extend(mine)
            claimed.extend(got)

    elapsed = run_threads(len(counters), desk, timed)
    doubles = sum(c - 1 for c in Tally(claimed).values() if c > 1)
    return {"rate": len(latencies) / elapsed, "p50": percentile(latencies, .5) * 1000,
            "p99": percentile(latencies, .99) * 1000, "count": len(claimed), "doubles": doubles}


def refill(base: str, tickets: int, clients: int = 16) -> None:
    """Issue tickets again, untimed, for the next call benchmark."""
    def kiosk(index: int) -> None:
        client = Client(base)
        for n in range(tickets // clients):
            client.post("/api/v1/tickets", {
                "service": KIOSK_SERVICES[(index + n) % len(KIOSK_SERVICES)],
                "idempotency_key": run_key(f"refill{index}-{n}")})
        client.close()

    run_threads(clients, kiosk)


def bench_quiet_counter(base: str, token: str, others: int, calls: int) -> dict:
    """Call-next at a counter with one ticket of its own while `others` tickets of a service it
    does not serve wait: the claim's index walk skips them all (models/calling.py)."""
    client = Client(base, token)
    counters = client.get("/api/v1/counters")[1]
    busy = "REG-BIRTH"
    quiet = next(c for c in counters if busy not in c["services"] and c["services"])
    for n in range(others):
        client.post("/api/v1/tickets", {"service": busy,
                                        "idempotency_key": run_key(f"busy-{n}")})
    latencies = []
    for n in range(calls):
        client.post("/api/v1/tickets", {"service": quiet["services"][0],
                                        "idempotency_key": run_key(f"quiet-{n}")})
        started = time.perf_counter()
        status, data = client.post(f"/api/v1/counters/{quiet['id']}/call-next")
        latencies.append(time.perf_counter() - started)
        assert status == 200, status
        client.post(f"/api/v1/tickets/{data['ticket']['token']}/finish")
    client.close()
    return {"p50": percentile(latencies, .5) * 1000, "p95": percentile(latencies, .95) * 1000}
