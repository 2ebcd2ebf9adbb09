"""cli/balance.py: `flask serve --workers N` gives each new connection to the least busy worker.

Kiosks and counters keep their connections open, so where a connection lands decides which
worker process serves it all day. Real worker processes, real sockets; the connections each
worker holds are read from /proc.
"""

from __future__ import annotations

import http.client
import os
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cli.balance import WorkerLoads
from scripts.khiu_process import demo_environment, prepare, server_process

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")


def workers_of(pid: int) -> list[int]:
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]


def established_on(port: int) -> set[str]:
    """Socket inodes of established connections whose local end is `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    return inodes


def connections_per_worker(pid: int, port: int) -> dict[int, int]:
    ours = established_on(port)
    held = {}
    for worker in workers_of(pid):
        sockets = set()
        for fd in Path(f"/proc/{worker}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except FileNotFoundError:
                continue
            if target.startswith("socket:["):
                sockets.add(target[8:-1])
        held[worker] = len(sockets & ours)
    return held


def open_connections(base: str, count: int) -> list[http.client.HTTPConnection]:
    """`count` keep-alive connections opened at once (a burst), then one request on each."""
    parts = urlsplit(base)
    connections = [http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                   for _ in range(count)]
    for connection in connections:
        connection.connect()
    for connection in connections:
        connection.request("GET", "/api/v1/counters")
        response = connection.getresponse()
        response.read()
        assert response.status == 200
    return connections


def settled(pid: int, port: int, expected: list[int]) -> dict[int, int]:
    """The per-worker counts once closed connections have left the workers (or after 5 s)."""
    deadline = time.monotonic() + 5
    while True:
        held = connections_per_worker(pid, port)
        if sorted(held.values()) == expected or time.monotonic() > deadline:
            time.sleep(0.1)  # a worker publishes its count at the loop turn after the close
            return held
        time.sleep(0.05)


def close_all(connections: list[http.client.HTTPConnection], pid: int, port: int) -> None:
    """Close them and wait until every worker holds none."""
    for connection in connections:
        connection.close()
    settled(pid, port, [0, 0, 0, 0])


def serving(worker: int, threads: int = 8) -> bool:
    """Whether a worker has started its threads and its loop sleeps in poll (so its first turn,
    which publishes its count, is done)."""
    try:
        started = len(list(Path(f"/proc/{worker}/task").iterdir())) >= threads + 1
        state = Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return started and state == "S"


@pytest.fixture(scope="module")
def four_workers(tmp_path_factory):
    env = demo_environment(str(tmp_path_factory.mktemp("balance")))
    prepare(env)
    with server_process(env, threads=8, workers=4) as (process, base):
        yield process, base


def test_a_burst_of_connections_is_spread_evenly_over_the_workers(four_workers):
    process, base = four_workers
    port = urlsplit(base).port
    for _ in range(3):  # the kernel's own spread varied from try to try (4-3-1-0, 3-3-1-1)
        counters = open_connections(base, 8)
        assert sorted(connections_per_worker(process.pid, port).values()) == [2, 2, 2, 2]
        close_all(counters, process.pid, port)


def test_connections_go_to_the_workers_that_hold_fewest(four_workers):
    process, base = four_workers
    port = urlsplit(base).port
    first = open_connections(base, 4)  # one each
    assert sorted(connections_per_worker(process.pid, port).values()) == [1, 1, 1, 1]
    first[0].close()
    first[1].close()
    settled(process.pid, port, [0, 0, 1, 1])
    second = open_connections(base, 2)  # to the two workers left with none
    assert sorted(connections_per_worker(process.pid, port).values()) == [1, 1, 1, 1]
    close_all(first[2:] + second, process.pid, port)


def test_a_worker_started_in_place_of_a_dead_one_takes_new_connections(four_workers):
    process, base = four_workers
    port = urlsplit(base).port
    counters = open_connections(base, 8)
    before = workers_of(process.pid)
    os.kill(before[0], signal.SIGKILL)  # its two connections die with it
    deadline = time.monotonic() + 10
    while set(workers_of(process.pid)) & set(before) != set(before[1:]) \
            or len(workers_of(process.pid)) < 4:
        assert time.monotonic() < deadline, "the supervisor started no new worker"
        time.sleep(0.05)
    [replacement] = set(workers_of(process.pid)) - set(before)
    while not serving(replacement):
        assert time.monotonic() < deadline, "the new worker did not start serving"
        time.sleep(0.05)
    counters += open_connections(base, 2)
    held = connections_per_worker(process.pid, port)
    assert held[replacement] == 2 and sorted(held.values()) == [2, 2, 2, 2], held
    close_all(counters, process.pid, port)


def test_a_stopped_worker_holding_the_fewest_keeps_no_connection_waiting(four_workers):
    process, base = four_workers
    port = urlsplit(base).port
    settled(process.pid, port, [0, 0, 0, 0])
    stuck = workers_of(process.pid)[0]
    os.kill(stuck, signal.SIGSTOP)  # it holds none: every other worker waits for it to take one
    try:
        started = time.monotonic()
        counters = open_connections(base, 6)  # accepted once its stamp is STALE_SECONDS old
        assert time.monotonic() - started < 10
        held = connections_per_worker(process.pid, port)
        assert held[stuck] == 0 and sorted(held.values()) == [0, 2, 2, 2], held
    finally:
        os.kill(stuck, signal.SIGCONT)
    close_all(counters, process.pid, port)


def test_only_live_workers_count_and_a_count_change_wakes_the_others():
    loads = WorkerLoads(3)
    for pipe in range(3):
        os.set_blocking(loads.wake_pipe(pipe), False)  # a missing wake fails, never hangs
    loads.publish(0, 5)
    loads.publish(1, 3)
    loads.publish(2, 3)
    assert [loads.least_busy(i, count) for i, count in enumerate((5, 3, 3))] == [
        False, True, True]
    loads.bury(1)
    loads.bury(2)
    assert loads.least_busy(0, 5)  # the others are gone
    # Each burial woke the other workers' loops (slot 1 was woken by the burial of 2).
    assert [os.read(loads.wake_pipe(i), 10) for i in range(3)] == [b"xx", b"x", b"x"]
    loads.publish(1, 3)
    assert not loads.least_busy(0, 5)
    loads.wake_others(1)
    assert os.read(loads.wake_pipe(0), 10) == b"x"
    assert os.read(loads.wake_pipe(2), 10) == b"x"
    with pytest.raises(BlockingIOError):  # not itself
        os.read(loads.wake_pipe(1), 10)
    for _ in range(100_000):  # a full pipe means a wake is already waiting: no error, no block
        loads.wake_others(1)
