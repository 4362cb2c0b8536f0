"""The async engine and session factory, made from settings (never at import time)."""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from ..settings import Settings


def make_engine(settings: Settings) -> AsyncEngine:
    """Create the engine for DATABASE_URL: SQLite in WAL mode, or a pooled MariaDB/MySQL."""
    url = settings.database_url
    if url.startswith("sqlite"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            # Let SQLAlchemy, not the driver, decide when transactions begin (see _begin).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn) -> None:  # type: ignore[no-untyped-def]
            # Take the write lock up front: a read that later writes would otherwise fail
            # with "database is locked" instead of waiting when another writer got there first.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_async_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        pool_recycle=1800,
        # Reset and liveness checks below, so a busy connection costs no extra round trips.
        pool_reset_on_return=None,
        isolation_level="READ COMMITTED",
    )
    _pool_hygiene(engine)
    return engine


IDLE_PING_S = 2.0


def _pool_hygiene(engine: AsyncEngine) -> None:
    """A connection that sat idle is pinged before use (one that died with a database restart
    is replaced before a request sees it), and a returned connection is rolled back only if
    it is still inside a transaction. A connection that breaks while in use invalidates the
    whole pool, so every connection opened before an outage is replaced after it."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        if time.monotonic() - record.info.get("idle_since", 0.0) > IDLE_PING_S:
            try:
                dbapi_conn.ping(False)
            except Exception as exc:
                raise DisconnectionError("the database connection went away while idle") from exc

    @event.listens_for(engine.sync_engine, "checkin")
    def _idle(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "reset")
    def _reset(dbapi_conn, _record, state) -> None:  # type: ignore[no-untyped-def]
        if state.terminate_only or not state.asyncio_safe:
            return
        in_transaction = getattr(getattr(dbapi_conn, "_connection", None), "get_transaction_status", None)
        if in_transaction is None or in_transaction():
            dbapi_conn.rollback()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
