"""The README and docs/api.md are contracts: a setting, route or event missing there fails here."""

from __future__ import annotations

import re
from pathlib import Path

from pixelpatchwork.app import create_app
from pixelpatchwork.protocol import PROTOCOL
from pixelpatchwork.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
API = (ROOT / "docs" / "api.md").read_text()


def test_every_setting_is_in_the_readme() -> None:
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in README]
    assert not missing, f"settings missing from README.md: {missing}"


def test_every_socket_event_is_in_the_api_docs() -> None:
    events = list(PROTOCOL["client_events"]) + list(PROTOCOL["server_events"])
    missing = [event for event in events if f"`{event}`" not in API]
    assert not missing, f"events missing from docs/api.md: {missing}"


def test_every_route_is_in_the_api_docs(tmp_path: Path) -> None:
    app = create_app(Settings(_env_file=None, var_dir=tmp_path, facilitator_token="x")).quart_app
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"<\1>", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            documented = f"`{method} {path}`" in API or (f"| {method} | `{path}`" in API)
            if not documented:
                missing.append(f"{method} {path}")
    assert not missing, f"routes missing from docs/api.md: {missing}"


def test_readme_shows_the_two_commands() -> None:
    assert "make run" in README and "make test" in README
