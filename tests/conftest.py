"""Shared fixtures: settings for a throwaway install, the app, and clients."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from PIL import Image

from pixelpatchwork.app import create_app
from pixelpatchwork.db.migrate import upgrade
from pixelpatchwork.settings import Settings

from tests import event_loops

pytest_plugins = ["tests.services", "tests.fakes.openai_server", "tests.stack"]

event_loops.install()

FACILITATOR_TOKEN = "test-facilitator-token"


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a fresh install under tmp_path; keyword arguments override fields."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "var_dir": tmp_path / "var",
            "facilitator_token": FACILITATOR_TOKEN,
            "tally_window_ms": 50,
            "job_poll_s": 0.05,
            "clock_tick_s": 0.2,
            # Most tests watch tallies move; sealed voting has tests of its own.
            "sealed_voting": "off",
        }
        values.update(overrides)
        settings = Settings(_env_file=None, **values)  # type: ignore[arg-type]
        upgrade(settings.database_url)
        return settings

    return make


@pytest.fixture
async def app(make_settings: Callable[..., Settings]) -> AsyncIterator:
    """The ASGI app on SQLite and the local media folder, started (lifespan run)."""
    asgi = create_app(make_settings())
    async with asgi.quart_app.test_app():
        yield asgi


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.quart_app.test_client()


def mask_data_url(width: int, height: int, box: tuple[int, int, int, int] | None = None, mode: str = "RGBA") -> str:
    """A mask PNG data URL of the given size with `box` painted (opaque white on transparent)."""
    image = Image.new(mode, (width, height), (0, 0, 0, 0) if mode == "RGBA" else 0)
    if box is not None:
        fill = (255, 255, 255, 255) if mode == "RGBA" else 255
        image.paste(fill, box)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
