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

from sqlalchemy.exc import OperationalError

WRITER_WAIT_SECONDS = 10


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

    Free: taken at once. Held by another process: this process's waiter thread blocks on it
    (flock has no timeout) and hands it over the moment it is given back, while the writer
    waits at most WRITER_WAIT_SECONDS for that hand-over. (Polling in 0.5 ms sleeps found the
    lock free 0.3 ms late on average: with writes of 0.4 ms, the slot sat idle a third of
    the time, and the polls cost CPU besides.)
    """
    waiter = _waiter_for(descriptor)
    if not waiter.blocking():  # else it holds, or may any moment, this process's lock
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
    waiter.wait_for_lock(WRITER_WAIT_SECONDS)


class _LockWaiter:
    """A daemon thread that blocks on a lock file for this process's writer.

    Only the thread holding _slot asks, so there is one request at a time. A writer that gives
    up leaves the request withdrawn: when the lock comes, the waiter gives it straight back,
    unless a new writer has asked again meanwhile, who then gets it. While the waiter is on
    the lock, writers ask it rather than try the lock themselves: a flock never conflicts with
    its own open file, so a writer would take it beside the waiter, whose give-back would then
    unlock it mid-write.
    """

    def __init__(self, descriptor: int):
        self.descriptor = descriptor
        self.changed = threading.Condition()
        self.wanted = False
        self.granted = False
        self.on_lock = False  # blocked on the lock file, or holding it until it decides
        self.failed = False
        self.thread = threading.Thread(target=self._run, name="khiu-writer-lock", daemon=True)
        self.thread.start()

    def blocking(self) -> bool:
        with self.changed:
            return self.on_lock

    def wait_for_lock(self, seconds: float) -> None:
        with self.changed:
            self.granted = False
            self.wanted = True
            self.changed.notify_all()
            try:
                self.changed.wait_for(lambda: self.granted or self.failed, timeout=seconds)
            finally:
                self.wanted = False
            if self.granted:
                self.granted = False
                return
        raise DatabaseBusy()

    def _run(self) -> None:
        while True:
            with self.changed:
                self.changed.wait_for(lambda: self.wanted)
                self.on_lock = True
            try:
                fcntl.flock(self.descriptor, fcntl.LOCK_EX)
            except OSError:  # no lock to be had this way: writers are told "busy"
                with self.changed:
                    self.failed = True
                    self.on_lock = False
                    self.changed.notify_all()
                return
            with self.changed:
                if self.wanted:
                    self.wanted = False  # answered: not to be taken again for this writer
                    self.granted = True
                    self.changed.notify_all()
                else:  # its writer gave up waiting
                    fcntl.flock(self.descriptor, fcntl.LOCK_UN)
                self.on_lock = False


_waiters: dict[tuple[int, int], _LockWaiter] = {}


def _waiter_for(descriptor: int) -> _LockWaiter:
    key = (os.getpid(), descriptor)  # threads do not survive fork: one waiter per process
    waiter = _waiters.get(key)
    if waiter is None or waiter.failed:
        waiter = _waiters[key] = _LockWaiter(descriptor)
    return waiter


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
