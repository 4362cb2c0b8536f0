"""Fixtures for fault injection: private Redis and MariaDB servers that a test may crash and
restart (never the machine's shared ones), a cuttable link to S3, server processes that can be
SIGKILLed and started again on the same port, and the figures each test records.

Slow tests carry ``SLOW`` (the ``faults`` marker) and run only with RELIABILITY=1, as
``make reliability`` does; the others run with every ``make test``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from tests.services import MariaDBServer, free_port, run_async, service_unavailable
from tests.stack import ROOT as SPAWN_CWD

from .link import TcpLink

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "reliability"

SLOW = [
    pytest.mark.faults,
    pytest.mark.skipif(
        os.environ.get("RELIABILITY") != "1",
        reason="slow fault-injection test: run `make reliability` (or set RELIABILITY=1)",
    ),
]


def _binary(*candidates: str) -> str | None:
    for name in candidates:
        found = shutil.which(name) or (name if os.path.isabs(name) and os.access(name, os.X_OK) else None)
        if found:
            return found
    return None


def _kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL, timeout: float = 15.0) -> None:
    """Send `sig` to the process's whole session (it was started in its own) and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


# --- private Redis ----------------------------------------------------------------------


@dataclass
class PrivateRedis:
    """A redis-server of this test alone (no persistence): crash it and start it again."""

    binary: str
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20.0) -> float:
        """Start on the usual port; returns the seconds until it answered PING."""
        import redis

        began = time.monotonic()
        self.starts += 1
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5, socket_timeout=1)
        try:
            while True:
                try:
                    if client.ping():
                        return time.monotonic() - began
                except redis.RedisError:
                    pass
                if self.process.poll() is not None or time.monotonic() - began > timeout:
                    raise RuntimeError(f"redis-server on port {self.port} did not start: {self.log_tail()}")
                time.sleep(0.05)
        finally:
            client.close()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None:
            _kill_group(self.process, sig)

    def log_tail(self) -> str:
        path = self.workdir / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A running private redis-server on a free port; killed at the end."""
    binary = _binary("redis-server", "/usr/bin/redis-server")
    if binary is None:
        service_unavailable("redis-server is not installed: the Redis fault tests start their own")
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = PrivateRedis(binary, workdir)
    try:
        server.start()
        yield server
    finally:
        server.kill()


# --- private MariaDB --------------------------------------------------------------------


@dataclass
class PrivateMariaDB:
    """A mariadbd of this test alone on its own data folder and port: crash it (SIGKILL) and
    start it again on the same data, as after a power cut. No grant tables: root, no password."""

    server_binary: str
    install_binary: str
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def server(self) -> MariaDBServer:
        return MariaDBServer(url=f"mysql+asyncmy://root@127.0.0.1:{self.port}", host="127.0.0.1", port=self.port,
                             user="root", password="")

    def install(self) -> None:
        user = ["--user=root"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [self.install_binary, "--no-defaults", f"--datadir={self.datadir}", *user,
             "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"],
            capture_output=True, text=True, timeout=120, check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"mariadb-install-db failed: {done.stdout[-1500:]} {done.stderr[-1500:]}")

    def start(self, timeout: float = 60.0) -> float:
        """Start (running crash recovery when it was killed); returns the seconds until it answered."""
        began = time.monotonic()
        user = ["--user=root"] if os.geteuid() == 0 else []
        self.process = subprocess.Popen(
            [self.server_binary, "--no-defaults", f"--datadir={self.datadir}", f"--port={self.port}",
             "--bind-address=127.0.0.1", f"--socket={self.root / 'mariadb.sock'}", f"--pid-file={self.root / 'mariadb.pid'}",
             *user, "--skip-grant-tables", "--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=32M",
             f"--log-error={self.root / 'error.log'}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        while True:
            try:
                run_async(self.server.execute("SELECT 1"))
                return time.monotonic() - began
            except Exception:  # noqa: BLE001, S110 - not up yet
                pass
            if self.process.poll() is not None or time.monotonic() - began > timeout:
                raise RuntimeError(f"mariadbd on port {self.port} did not start: {self.log_tail()}")
            time.sleep(0.05)

    def kill(self) -> None:
        """A crash: SIGKILL, no shutdown."""
        if self.process is not None:
            _kill_group(self.process, signal.SIGKILL)

    def create_database(self, name: str) -> str:
        run_async(self.server.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        return self.server.database_url(name)

    def log_tail(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


@pytest.fixture
def private_mariadb(tmp_path: Path) -> Iterator[PrivateMariaDB]:
    """A running private MariaDB server with a fresh data folder; killed and removed at the end."""
    server_binary = _binary("mariadbd", "/usr/sbin/mariadbd", "/usr/sbin/mysqld")
    install_binary = _binary("mariadb-install-db", "mysql_install_db")
    if server_binary is None or install_binary is None:
        service_unavailable("mariadbd / mariadb-install-db are not installed: the MariaDB fault test starts its own")
    root = tmp_path / "mariadb"
    root.mkdir()
    server = PrivateMariaDB(server_binary, install_binary, root)
    try:
        server.install()
        server.start()
        yield server
    finally:
        server.kill()
        shutil.rmtree(server.datadir, ignore_errors=True)


# --- S3 behind a cuttable link ----------------------------------------------------------


@pytest.fixture
def s3_link(s3) -> Iterator[TcpLink]:  # type: ignore[no-untyped-def]
    """A link in front of the session's moto S3 server: point the app at it and cut it."""
    target = urlparse(s3.endpoint_url)
    link = TcpLink(target.hostname or "127.0.0.1", target.port or 80)
    link.start()
    try:
        yield link
    finally:
        link.close()


# --- server and worker processes --------------------------------------------------------


class AppProcess:
    """A server (hypercorn) or worker process of the stack that can be killed and started
    again with the same settings and, for a server, the same port."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path, port: int | None = None) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log = log
        self.port = port
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @classmethod
    def server(cls, name: str, env: dict[str, str], log_dir: Path, port: int | None = None) -> AppProcess:
        port = port or free_port()
        args = ["-m", "hypercorn", "pixelpatchwork.asgi:app", "--bind", f"127.0.0.1:{port}"]
        return cls(name, args, env, log_dir / f"{name}.log", port)

    @classmethod
    def worker(cls, name: str, env: dict[str, str], log_dir: Path) -> AppProcess:
        return cls(name, ["-m", "pixelpatchwork.cli", "worker"], env, log_dir / f"{name}.log")

    @property
    def base(self) -> str:
        assert self.port is not None
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        self.starts += 1
        log = self.log.open("ab")
        log.write(f"\n===== start {self.starts} =====\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            [sys.executable, *self.args], cwd=SPAWN_CWD, env={**os.environ, **self.env},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None:
            _kill_group(self.process, sig)

    async def wait_ready(self, timeout: float = 60.0) -> float:
        """Wait until the server answers GET /healthz (any status); returns the seconds waited."""
        import asyncio

        began = time.monotonic()
        async with httpx.AsyncClient(timeout=5) as http:
            while True:
                try:
                    await http.get(self.base + "/healthz")
                    return time.monotonic() - began
                except httpx.TransportError:
                    pass
                if not self.alive:
                    raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
                if time.monotonic() - began > timeout:
                    raise TimeoutError(f"{self.name} did not answer within {timeout} s: {self.log_tail()}")
                await asyncio.sleep(0.1)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


@pytest.fixture
def processes(request: pytest.FixtureRequest) -> Iterator[list[AppProcess]]:
    """The test's server and worker processes: stopped at the end, logs shown when it failed."""
    started: list[AppProcess] = []
    yield started
    for process in started:
        if process.alive:
            assert process.process is not None
            try:
                os.killpg(process.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for process in started:
        if process.process is not None:
            try:
                process.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _kill_group(process.process, signal.SIGKILL)
    report = getattr(request.node, "rep_call", None)
    if report is None or report.failed:
        for process in started:
            print(f"--- {process.name} ({process.log.name}) ---\n{process.log_tail()}")


# --- figures ----------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


class Figures(dict):
    """What a fault test measured, written to test-artifacts/reliability/<test>.json."""

    def note(self, **values: Any) -> None:
        self.update(values)


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Iterator[Figures]:
    """Collect the test's figures; written with its outcome once it has run."""
    found = Figures()
    began = time.monotonic()
    yield found
    report = getattr(request.node, "rep_call", None)
    if report is None or report.skipped:
        return
    name = request.node.name
    record = {
        "test": f"{request.node.nodeid}",
        "name": name,
        "outcome": "passed" if report.passed else "failed",
        "ran_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "duration_s": round(time.monotonic() - began, 1),
        **found,
    }
    if report.failed:
        record["failure"] = str(report.longrepr)[-1500:]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
