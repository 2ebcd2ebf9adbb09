"""Spread connections over the worker processes by how many each already holds.

Kiosks, counter consoles and boards keep their connections open (keep-alive, event streams),
so a connection stays with the worker that accepted it. With SO_REUSEPORT the kernel picks
that worker by a hash of the addresses: eight counters landed as 4-3-1-0 over four workers,
and since a worker runs one request at a time (cli/admission.py), the worker with four set
the pace for everyone while another sat idle.

So the workers share one listening socket, and a worker listens for new connections only
while it holds no more open connections than the least busy worker ("least connections",
as load balancers do). Each worker publishes its count in a small block of memory the
supervisor maps before forking them (WorkerLoads); a worker writes only its own slot.

A worker decides whether to listen at each turn of its event loop. When its count changes it
wakes the others through a pipe each (made by the supervisor too), so every worker decides
again after every change, and once they have all looked, the least busy ones listen. (A
worker that also listened "when nobody else seems to" took whole bursts of connections on
stale views: eight counters landed 5-1-1-1.)

Only live workers count: each stamps its slot at the first turn of its loop after
STAMP_SECONDS (and a loop turns at least once a second), and a slot not stamped for
STALE_SECONDS is left out, as is the slot of a worker the
supervisor has buried. So a stopped or stuck worker holding the fewest connections keeps new
ones waiting for a few seconds at most, not for ever.
"""

from __future__ import annotations

import logging
import mmap
import os
import socket
import struct
import time

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.server import TcpWSGIServer

SLOT = struct.Struct("qd")  # a worker's open connections (-1: none, it died), when stamped
STALE_SECONDS = 3.0
STAMP_SECONDS = 0.25  # how often a worker stamps its slot and decides again, at the most


class WorkerLoads:
    """Open connections per worker, in memory shared with the forked workers."""

    def __init__(self, workers: int):
        self.workers = workers
        self._memory = mmap.mmap(-1, SLOT.size * workers)  # anonymous and shared across fork
        self._wakes = [os.pipe() for _ in range(workers)]  # (read, write) per worker
        for _, write in self._wakes:
            os.set_blocking(write, False)

    def publish(self, index: int, connections: int) -> None:
        """This worker's count, stamped now (clock shared by all processes: monotonic)."""
        SLOT.pack_into(self._memory, index * SLOT.size, connections, time.monotonic())

    def bury(self, index: int) -> None:
        """The supervisor saw the worker die: its slot counts no more until a new one stamps it."""
        SLOT.pack_into(self._memory, index * SLOT.size, -1, 0.0)
        self.wake_others(index)

    def live_counts(self) -> dict[int, int]:
        """Open connections of each worker alive and turning its loop lately, by index."""
        now = time.monotonic()
        slots = (SLOT.unpack_from(self._memory, i * SLOT.size) for i in range(self.workers))
        return {i: count for i, (count, stamped) in enumerate(slots)
                if count >= 0 and now - stamped < STALE_SECONDS}

    def least_busy(self, index: int, connections: int) -> bool:
        """Whether no other live worker holds fewer connections than this one."""
        others = [count for i, count in self.live_counts().items() if i != index]
        return connections <= min(others, default=connections)

    def wake_others(self, index: int) -> None:
        for i, (_, write) in enumerate(self._wakes):
            if i != index:
                try:
                    os.write(write, b"x")
                except BlockingIOError:  # its pipe is full: a wake is already waiting
                    pass

    def wake_pipe(self, index: int) -> int:
        return self._wakes[index][0]


class WakeReader(wasyncore.file_dispatcher):
    """Another worker's count changed: reading the wake makes this loop turn (and decide)."""

    def __init__(self, fd: int, map: dict, server: BalancedServer):
        super().__init__(fd, map=map)
        self.server = server

    def writable(self) -> bool:
        return False

    def handle_read(self) -> None:
        try:
            self.recv(4096)
        except BlockingIOError:
            pass
        self.server.decided = None


class BalancedServer(TcpWSGIServer):
    """waitress's server on a shared listening socket, accepting by WorkerLoads."""

    def __init__(self, application, sock: socket.socket, adj: Adjustments,
                 loads: WorkerLoads, index: int):
        self.loads = loads
        self.index = index
        self.published = -1
        self.stamp_due = 0.0
        self.decided: bool | None = None  # whether to listen, until something changes
        super().__init__(application, map={}, _sock=sock, adj=adj, bind_socket=False,
                         sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()))
        WakeReader(loads.wake_pipe(index), self._map, self)

    def readable(self) -> bool:
        # Asked at every turn of the loop, several times a request: the decision is kept
        # until this worker's count changes, another's does (a wake), or a stamp is due
        # (a worker may have stopped stamping meanwhile).
        # The map holds this listener, waitress's trigger and the wake reader besides the
        # connections: the same three in every worker, so counts compare as they are.
        connections = len(self._map)
        now = time.monotonic()
        if connections != self.published or now >= self.stamp_due:
            self.loads.publish(self.index, connections)  # the count, and a sign of life
            self.stamp_due = now + STAMP_SECONDS
            self.decided = None
            if connections != self.published:
                self.published = connections
                self.loads.wake_others(self.index)
        if self.decided is None:
            self.decided = self.loads.least_busy(self.index, connections)
        # waitress's own rule first: not accepting, or at its connection limit
        return super().readable() and self.decided


def serve_balanced(app, sock: socket.socket, threads: int, loads: WorkerLoads,
                   index: int) -> None:
    """Run one worker on the shared socket until it is stopped. (Its first turn publishes its
    count and wakes the others.)"""
    logging.basicConfig()  # as waitress.serve does
    BalancedServer(app, sock, Adjustments(sockets=[sock], threads=threads, ident="khiu"),
                   loads, index).run()
