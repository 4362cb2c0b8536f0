"""The migrations build exactly the schema the models describe, on SQLite and MariaDB."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from pixelpatchwork.db.migrate import alembic_config, upgrade
from pixelpatchwork.db.models import Base


async def differences(url: str) -> list:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        found = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    await engine.dispose()
    return found


async def test_sqlite_migrations_match_the_models(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    assert await differences(url) == []


@pytest.mark.mariadb
async def test_mariadb_migrations_match_the_models_and_go_down_and_up(mariadb_url) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    upgrade(mariadb_url)
    assert await differences(mariadb_url) == []
    await asyncio.to_thread(command.downgrade, alembic_config(mariadb_url), "base")
    upgrade(mariadb_url)
    assert await differences(mariadb_url) == []
