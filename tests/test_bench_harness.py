"""The benchmark's own client and threads (bench/): a run on a database that earlier runs used,
a counter with nobody waiting, a client thread that fails. (The timings are the benchmark's;
these tests check that it measures, or fails, instead of hanging.)"""

from __future__ import annotations

import math
import threading

from sqlalchemy import func, select

from bench import calling
from bench.calling import WARM_UP, bench_call, run_threads
from bench.http import LeanClient
from bench.run import bench_issue
from bench.stats import percentile
from models.base import db
from models.queue import Ticket
from tests.api_helpers import token_for


def test_lean_client_reconnects_after_an_answer_that_closed_the_connection(app, live_server):
    """waitress closes the connection after a 204 (an answer without Content-Length)."""
    client = LeanClient(live_server, token_for(app, "supervisor"))
    counter = client.get("/api/v1/counters")[1][0]["id"]
    assert client.post(f"/api/v1/counters/{counter}/call-next") == (204, None)
    assert client.socket is None  # the server said Connection: close
    status, counters = client.get("/api/v1/counters")
    assert status == 200 and counters[0]["id"] == counter
    client.close()


def test_call_benchmark_with_nobody_waiting_counts_no_call(app, live_server):
    outcome = bench_call(live_server, token_for(app, "supervisor"))
    assert outcome["count"] == 0 and outcome["doubles"] == 0


def test_a_later_run_on_the_same_database_issues_new_tickets(app, live_server, monkeypatch):
    first = bench_issue(live_server, clients=2, per_client=3)
    monkeypatch.setattr(calling, "RUN", "a-later-run")  # as the next `bench.run` process draws
    second = bench_issue(live_server, clients=2, per_client=3)
    for outcome in (first, second):
        assert outcome["count"] == 6 and outcome["failed"] == 0 and outcome["duplicates"] == 0
    with app.app_context():
        issued = db.session.scalar(select(func.count()).select_from(Ticket))
    # each run: 2 clients x (3 untimed + 3 timed) tickets of its own, none the other's again
    assert issued == 2 * 2 * (WARM_UP + 3)


def test_a_client_thread_that_fails_ends_the_run_with_its_error():
    timed = threading.Barrier(3 + 1, timeout=10)  # no hang on a regression

    def client(index: int) -> None:
        if index == 0:
            raise ConnectionError("the server closed the connection")
        timed.wait()

    outcome: list[BaseException] = []

    def run() -> None:
        try:
            run_threads(3, client, timed)
        except BaseException as error:
            outcome.append(error)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(10)
    assert not runner.is_alive(), "the run waits for the thread that failed"
    assert len(outcome) == 1 and isinstance(outcome[0], ConnectionError)


def test_a_run_that_timed_nothing_has_no_percentiles():
    assert math.isnan(percentile([], .99))
    assert percentile([3.0, 1.0, 2.0], .5) == 2.0
