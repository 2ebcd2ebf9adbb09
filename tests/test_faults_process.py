"""Faults of whole processes: the server killed mid-load, and a display board that loses its line.

The server runs as an office runs it (`flask serve` in its own process); kiosks, counters and a
board talk to it over real sockets.
"""

from __future__ import annotations

import http.client
import re
import shutil
import signal
import threading
import time
from collections import Counter as Tally
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from scripts.khiu_process import demo_environment, prepare, server_process
from tests.load_helpers import Client
from tests.test_board import read_until

LOST = (OSError, http.client.HTTPException)  # the answer never came: not acknowledged


@pytest.fixture(scope="session")
def prepared_sqlite(tmp_path_factory) -> tuple[Path, str]:
    """A demo office database (init-db, seed-demo) and a supervisor's API token, made once."""
    folder = tmp_path_factory.mktemp("prepared")
    token = prepare(demo_environment(str(folder)))
    return folder / "khiu.db", token


@pytest.fixture(params=["sqlite", "postgresql"])
def office_env(request, tmp_path) -> dict[str, str]:
    """Settings of a prepared demo office, with a supervisor's API token in KHIU_TOKEN."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_empty_app").config["SQLALCHEMY_DATABASE_URI"]
        env = demo_environment(str(tmp_path), url)
        return {**env, "KHIU_TOKEN": prepare(env)}
    template, token = request.getfixturevalue("prepared_sqlite")
    shutil.copy(template, tmp_path / "khiu.db")  # the token is stored (hashed) in the copy
    return {**demo_environment(str(tmp_path)), "KHIU_TOKEN": token}


def test_server_killed_mid_load_keeps_every_acknowledged_ticket_and_rating(office_env):
    env, token = office_env, office_env["KHIU_TOKEN"]
    acked: dict[str, dict] = {}        # idempotency key -> the ticket the server confirmed
    tried: list[str] = []              # every key sent, answered or not
    rated: dict[str, int] = {}         # ticket token -> score the server confirmed (201)
    errors: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def kiosk(index: int) -> None:
        client = Client(base)
        for n in range(10_000):
            if stop.is_set():
                break
            key = f"kill-{index}-{n}"
            with lock:
                tried.append(key)
            try:
                status, data = client.post("/api/v1/tickets",
                                           {"service": "REG-BIRTH", "idempotency_key": key})
            except LOST:
                break
            if status != 201:
                errors.append(f"issue {key}: {status} {data}")
                continue
            with lock:
                acked[key] = data
        client.close()

    def desk(counter_id: int) -> None:
        client = Client(base, token)
        try:
            while not stop.is_set():
                status, data = client.post(f"/api/v1/counters/{counter_id}/call-next")
                if status == 204:
                    time.sleep(0.01)
                    continue
                if status != 200:
                    errors.append(f"call: {status} {data}")
                    break
                ticket = data["ticket"]["token"]
                status, data = client.post(f"/api/v1/tickets/{ticket}/finish")
                if status != 200:
                    errors.append(f"finish: {status} {data}")
                    break
                score = len(rated) % 5 + 1
                status, data = client.post(f"/api/v1/tickets/{ticket}/rating",
                                           {"score": score})
                if status != 201:
                    errors.append(f"rating: {status} {data}")
                    break
                with lock:
                    rated[ticket] = score
        except LOST:
            pass
        finally:
            client.close()

    with server_process(env, threads=16) as (process, base):
        lister = Client(base)
        counters = [c["id"] for c in lister.get("/api/v1/counters")[1]
                    if "REG-BIRTH" in c["services"]][:2]
        lister.close()
        threads = [threading.Thread(target=kiosk, args=(i,)) for i in range(4)]
        threads += [threading.Thread(target=desk, args=(c,)) for c in counters]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while (len(acked) < 60 or len(rated) < 6) and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)  # mid-load: requests are in flight right now
        process.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    assert len(acked) >= 60 and len(rated) >= 6, "the load never got going"

    with server_process(env, threads=16) as (_, base):  # restarted on the same database
        client = Client(base, token)
        for key, ticket in acked.items():
            status, data = client.get(f"/api/v1/tickets/{ticket['token']}")
            assert status == 200 and data["number"] == ticket["number"], key
        for ticket, score in rated.items():  # stored: a second rating is refused
            status, data = client.post(f"/api/v1/tickets/{ticket}/rating", {"score": score})
            assert status == 409 and data["error"] == "already_rated", ticket
        # Kiosks retry every request, answered or lost: an answered one gets its ticket back.
        for key in tried:
            status, data = client.post("/api/v1/tickets",
                                       {"service": "REG-BIRTH", "idempotency_key": key})
            if key in acked:
                assert status == 200 and data["token"] == acked[key]["token"], key
            else:
                assert status in (200, 201), data
        after = client.post("/api/v1/tickets", {"service": "REG-BIRTH"})[1]["number"]
        client.close()

    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        numbers = [row[0] for row in connection.execute(text("SELECT number FROM ticket"))]
        ratings = connection.execute(text("SELECT count(*) FROM rating")).scalar()
    engine.dispose()
    assert [n for n, c in Tally(numbers).items() if c > 1] == [], "a number repeats"
    assert sorted(int(n[1:]) for n in numbers) == list(range(1, len(numbers) + 1))
    assert after == max(numbers, key=lambda n: int(n[1:]))
    assert len(numbers) == len(tried) + 1 and ratings >= len(rated)


def board_stream(base: str, last_event_id: str | None = None):
    connection = http.client.HTTPConnection(*base.removeprefix("http://").split(":"),
                                            timeout=10)
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    connection.request("GET", "/board/events", headers=headers)
    response = connection.getresponse()
    assert response.status == 200
    read_until(response, "retry:", 5)
    return connection, response


def said(text: str) -> list[str]:
    return re.findall(r'data-say-en="Number ([A-Z0-9 ]+), please', text)


@pytest.mark.parametrize("office_env", ["sqlite"], indirect=True)
def test_a_board_that_loses_its_connection_gets_the_calls_it_missed(office_env):
    env, token = office_env, office_env["KHIU_TOKEN"]
    with server_process(env, threads=16) as (_, base):
        kiosk, desk = Client(base), Client(base, token)
        for _ in range(3):
            assert kiosk.post("/api/v1/tickets", {"service": "REG-BIRTH"})[0] == 201
        counter_id = [c["id"] for c in desk.get("/api/v1/counters")[1]
                      if "REG-BIRTH" in c["services"]][0]

        def call_and_finish() -> None:
            ticket = desk.post(f"/api/v1/counters/{counter_id}/call-next")[1]["ticket"]
            desk.post(f"/api/v1/tickets/{ticket['token']}/finish")

        connection, stream = board_stream(base)
        call_and_finish()
        seen = read_until(stream, "data-say-en=", 10)
        last_id = re.findall(r"^id: (\d+)$", seen, re.MULTILINE)[-1]
        assert said(seen) == ["A 0 0 1"]
        connection.close()  # the TV's Wi-Fi drops

        call_and_finish()  # two calls while the board is away
        call_and_finish()
        back, back_stream = board_stream(base, last_event_id=last_id)  # the browser reconnects
        missed = read_until(back_stream, "A 0 0 3", 10)
        back.close()
        kiosk.close()
        desk.close()
    assert said(missed) == ["A 0 0 2", "A 0 0 3"]
    assert int(re.findall(r"^id: (\d+)$", missed, re.MULTILINE)[-1]) > int(last_id)
