"""A production-like install for tests: environment for MariaDB, Redis, S3 and the fake
OpenAI server, and a helper to start server and worker processes in it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pixelpatchwork.db.migrate import upgrade

from .conftest import FACILITATOR_TOKEN
from .services import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "integration-secret-key-that-is-long-enough-0123456789"


@pytest.fixture
def stack_env(mariadb_url, redis_url, unique_channel, s3, fake_openai, tmp_path, monkeypatch) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Environment for processes of one production-like install."""
    upgrade(mariadb_url)
    env = {
        "DATABASE_URL": mariadb_url,
        "REDIS_URL": redis_url,
        "REDIS_CHANNEL": unique_channel,
        "S3_BUCKET": s3.bucket,
        "S3_ENDPOINT_URL": s3.endpoint_url,
        "S3_REGION": s3.region,
        "AWS_ACCESS_KEY_ID": s3.access_key,
        "AWS_SECRET_ACCESS_KEY": s3.secret_key,
        "OPENAI_API_KEY": "sk-test-key",
        "OPENAI_BASE_URL": fake_openai.base_url,
        "FACILITATOR_TOKEN": FACILITATOR_TOKEN,
        "SECRET_KEY": SECRET,
        "VAR_DIR": str(tmp_path / "var"),
        "TALLY_WINDOW_MS": "100",
        "JOB_POLL_S": "0.1",
        "SEALED_VOTING": "off",
    }
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, env[name])
    return env


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    full_env = {**os.environ, **env}
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=full_env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )


@pytest.fixture
def two_servers_and_a_worker(stack_env, tmp_path) -> Iterator[tuple[str, str, subprocess.Popen]]:  # type: ignore[no-untyped-def]
    """Two hypercorn processes (no in-process worker) and one `pixelpatchwork worker`."""
    env = {**stack_env, "WORKER_IN_PROCESS": "false"}
    ports = [free_port(), free_port()]
    processes = [
        spawn(["-m", "hypercorn", "pixelpatchwork.asgi:app", "--bind", f"127.0.0.1:{port}"], env, tmp_path / f"web-{port}.log")
        for port in ports
    ]
    worker = spawn(["-m", "pixelpatchwork.cli", "worker"], env, tmp_path / "worker.log")
    processes.append(worker)
    try:
        for port in ports:
            wait_for_port("127.0.0.1", port, timeout=30)
        yield f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}", worker
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for log in tmp_path.glob("*.log"):
            text = log.read_text(errors="replace")
            if "Traceback" in text:
                print(f"--- {log.name} ---\n{text[-4000:]}")
