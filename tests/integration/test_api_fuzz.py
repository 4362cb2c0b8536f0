"""Property-based fuzzing of the HTTP API from its own OpenAPI description (schemathesis):
whatever a client sends, the server answers without a 5xx or a stack trace and keeps serving.

Requests are made as a signed-in participant who is also the facilitator, so they get past
the sign-in checks into the routes' own validation. FUZZ_EXAMPLES sets the examples per
operation (`make reliability` runs more).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from pixelpatchwork.app import create_app
from tests.conftest import FACILITATOR_TOKEN
from tests.services import free_port
from tests.stack import SECRET, spawn

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One server process on SQLite with the offline generator; yields its URL and the
    headers of a participant who also holds the facilitator token."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    env = {
        "VAR_DIR": str(folder / "var"),
        "FACILITATOR_TOKEN": FACILITATOR_TOKEN,
        "SECRET_KEY": SECRET,
        "GENERATOR": "offline",
        "ENVIRONMENT": "development",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET", "OPENAI_API_KEY"):
        env[name] = ""
    log = folder / "server.log"
    migrated = subprocess.run(
        [sys.executable, "-m", "pixelpatchwork.cli", "db", "upgrade"], env={**os.environ, **env}, capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    proc = spawn(["-m", "pixelpatchwork.cli", "serve", "--port", str(port)], env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        joined = httpx.post(base + "/api/session", json={"room": "main", "nickname": "Fuzzer"})
        assert joined.status_code == 201, joined.text
        yield {
            "base": base,
            "cookie": f"ppw_session={joined.cookies['ppw_session']}",
            "log": str(log),
        }
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def check(response, label: str) -> list[str]:  # type: ignore[no-untyped-def]
    """What is wrong with an answer: a 5xx, a stack trace, or a refusal without a reason."""
    problems = []
    body = response.content  # bytes: some answers are images or zip files
    if response.status_code >= 500:
        problems.append(f"{label}: {response.status_code} {body[:200]!r}")
    if b"Traceback" in body:
        problems.append(f"{label}: a stack trace in the answer")
    content_type = " ".join(response.headers.get("content-type", []))  # schemathesis keeps header lists
    if response.status_code >= 400 and content_type.startswith("application/json"):
        error = json.loads(body).get("error", {})
        if not (error.get("code") and error.get("message")):
            problems.append(f"{label}: a refusal without a code and a message: {body[:200]!r}")
    return problems


def test_no_request_breaks_the_server(fuzz_server) -> None:  # type: ignore[no-untyped-def]
    """Every operation of the description, EXAMPLES generated requests each."""
    schema = schemathesis.openapi.from_url(fuzz_server["base"] + "/api/openapi.json")
    headers = {"Authorization": f"Bearer {FACILITATOR_TOKEN}", "Cookie": fuzz_server["cookie"]}
    problems: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
        def fuzz(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers=headers, timeout=20)
            problems.extend(check(response, f"{case.method} {case.formatted_path}"))

        fuzz()
    assert operations >= 30
    assert not problems, "\n".join(sorted(set(problems))[:30])


def test_the_description_covers_every_route(fuzz_server, make_settings) -> None:  # type: ignore[no-untyped-def]
    document = httpx.get(fuzz_server["base"] + "/api/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    described = {(path, method.upper()) for path, operations in document["paths"].items() for method in operations}
    routes = {
        (re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule), method)
        for rule in create_app(make_settings()).quart_app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert described == routes
    assert document["paths"]["/api/rooms/{slug}/votes"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/VoteRequest"
    }
    for path in ("/api/session", "/api/host/rooms/{slug}/phase", "/api/rooms/{slug}/submissions", "/healthz"):
        assert path in document["paths"]
    # The server is still healthy after the fuzzing of this module.
    assert httpx.get(fuzz_server["base"] + "/healthz").status_code == 200
