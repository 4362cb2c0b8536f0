"""A production-like install for tests: environment for MariaDB, Redis, S3 and the fake
OpenAI server, and a helper to start server and worker processes in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pixelpatchwork.db.migrate import upgrade

from .conftest import FACILITATOR_TOKEN

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


