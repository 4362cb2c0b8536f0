"""Pytest fixtures for the real services the tests use: MariaDB, Redis and S3 (moto).

Load with ``pytest_plugins = ["tests.services"]`` in the root conftest. A service that
cannot be reached skips its tests locally and fails them in CI (CI=true or CI=1), since
.ci/run is expected to have started it there.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import asdict, dataclass
from typing import Any, NoReturn, TypeVar

import pytest

__all__ = [
    "MariaDBServer",
    "S3Bucket",
    "free_port",
    "in_ci",
    "mariadb_url",
    "redis_url",
    "s3",
    "unique_channel",
    "wait_for_port",
]

DEFAULT_MARIADB_URL = "mysql+asyncmy://root@127.0.0.1:3306"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
S3_REGION = "us-east-1"
S3_KEY = "testing"

T = TypeVar("T")


def in_ci() -> bool:
    """Whether the CI environment variable says we run in CI."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def service_unavailable(message: str) -> NoReturn:
    """Fail in CI (a missing service is a broken setup there), skip elsewhere."""
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (bind to 0 and let the kernel choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 10.0) -> None:
    """Block until host:port accepts TCP connections; TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last_error: OSError | None = None
    while True:
        try:
            with socket.create_connection((host, port), timeout=min(1.0, max(0.05, deadline - time.monotonic()))):
                return
        except OSError as exc:
            last_error = exc
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{host}:{port} did not accept connections within {timeout} s: {last_error}")
        time.sleep(0.05)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even when a loop is already running here.

    A separate thread keeps this safe inside pytest-asyncio tests and fixtures, where
    asyncio.run() would refuse to start.
    """
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            error.append(exc)

    thread = threading.Thread(target=target, name="tests-run-async")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


# --- MariaDB ---------------------------------------------------------------------


@dataclass(frozen=True)
class MariaDBServer:
    """Where the test MariaDB server is, parsed from TEST_MARIADB_URL."""

    url: str  # the server URL, no database
    host: str
    port: int
    user: str
    password: str

    def database_url(self, database: str) -> str:
        """The SQLAlchemy URL for one database on this server, utf8mb4."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url).set(database=database, query={"charset": "utf8mb4"})
        return url.render_as_string(hide_password=False)

    async def execute(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one statement on a fresh connection (no database selected)."""
        import asyncmy

        conn = await asyncmy.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, connect_timeout=3, autocommit=True
        )
        try:
            async with conn.cursor() as cur:
                await cur.execute(sql)
                return list(await cur.fetchall() or [])
        finally:
            conn.close()
            await conn.ensure_closed()


@pytest.fixture(scope="session")
def mariadb_server() -> MariaDBServer:
    """Check once per session that MariaDB answers; skip/fail otherwise."""
    from sqlalchemy.engine import make_url

    raw = os.environ.get("TEST_MARIADB_URL", DEFAULT_MARIADB_URL)
    parsed = make_url(raw)
    server = MariaDBServer(
        url=raw,
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        password=parsed.password or "",
    )
    try:
        run_async(server.execute("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable"
        service_unavailable(
            f"MariaDB is not reachable at {server.host}:{server.port} as {server.user!r} "
            f"({type(exc).__name__}: {exc}): .ci/run starts it"
        )
    return server


@pytest.fixture
def mariadb_url(mariadb_server: MariaDBServer) -> Iterator[str]:
    """A throwaway utf8mb4 database; yields its SQLAlchemy URL and drops it afterwards."""
    database = f"ppw_test_{secrets.token_hex(6)}"
    run_async(mariadb_server.execute(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    try:
        yield mariadb_server.database_url(database)
    finally:
        run_async(mariadb_server.execute(f"DROP DATABASE IF EXISTS `{database}`"))


# --- Redis -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server_url() -> str:
    """Check once per session that Redis answers PING; skip/fail otherwise."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        if not client.ping():
            raise RuntimeError("PING did not answer PONG")
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable"
        service_unavailable(f"Redis is not reachable at {url} ({type(exc).__name__}: {exc}): .ci/run starts it")
    finally:
        client.close()
    return url


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """The Redis URL (checked to answer PING)."""
    return redis_server_url


@pytest.fixture
def unique_channel() -> str:
    """A fresh name for a Socket.IO Redis channel, so tests sharing one Redis do not hear each other."""
    return f"ppw-test-{uuid.uuid4().hex}"


# --- S3 (moto) -------------------------------------------------------------------


@dataclass(frozen=True)
class S3Bucket:
    """An S3 endpoint with one empty bucket and the credentials to use it."""

    endpoint_url: str
    bucket: str
    region: str = S3_REGION
    access_key: str = S3_KEY
    secret_key: str = S3_KEY

    def as_dict(self) -> dict[str, str]:
        """The fields as a plain dict."""
        return asdict(self)

    def client(self) -> Any:
        """A boto3 S3 client for this endpoint (sync; for assertions in tests)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto S3 server for the whole session on a free loopback port; yields its URL."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        service_unavailable(f"moto[server] is not installed ({exc}): install the test requirements")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(moto_endpoint: str) -> Iterator[S3Bucket]:
    """A fresh, empty bucket on the session's moto server; emptied and deleted afterwards."""
    info = S3Bucket(endpoint_url=moto_endpoint, bucket=f"ppw-test-{secrets.token_hex(6)}")
    client = info.client()
    # us-east-1 is the one region that rejects an explicit LocationConstraint.
    client.create_bucket(Bucket=info.bucket)
    try:
        yield info
    finally:
        paginator = client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=info.bucket):
            objects = [
                {"Key": o["Key"], "VersionId": o["VersionId"]}
                for o in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            if objects:
                client.delete_objects(Bucket=info.bucket, Delete={"Objects": objects})
        client.delete_bucket(Bucket=info.bucket)
        client.close()
