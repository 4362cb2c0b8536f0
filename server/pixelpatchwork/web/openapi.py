"""The HTTP API as an OpenAPI 3.1 description, built from the app's own routes.

Paths and methods come from the URL map, summaries from the views' docstrings, request
bodies from the protocol request definitions the views name and check their JSON against (shared/protocol.json,
the same schemas the server validates with), so the description cannot drift from the code.
Served at GET /api/openapi.json; the fuzz tests generate requests from it.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

from quart import Quart

from ..protocol import PROTOCOL

PARAM = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>[a-z_]+)>")
STRING = re.compile(r"\"(?P<name>\w+)\"")
ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}


def _schemas() -> dict[str, Any]:
    text = json.dumps(PROTOCOL["definitions"]).replace("#/definitions/", "#/components/schemas/")
    return {**json.loads(text), "Error": ERROR}


def _request_definition(view: Any) -> str | None:
    """The request definition (a key of the protocol's `rest` section) that a view checks its
    JSON body against: the one it names."""
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return None
    return next((m["name"] for m in STRING.finditer(source) if m["name"] in PROTOCOL["rest"]), None)


def _parameter(converter: str | None, name: str, room: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": 0} if converter == "int" else {"type": "string"}
    if name == "slug":
        schema["examples"] = [room]
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _operation(rule: Any, method: str, view: Any, room: str) -> dict[str, Any]:
    doc = inspect.getdoc(view) or ""
    parameters = [_parameter(match["converter"], match["name"], room) for match in PARAM.finditer(rule.rule)]
    responses: dict[str, Any] = {
        "default": {"description": "a refusal: 4xx with a code and a message", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "2XX": {"description": "success"},
    }
    operation: dict[str, Any] = {
        "operationId": f"{rule.endpoint}.{method.lower()}",
        "summary": doc.splitlines()[0] if doc else rule.endpoint,
        "parameters": parameters,
        "responses": responses,
    }
    definition = _request_definition(view)
    if definition is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{definition}"}}},
        }
    return operation


def describe(app: Quart, room: str = "main") -> dict[str, Any]:
    """The OpenAPI document of every route of `app` (the Socket.IO endpoint is in docs/api.md);
    `room`, the default room's slug, is the example room."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        path = PARAM.sub(lambda m: "{" + m["name"] + "}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule, method, view, room)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PixelPatchwork",
            "version": str(PROTOCOL.get("version", "1")),
            "description": "The HTTP API of a PixelPatchwork server; docs/api.md describes each route.",
        },
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "facilitator": {"type": "http", "scheme": "bearer", "description": "FACILITATOR_TOKEN"},
                "participant": {"type": "apiKey", "in": "cookie", "name": "ppw_session"},
            },
        },
    }
