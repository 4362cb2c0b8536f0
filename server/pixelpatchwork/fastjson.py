"""orjson behind the `json` module interface that python-socketio and engineio call.

What orjson refuses or reads differently (integers beyond 64 bits, NaN) goes through the
standard library's json, so the wire behaves exactly as it would without orjson.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

OPTIONS = orjson.OPT_NON_STR_KEYS
LARGEST = 2**63 - 1


def dumps(obj: Any, **kwargs: Any) -> str:
    try:
        return orjson.dumps(obj, option=OPTIONS).decode()
    except TypeError:
        return json.dumps(obj, **kwargs)


def loads(data: str | bytes, **kwargs: Any) -> Any:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data, **kwargs)
    if _has_large_float(value):  # orjson turns integers beyond 64 bits into floats
        return json.loads(data, **kwargs)
    return value


def _has_large_float(value: Any) -> bool:
    if isinstance(value, float):
        return abs(value) > LARGEST
    if isinstance(value, list):
        return any(_has_large_float(item) for item in value)
    if isinstance(value, dict):
        return any(_has_large_float(item) for item in value.values())
    return False
