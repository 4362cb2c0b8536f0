"""Settings: embedded defaults, production refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pixelpatchwork.settings import Settings


def test_embedded_defaults(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, var_dir=tmp_path)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'pixelpatchwork.db'}"
    assert settings.media_dir == tmp_path / "media"
    assert settings.redis_url is None and settings.s3_bucket is None
    assert settings.provider_name == "offline"
    assert settings.facilitator_token_generated
    # The development token is kept, so every process of one install shares it.
    again = Settings(_env_file=None, var_dir=tmp_path)
    assert again.facilitator_token.get_secret_value() == settings.facilitator_token.get_secret_value()


def test_openai_key_selects_openai_in_auto_mode(tmp_path: Path) -> None:
    assert Settings(_env_file=None, var_dir=tmp_path, openai_api_key="sk-test").provider_name == "openai"
    assert Settings(_env_file=None, var_dir=tmp_path, openai_api_key="sk-test", generator="offline").provider_name == "offline"


def test_production_refuses_the_default_secret(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(_env_file=None, var_dir=tmp_path, environment="production", facilitator_token="t" * 20)


def test_production_refuses_a_missing_facilitator_token(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="FACILITATOR_TOKEN"):
        Settings(_env_file=None, var_dir=tmp_path, environment="production", secret_key="s" * 40)


def test_production_accepts_real_secrets(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, var_dir=tmp_path, environment="production", secret_key="s" * 40, facilitator_token="t" * 20)
    assert not settings.facilitator_token_generated


def test_sync_mysql_driver_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="asyncmy"):
        Settings(_env_file=None, var_dir=tmp_path, database_url="mysql://root@localhost/db")


def test_settings_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALLY_WINDOW_MS", "220")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    settings = Settings(_env_file=None, var_dir=tmp_path)
    assert settings.tally_window_ms == 220 and settings.redis_url == "redis://127.0.0.1:6379/3"
