"""Queue events to live screens over Server-Sent Events.

Domain operations write QueueEvent rows. After a commit that added some, the in-process broker
wakes every stream at once. Writes made by another app process (several worker processes, or
several servers on one PostgreSQL) wake it through one watcher thread per process: PostgreSQL
LISTEN/NOTIFY, or SQLite's data_version, which moves when another connection commits. Streams
also poll the table now and then, so nothing depends on a wake-up arriving.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Iterator

from flask import Flask
from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.engine import make_url

from models import QueueEvent, db
from models.tickets import EVENTS_CHANNEL, FOLLOWED_KINDS
from models.transactions import on_events_committed

POLL_SECONDS = 5.0
WATCH_SECONDS = 0.002  # SQLite: how often the watcher reads data_version (no disk I/O)
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


@on_events_committed
def _wake_streams(kinds: set[str]) -> None:
    if kinds & FOLLOWED_KINDS:  # a new ticket or a rating changes nothing a live screen shows
        broker.notify()


class Watcher:
    """One daemon thread per process and database that wakes the broker on others' writes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started: set[str] = set()

    def ensure(self, database_url: str) -> None:
        with self._lock:
            if database_url in self._started:
                return
            self._started.add(database_url)
        url = make_url(database_url)
        target = self._listen_postgres if url.get_backend_name() == "postgresql" \
            else self._watch_sqlite
        threading.Thread(target=self._forever, args=(target, url), daemon=True,
                         name="khiu-event-watcher").start()

    @staticmethod
    def _forever(target, url) -> None:
        while True:
            try:
                target(url)
            except Exception:  # the database restarted or is away: try again soon
                if url.get_backend_name() == "sqlite" and not os.path.exists(url.database):
                    return  # the database file is gone (a test's folder): nothing to watch
                time.sleep(1)

    @staticmethod
    def _watch_sqlite(url) -> None:
        import sqlite3

        # mode=rw: never create a database file that is not there.
        path = urllib.parse.quote(os.path.abspath(url.database))
        connection = sqlite3.connect(f"file:{path}?mode=rw", uri=True,
                                     isolation_level=None)
        try:
            version = None
            while True:
                current = connection.execute("PRAGMA data_version").fetchone()[0]
                if version is not None and current != version:
                    broker.notify()
                version = current
                time.sleep(WATCH_SECONDS)
        finally:
            connection.close()

    @staticmethod
    def _listen_postgres(url) -> None:
        import psycopg

        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f"LISTEN {EVENTS_CHANNEL}")
            for _ in connection.notifies():
                broker.notify()


watcher = Watcher()


_EVENTS = QueueEvent.__table__
# The newest followed event, and those after a stream's last: ix_queue_event_office_order
# (office_id, id) holds the office's events in order, so what follows an event is read from
# the end whatever the planner's statistics say (migration 0014).
LATEST_EVENT = (select(func.max(_EVENTS.c.id))
                .where(_EVENTS.c.office_id == bindparam("office_id"),
                       _EVENTS.c.kind.in_(FOLLOWED_KINDS)))


def latest_event_id(office_id: int) -> int:
    """Where a new stream starts: the newest followed event (see FOLLOWED_KINDS; a ticket
    issued meanwhile may carry a higher id than a call still committing)."""
    return db.session.scalar(LATEST_EVENT, {"office_id": office_id}) or 0


EVENTS_AFTER = (select(_EVENTS.c.id, _EVENTS.c.kind, _EVENTS.c.data)
                .where(_EVENTS.c.office_id == bindparam("office_id"),
                       _EVENTS.c.id > bindparam("last_id"),
                       _EVENTS.c.kind.in_(FOLLOWED_KINDS))
                .order_by(_EVENTS.c.id).limit(bindparam("limit", type_=Integer)))


def events_after(office_id: int, last_id: int, limit: int = 100) -> list:
    """The followed events after last_id, oldest first, as rows (id, kind, data); their ids
    are in commit order (see FOLLOWED_KINDS), so reading on from last_id misses none."""
    return db.session.connection().execute(EVENTS_AFTER, {
        "office_id": office_id, "last_id": last_id, "limit": limit}).all()


def sse_message(name: str, data: str, event_id: int | None = None) -> str:
    lines = [f"id: {event_id}"] if event_id is not None else []
    lines.append(f"event: {name}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


Render = Callable[[list], list[tuple[str, str]]]


class BatchCache:
    """Streams that stand at the same event share one query and one render of what follows.

    Fifty boards woken by one call would otherwise each query the events and render the same
    panel, one after another under the GIL. "Nothing new" is shared too, for the broker
    version it was read at: a wake that brings nothing (another process's ticket, the
    watcher echoing this process's own commit) costs one query, not fifty.
    """

    SIZE = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._batches: OrderedDict[tuple, tuple[int, list[tuple[str, str]]]] = OrderedDict()
        self._nothing_since: OrderedDict[tuple, int] = OrderedDict()

    def next_batch(self, app: Flask, channel: str, office_id: int, last_id: int,
                   render: Render, woken_at: int | None = None) -> tuple[int, list]:
        """(id of the newest event read, messages); messages is empty when nothing is new.

        woken_at: the broker version that woke the caller; None (a periodic look) always
        queries.
        """
        # Event ids are per database: two apps in one process (tests) never share a batch.
        key = (app.config["SQLALCHEMY_DATABASE_URI"], channel, office_id, last_id)
        with self._lock:  # one stream computes, the others wait and then read its result
            if key in self._batches:
                return self._batches[key]
            # Every commit is notified after it is visible, so a query begun at version v
            # saw every event of a wake up to v.
            if woken_at is not None and self._nothing_since.get(key, -1) >= woken_at:
                return last_id, []
            version = broker.version
            with app.app_context():
                batch = events_after(office_id, last_id)
                if not batch:
                    _remember(self._nothing_since, key, version, self.SIZE)
                    return last_id, []
                result = (batch[-1].id, render(batch))
            _remember(self._batches, key, result, self.SIZE)
            return result


def _remember(cache: OrderedDict, key: tuple, value, size: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)


batches = BatchCache()


def stream(app: Flask, channel: str, office_id: int, last_id: int, render: Render,
           stream_seconds: float = STREAM_SECONDS) -> Iterator[str]:
    """Yield SSE messages for events after last_id; render turns a batch into (name, data)."""
    watcher.ensure(app.config["SQLALCHEMY_DATABASE_URI"])
    yield "retry: 2000\n\n"
    deadline = time.monotonic() + stream_seconds
    beat = time.monotonic() + HEARTBEAT_SECONDS
    seen = broker.version
    woken_at = None  # the first look always queries
    while time.monotonic() < deadline:
        newest, messages = batches.next_batch(app, channel, office_id, last_id, render,
                                              woken_at)
        if newest != last_id:
            last_id = newest
            for name, data in messages:
                yield sse_message(name, data, last_id)
            continue
        if time.monotonic() >= beat:
            yield ": keep-alive\n\n"
            beat = time.monotonic() + HEARTBEAT_SECONDS
        version = broker.wait(seen, POLL_SECONDS)
        woken_at = version if version != seen else None  # None: the periodic look
        seen = version
