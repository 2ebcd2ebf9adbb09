"""Sixteen kiosks and eight counters driving a running server through the JSON API."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter as Tally
from urllib.parse import urlsplit

KIOSK_SERVICES = ["REG-BIRTH", "REG-DEATH", "REG-MOVE-IN", "REV-LANDTAX", "PW-BUILD",
                  "ENV-FOOD", "CD-ELDERLY", "ADMIN-COMPLAINT"]


class Client:
    def __init__(self, base_url: str, token: str | None = None):
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        self.connection.request("POST", path, body=json.dumps(body or {}),
                                headers=self.headers)
        response = self.connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None

    def get(self, path: str):
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        return response.status, json.loads(response.read())

    def close(self) -> None:
        self.connection.close()


def drive_office(base_url: str, token: str, counter_ids: list[int], kiosks: int = 16,
                 tickets_per_kiosk: int = 10) -> dict:
    """Kiosks issue while counters call and finish; returns what happened, for assertions.
    Every other counter finishes its visit with its next call ({"finish": TOKEN}), the
    others with a finish request of its own."""
    issued: list[dict] = []
    claims: list[tuple[int, str]] = []
    errors: list[str] = []
    issuing_done = threading.Event()
    lock = threading.Lock()

    def kiosk(index: int) -> None:
        client = Client(base_url)
        try:
            for n in range(tickets_per_kiosk):
                key = f"k{index}-{n}"
                body = {"service": KIOSK_SERVICES[(index + n) % len(KIOSK_SERVICES)],
                        "idempotency_key": key}
                status, data = client.post("/api/v1/tickets", body)
                if n % 5 == 0:  # a retried request (lost response) must not make a second ticket
                    again, repeat = client.post("/api/v1/tickets", body)
                    if again != 200 or repeat["token"] != data["token"]:
                        errors.append(f"retry of {key} gave {again}")
                if status != 201:
                    errors.append(f"issue {key}: {status} {data}")
                    continue
                with lock:
                    issued.append(data)
        finally:
            client.close()

    def desk(counter_id: int, finish_with_call: bool) -> None:
        client = Client(base_url, token)
        idle = 0
        held = None  # the ticket a finish_with_call counter finishes with its next call
        try:
            while idle < 20:
                status, data = client.post(f"/api/v1/counters/{counter_id}/call-next",
                                           {"finish": held["token"]} if held else None)
                if held and status in (200, 204):
                    held = None  # finished by that call
                if status == 204:
                    idle = idle + 1 if issuing_done.is_set() else 0
                    time.sleep(0.01)
                    continue
                if status != 200:
                    errors.append(f"call at {counter_id}: {status} {data}")
                    continue
                ticket = data["ticket"]
                with lock:
                    claims.append((counter_id, ticket["token"]))
                if finish_with_call:
                    held = ticket
                    continue
                status, data = client.post(f"/api/v1/tickets/{ticket['token']}/finish")
                if status != 200:
                    errors.append(f"finish {ticket['number']}: {status} {data}")
        finally:
            client.close()

    kiosk_threads = [threading.Thread(target=kiosk, args=(i,)) for i in range(kiosks)]
    desk_threads = [threading.Thread(target=desk, args=(c, n % 2 == 1))
                    for n, c in enumerate(counter_ids)]
    for thread in kiosk_threads + desk_threads:
        thread.start()
    for thread in kiosk_threads:
        thread.join(timeout=300)
    issuing_done.set()
    for thread in desk_threads:
        thread.join(timeout=300)
    reader = Client(base_url)
    for ticket in issued:  # every visit ended served, whichever way it was finished
        _, data = reader.get(f"/api/v1/tickets/{ticket['token']}")
        if data["status"] != "finished":
            errors.append(f"{ticket['number']} ended {data['status']}")
    reader.close()
    return {"issued": issued, "claims": claims, "errors": errors}


def assert_office_consistent(outcome: dict, expected: int) -> None:
    issued, claims = outcome["issued"], outcome["claims"]
    assert outcome["errors"] == []
    assert len(issued) == expected
    numbers = Tally(t["number"] for t in issued)
    assert [n for n, c in numbers.items() if c > 1] == [], "duplicate numbers"
    for prefix in {n[0] for n in numbers}:
        mine = sorted(int(n[1:]) for n in numbers if n[0] == prefix)
        assert mine == list(range(1, len(mine) + 1)), f"gap or repeat in {prefix}"
    claimed = Tally(token for _, token in claims)
    assert [t for t, c in claimed.items() if c > 1] == [], "a ticket was called twice"
    assert set(claimed) == {t["token"] for t in issued}, "a ticket was never called"
