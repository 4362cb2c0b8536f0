"""orjson behind the `json` module interface that python-socketio and engineio call."""

from __future__ import annotations

from typing import Any

import orjson

OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(obj: Any, **_kwargs: Any) -> str:
    return orjson.dumps(obj, option=OPTIONS).decode()


def loads(data: str | bytes, **_kwargs: Any) -> Any:
    return orjson.loads(data)
