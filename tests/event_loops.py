"""Closing a test's event loop without waiting forever on a task that swallowed its cancellation.

asyncio's runner cancels each task left when a test's loop closes exactly once, then waits for
all of them. aiosqlite 0.22's `Connection.close()`, cancelled while SQLAlchemy terminates a
connection whose request was cut off at server shutdown, takes that one cancellation in its
first await and then, in its `finally`, awaits the stop of a worker thread that has already
ended, so the loop (and the test run) would wait forever. Here the tasks still left are
cancelled again a few times, each time with a bounded wait, and any that still will not end
are named on stderr instead of hanging the run.
"""

from __future__ import annotations

import asyncio
import asyncio.runners
import sys

ROUNDS = 4
WAIT_S = 5.0



def _cancel_all_tasks(loop: asyncio.AbstractEventLoop) -> None:
    pending = asyncio.all_tasks(loop)
    for _ in range(ROUNDS):
        if not pending:
            return
        for task in pending:
            task.cancel()
        _done, pending = loop.run_until_complete(asyncio.wait(pending, timeout=WAIT_S))
    for task in pending:
        sys.stderr.write(f"event loop closed with a task that would not stop: {task!r}\n")


def install() -> None:
    asyncio.runners._cancel_all_tasks = _cancel_all_tasks  # type: ignore[attr-defined]
