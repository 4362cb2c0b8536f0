"""Headless Chromium (Debian's package) driven by Playwright, against a live server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pixelpatchwork.app import create_app
from tests.live import live_server
from tests.services import service_unavailable

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
async def browser() -> AsyncIterator:
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        service_unavailable(f"Chromium is not installed at {CHROMIUM}: .ci/run installs Debian's chromium package")
    if not (ROOT / "client" / "dist" / "app.js").exists():
        service_unavailable("the client is not built: run `make test` (it builds client/dist first)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def site(make_settings) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    async with live_server(create_app(make_settings())) as base:
        yield base


@pytest.fixture
def artifacts(request) -> Path:  # type: ignore[no-untyped-def]
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
