"""Queue events to live screens over Server-Sent Events.

Domain operations write QueueEvent rows. After a commit that added some, the in-process broker
wakes every stream at once; streams also poll the table, so calls made by another app process
(several processes on one PostgreSQL) reach every board within a poll interval.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator

from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from models import QueueEvent, db

POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
STREAM_SECONDS = 300.0  # then the browser reconnects (Last-Event-ID) and a thread is freed


class Broker:
    """A version counter with a condition: waiting streams wake when it moves."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self.version = 0

    def notify(self) -> None:
        with self._condition:
            self.version += 1
            self._condition.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        with self._condition:
            self._condition.wait_for(lambda: self.version != seen, timeout=timeout)
            return self.version


broker = Broker()


@event.listens_for(Session, "after_flush")
def _remember_new_events(session: Session, flush_context) -> None:
    if any(isinstance(obj, QueueEvent) for obj in session.new):
        session.info["khiu_new_events"] = True


@event.listens_for(Session, "after_commit")
def _wake_streams(session: Session) -> None:
    if session.info.pop("khiu_new_events", False):
        broker.notify()


@event.listens_for(Session, "after_rollback")
def _forget_events(session: Session) -> None:
    session.info.pop("khiu_new_events", None)


def latest_event_id(office_id: int) -> int:
    return db.session.scalar(select(func.max(QueueEvent.id))
                             .where(QueueEvent.office_id == office_id)) or 0


def events_after(office_id: int, last_id: int, limit: int = 100) -> list[QueueEvent]:
    return list(db.session.scalars(
        select(QueueEvent).where(QueueEvent.office_id == office_id, QueueEvent.id > last_id)
        .order_by(QueueEvent.id).limit(limit)))


def sse_message(name: str, data: str, event_id: int | None = None) -> str:
    lines = [f"id: {event_id}"] if event_id is not None else []
    lines.append(f"event: {name}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


Render = Callable[[list[QueueEvent]], list[tuple[str, str]]]


class BatchCache:
    """Streams that stand at the same event share one query and one render of what follows.

    Fifty boards woken by one call would otherwise each query the events and render the same
    panel, one after another under the GIL.
    """

    SIZE = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._batches: OrderedDict[tuple, tuple[int, list[tuple[str, str]]]] = OrderedDict()

    def next_batch(self, app: Flask, channel: str, office_id: int, last_id: int,
                   render: Render) -> tuple[int, list[tuple[str, str]]]:
        """(id of the newest event read, messages); messages is empty when nothing is new."""
        key = (channel, office_id, last_id)
        with self._lock:  # one stream computes, the others wait and then read its result
            if key in self._batches:
                return self._batches[key]
            with app.app_context():
                batch = events_after(office_id, last_id)
                if not batch:
                    return last_id, []
                result = (batch[-1].id, render(batch))
            self._batches[key] = result
            while len(self._batches) > self.SIZE:
                self._batches.popitem(last=False)
            return result


batches = BatchCache()


def stream(app: Flask, channel: str, office_id: int, last_id: int, render: Render,
           stream_seconds: float = STREAM_SECONDS) -> Iterator[str]:
    """Yield SSE messages for events after last_id; render turns a batch into (name, data)."""
    yield "retry: 2000\n\n"
    deadline = time.monotonic() + stream_seconds
    beat = time.monotonic() + HEARTBEAT_SECONDS
    seen = broker.version
    while time.monotonic() < deadline:
        newest, messages = batches.next_batch(app, channel, office_id, last_id, render)
        if newest != last_id:
            last_id = newest
            for name, data in messages:
                yield sse_message(name, data, last_id)
            continue
        if time.monotonic() >= beat:
            yield ": keep-alive\n\n"
            beat = time.monotonic() + HEARTBEAT_SECONDS
        seen = broker.wait(seen, POLL_SECONDS)
