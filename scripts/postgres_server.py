"""A throwaway PostgreSQL cluster in a temporary folder, for tests, benchmarks and manual runs.

    with throwaway_postgres() as url:   # postgresql+psycopg://khiu@127.0.0.1:PORT/khiu
        ...

Uses the server binaries of the Debian package `postgresql` (/usr/lib/postgresql/N/bin, the
newest N first) or of the folder named by the environment variable PG_BIN. The cluster is
brand new: initdb into a temporary folder, trust authentication on 127.0.0.1 only, a free port,
its Unix socket inside that folder, durability turned off for speed (fsync, synchronous_commit,
full_page_writes). It is stopped (immediate mode) and deleted on exit.

initdb and postgres refuse to run as root, so as root the server runs as an unprivileged user
(PG_USER, else `postgres`, which the Debian package creates, else `nobody`) through runuser.

From the command line, `python -m scripts.postgres_server` starts one, prints its URL and
keeps it until Ctrl-C (or SIGTERM).
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
DATABASE = "khiu"
SUPERUSER = "khiu"
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
    "logging_collector": "off",
}
START_ATTEMPTS = 3  # a free port can be taken by someone else between probing and listening


def _has_server_binaries(folder: Path) -> bool:
    return all(os.access(folder / name, os.X_OK) for name in SERVER_BINARIES)


def _version_key(folder: str) -> tuple[int, ...]:
    version = Path(folder).parent.name  # /usr/lib/postgresql/15/bin -> "15"
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def find_bin_dir() -> Path | None:
    """Folder holding initdb, pg_ctl and postgres: $PG_BIN, else the newest Debian version,
    else wherever pg_ctl on PATH really lives (following symlinks)."""
    override = os.environ.get("PG_BIN")
    if override:
        folder = Path(override)
        return folder if _has_server_binaries(folder) else None
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key,
                            reverse=True):
        if _has_server_binaries(Path(candidate)):
            return Path(candidate)
    on_path = shutil.which("pg_ctl")
    if on_path:
        folder = Path(os.path.realpath(on_path)).parent
        if _has_server_binaries(folder):
            return folder
    return None


def postgres_available() -> bool:
    """True when the PostgreSQL server binaries (initdb, pg_ctl, postgres) are installed."""
    return find_bin_dir() is not None


def _server_user() -> str | None:
    """The unprivileged account that runs the server when we are root; None when we are not."""
    if os.geteuid() != 0:
        return None
    for name in filter(None, (os.environ.get("PG_USER"), "postgres", "nobody")):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run "
                       "PostgreSQL as; set PG_USER")


def _temp_parent(user: str | None) -> str:
    """Where the cluster's folder goes: the usual temp folder, unless the server's user could not
    reach it (as root with TMPDIR under /root, say) or a socket path there would be too long."""
    parent = Path(tempfile.gettempdir()).resolve()
    too_long = len(str(parent)) > 60  # + /khiu-pg-XXXXXXXX/sockets/.s.PGSQL.NNNNN < 107 bytes
    hidden = user is not None and any(
        not folder.stat().st_mode & 0o001 for folder in (parent, *parent.parents))
    return "/tmp" if too_long or hidden else str(parent)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Cluster:
    """One initdb'ed data folder inside `root`, and the commands that drive it."""

    def __init__(self, bin_dir: Path, root: Path, user: str | None) -> None:
        self.bin_dir = bin_dir
        self.root = root
        self.user = user
        self.data = root / "data"
        self.sockets = root / "sockets"
        self.log = root / "server.log"
        self.port = 0
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith("PG")}  # PGDATA, PGPORT... of the caller: not ours
        self.env.update(LC_ALL="C", LANG="C", TZ="UTC")

    def run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        # Output goes to a file, not a pipe: the postmaster that `pg_ctl start` leaves behind must
        # not hold our end open.
        output = self.root / "command.out"
        with open(output, "w+b") as sink:
            result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=sink,
                                    stderr=subprocess.STDOUT, cwd=self.root, env=self.env,
                                    timeout=timeout, check=False)
            sink.seek(0)
            text = sink.read().decode(errors="replace")
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{text}"
                               + (f"\nserver log:\n{log}" if log else ""))

    def init(self) -> None:
        if self.user:
            # tempfile makes the folder 0700 for us; hand it to the server's user.
            shutil.chown(self.root, self.user, self.user)
        self.sockets.mkdir()
        if self.user:
            shutil.chown(self.sockets, self.user, self.user)
        self.run("initdb", "--pgdata", str(self.data), "--username", SUPERUSER,
                 "--auth", "trust", "--encoding", "UTF8", "--locale", "C", "--no-sync")

    def configure(self, port: int) -> None:
        self.port = port
        settings = {**SETTINGS, "port": str(port),
                    "unix_socket_directories": f"'{self.sockets}'"}
        lines = "".join(f"{key} = {value}\n" for key, value in settings.items())
        # postgresql.auto.conf is read last, so these win; rewriting it in place (again on a
        # retry with another port) keeps initdb's owner on the file.
        auto_conf = self.data / "postgresql.auto.conf"
        with open(auto_conf, "w") as conf:
            conf.write("# written by scripts/postgres_server.py\n" + lines)

    def start(self) -> None:
        self.run("pg_ctl", "--pgdata", str(self.data), "--log", str(self.log),
                 "--wait", "--timeout", "60", "start")

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return  # already gone (killed, or shut down by a signal)
        self.run("pg_ctl", "--pgdata", str(self.data), "--mode", "immediate",
                 "--wait", "--timeout", "60", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        import psycopg  # only needed once there is a server to talk to

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             dbname="postgres", autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a brand-new PostgreSQL cluster; yields the SQLAlchemy URL of its empty database
    `khiu` (postgresql+psycopg://khiu@127.0.0.1:PORT/khiu). Stopped and deleted on exit."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql, "
                           "or set PG_BIN to the folder holding initdb, pg_ctl and postgres)")
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="khiu-pg-", dir=_temp_parent(user)))
    cluster = _Cluster(bin_dir, root, user)
    started = False
    try:
        cluster.init()
        for attempt in range(START_ATTEMPTS):
            cluster.configure(_free_port())
            try:
                cluster.start()
            except RuntimeError:
                if attempt == START_ATTEMPTS - 1:
                    raise
                continue
            started = True
            break
        cluster.create_database(DATABASE)
        yield cluster.url(DATABASE)
    finally:
        try:
            if started:
                cluster.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    def _stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        with throwaway_postgres() as url:
            print(url, flush=True)
            print("PostgreSQL is running; Ctrl-C stops it and deletes its data.",
                  file=sys.stderr, flush=True)
            while True:
                signal.pause()
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
