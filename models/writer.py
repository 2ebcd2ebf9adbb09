"""SQLite's single write slot, shared by the threads of a process and the worker processes.

Writers queue here, in order, instead of in SQLite's busy handler, which sleeps in growing
steps and makes a busy morning slow at the tail: the threads of a process on a lock, then
the processes (several workers) on a lock file beside the database. BEGIN IMMEDIATE follows.

(Tried: a thread keeping the lock file for the next writer of its own process. The slot then
stays with one process while the other's threads all wait on it: fewer tickets, not more.)
"""

from __future__ import annotations

import fcntl
import os
import threading
import time

from sqlalchemy.exc import OperationalError

WRITER_WAIT_SECONDS = 10
POLL_SECONDS = 0.0005


class DatabaseBusy(OperationalError):
    """No write slot within WRITER_WAIT_SECONDS: answered as "busy, retry" (503)."""

    def __init__(self) -> None:
        super().__init__("BEGIN IMMEDIATE", {}, Exception("database is busy"))


_slot = threading.Lock()  # the threads of this process, one writer at a time
_lock_files: dict[tuple[int, str], int] = {}


def take_writer_slot(database: str | None) -> int | None:
    """Take the slot for a database file; returns what give_back_writer_slot takes.

    Not re-entrant: a thread that holds it (a session after begin_write) must not ask again
    (a write transaction()), or it waits WRITER_WAIT_SECONDS for itself and is told "busy".
    """
    if not _slot.acquire(timeout=WRITER_WAIT_SECONDS):
        raise DatabaseBusy()
    try:
        descriptor = _lock_file(database)
        if descriptor is not None:
            _lock_across_processes(descriptor)
        return descriptor
    except BaseException:
        _slot.release()
        raise


def give_back_writer_slot(descriptor: int | None) -> None:
    if descriptor is not None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
    _slot.release()


def _lock_across_processes(descriptor: int) -> None:
    """Take the lock file, or raise DatabaseBusy after WRITER_WAIT_SECONDS.

    flock has no timeout; one thread per process waits here (the others wait on the thread
    lock), so polling in short steps costs nothing while a write is well under a millisecond.
    """
    deadline = time.monotonic() + WRITER_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise DatabaseBusy() from None
            time.sleep(POLL_SECONDS)


def _lock_file(database: str | None) -> int | None:
    """This process's descriptor of the database's writer lock file (None for :memory:).

    Opened per process id: a descriptor inherited through fork would share its lock with the
    parent and the other workers, and exclude nobody.
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    key = (os.getpid(), database)
    if key not in _lock_files:
        _lock_files[key] = os.open(f"{database}-khiu.lock", os.O_RDWR | os.O_CREAT, 0o600)
    return _lock_files[key]
