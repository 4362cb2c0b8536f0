"""A fake OpenAI Images API (POST /v1/images/edits) served over real HTTP on loopback.

The openai 3.x client talks through httpx2, which respx cannot intercept, and server
processes started by tests must reach the fake too, so this is a real aiohttp server.
It runs in a background thread with its own event loop: usable from sync and async
tests alike, and reachable from other processes at ``base_url``.

    with FakeOpenAI() as fake:
        fake.enqueue("rate_limit", retry_after=0)
        client = AsyncOpenAI(api_key="test", base_url=fake.base_url, max_retries=0)

It can also run on its own (``python -m tests.fakes.openai_server --port 8765``) and
then be scripted over HTTP: ``POST /_fake/enqueue`` with ``{"kind", "times", "opts"}``,
``GET /_fake/requests``, ``POST /_fake/reset``.

Every request is first checked like the real API would (401 without a Bearer key, 400
for a bad or missing field, file, mimetype, mask or model); only requests that pass take
the next scripted behaviour, or "ok" when none is queued. ``enqueue(kind, times=1, **opts)``:

- ``ok``: the first image inverted where the mask's alpha is 0 (all of it without a mask),
  at the input's size, or at ``size`` when the request names one (as the API does).
  opts: ``output_size=(w, h)`` forces another size; ``event_interval`` (s) between SSE events.
- ``delay``: ``seconds`` (default 1), then like ``ok``.
- ``timeout``: hang ``seconds`` (default 5) + ``margin`` (default 1), then like ``ok``; pass
  the client's timeout as ``seconds``.
- ``rate_limit``: 429, ``retry-after: <retry_after>`` (default 1; add ``retry_after_ms`` for
  ``retry-after-ms``, which the client prefers), code ``rate_limit_exceeded``; ``message``.
- ``server_error``: ``status`` (default 500) with a server_error body, or ``html=True`` for
  an HTML body as a gateway sends; ``message``.
- ``moderation``: 400, type ``image_generation_user_error``, code ``moderation_blocked``;
  ``categories`` (default ["sexual"]), ``stage`` ("input"/"output"), ``message``; with
  ``in_stream=True`` a streaming request gets an SSE ``error`` event instead.
- ``malformed``: 200 that breaks the contract; ``variant``: ``invalid_json`` (default),
  ``no_data``, ``empty_data``, ``no_b64``, ``bad_b64``, ``not_image``, ``html``. A streaming
  request gets a truncated ``image_edit.completed`` event.
- ``stream_error``: streaming: ``after_partials`` partial events, then an SSE ``error``
  event (``message``, ``type``, ``code``); non-streaming: a 500.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import io
import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import pytest
from aiohttp import BodyPartReader, web
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["KINDS", "FakeOpenAI", "RecordedFile", "RecordedRequest", "fake_openai"]

KINDS = ("ok", "delay", "timeout", "rate_limit", "server_error", "moderation", "malformed", "stream_error")

DEFAULT_MODELS = ("gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2")
# gpt-image-1.x only know three sizes; gpt-image-2 takes any WxH on a 16-pixel grid.
FIXED_SIZES = ("1024x1024", "1024x1536", "1536x1024")
IMAGE_MIMETYPES = ("image/jpeg", "image/png", "image/webp")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_IMAGES = 16
MAX_PROMPT = 32000

# Every form field the real endpoint knows; anything else is rejected as the API does.
KNOWN_FIELDS = frozenset(
    {
        "image", "image[]", "prompt", "background", "complexity", "frame_count", "frame_duration_ms",
        "input_fidelity", "markup", "mask", "model", "moderation", "n", "output_compression",
        "output_format", "partial_images", "quality", "response_format", "safety_identifier",
        "size", "stream", "user",
    }
)  # fmt: skip

MODERATION_MESSAGE = (
    "Your request was rejected by the safety system. If you believe this is an error, "
    "contact us at help.openai.com and include the request ID {request_id}. safety_violations=[{categories}]."
)
SERVER_ERROR_MESSAGE = "The server had an error while processing your request. Sorry about that!"


@dataclass
class RecordedFile:
    """One uploaded file part as the fake received it."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes
    size: tuple[int, int] | None = None  # (width, height) when Pillow could decode it
    mode: str | None = None
    format: str | None = None


@dataclass
class RecordedRequest:
    """One HTTP request the fake received, with its parsed multipart body."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    fields: dict[str, str] = field(default_factory=dict)  # non-file form fields (last value wins)
    images: list[RecordedFile] = field(default_factory=list)
    mask: RecordedFile | None = None
    kind: str | None = None  # scripted behaviour used, None when rejected before scripting
    status: int | None = None  # status the fake answered (200 for streams)
    error_code: str | None = None  # the error body's code/type when it answered an error
    received_at: float = 0.0

    @property
    def authorization(self) -> str | None:
        """The Authorization header as sent."""
        return self.headers.get("authorization")

    @property
    def model(self) -> str | None:
        """The model form field."""
        return self.fields.get("model")

    @property
    def prompt(self) -> str | None:
        """The prompt form field."""
        return self.fields.get("prompt")

    @property
    def stream(self) -> bool:
        """Whether the client asked for SSE (the client sends the strings "true"/"false")."""
        return self.fields.get("stream") == "true"

    @property
    def image_sizes(self) -> list[tuple[int, int] | None]:
        """(width, height) of each uploaded image, in order."""
        return [f.size for f in self.images]

    @property
    def mask_size(self) -> tuple[int, int] | None:
        """(width, height) of the mask, None without one."""
        return self.mask.size if self.mask else None

    @property
    def retry_count(self) -> int:
        """The client's x-stainless-retry-count header: 0 on the first try."""
        return int(self.headers.get("x-stainless-retry-count", "0"))

    def summary(self) -> dict[str, Any]:
        """A JSON-able view (used by GET /_fake/requests)."""
        return {
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "fields": self.fields,
            "images": [
                {"field": f.field, "filename": f.filename, "content_type": f.content_type, "size": f.size}
                for f in self.images
            ],
            "mask": None
            if self.mask is None
            else {"filename": self.mask.filename, "content_type": self.mask.content_type, "size": self.mask.size},
            "kind": self.kind,
            "status": self.status,
            "error_code": self.error_code,
        }


@dataclass
class _Behaviour:
    kind: str
    opts: dict[str, Any]


class _ApiError(Exception):
    """Carries an OpenAI-shaped error response out of validation."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "type": type, "param": param, "code": code, **(extra or {})}
        self.headers = headers or {}


def _error_response(err: _ApiError, request_id: str) -> web.Response:
    """Render an _ApiError as the API's {"error": {...}} JSON body."""
    return web.json_response(
        {"error": err.body}, status=err.status, headers={"x-request-id": request_id, **err.headers}
    )


def _encode(img: Image.Image, output_format: str) -> bytes:
    """Encode an image in the requested output format."""
    buf = io.BytesIO()
    if output_format == "jpeg":
        img.convert("RGB").save(buf, "JPEG", quality=90)
    elif output_format == "webp":
        img.save(buf, "WEBP")
    else:
        img.save(buf, "PNG")
    return buf.getvalue()


def _edit(image: Image.Image, mask: Image.Image | None, rows: int | None = None) -> Image.Image:
    """Invert colours where the mask is fully transparent (all of the image without a mask).

    With ``rows`` only the top rows are edited, which makes partial images differ from
    the final one.
    """
    src = image.convert("RGBA")
    r, g, b, a = src.split()
    inverted = Image.merge("RGBA", (*ImageOps.invert(Image.merge("RGB", (r, g, b))).split(), a))
    if mask is None:
        region = Image.new("L", src.size, 255)
    else:
        # OpenAI convention: alpha 0 marks where to edit, anything else is kept.
        region = mask.convert("RGBA").getchannel("A").point(lambda v: 255 if v == 0 else 0)
    if rows is not None:
        cut = Image.new("L", src.size, 0)
        cut.paste(255, (0, 0, src.size[0], max(0, min(rows, src.size[1]))))
        region = Image.composite(region, cut, cut)
    return Image.composite(inverted, src, region)


class FakeOpenAI:
    """The fake server: start() it, point the client at base_url, script it with enqueue()."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        delay: float = 0.0,
        api_key: str | None = None,
        models: tuple[str, ...] = DEFAULT_MODELS,
    ) -> None:
        """Configure; ``delay`` is added to every request, ``api_key`` (if set) must match exactly."""
        self.host = host
        self.port = port
        self.delay = delay
        self.api_key = api_key
        self.models = models
        self.requests: list[RecordedRequest] = []
        self._queue: deque[_Behaviour] = deque()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._base_url: str | None = None

    # --- lifecycle -----------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT/v1 (the value for OPENAI_BASE_URL)."""
        if self._base_url is None:
            raise RuntimeError("FakeOpenAI is not started")
        return self._base_url

    def start(self) -> str:
        """Start serving in a background thread; return base_url."""
        if self._thread is not None:
            return self.base_url
        self._ready.clear()
        self._thread = threading.Thread(target=self._thread_main, name="fake-openai", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("FakeOpenAI did not start within 10 s")
        if self._start_error is not None:
            self._thread = None
            raise RuntimeError("FakeOpenAI failed to start") from self._start_error
        return self.base_url

    def stop(self) -> None:
        """Stop serving; hanging requests are cut short so this returns quickly."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        fut = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        fut.result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = None
        self._loop = None
        self._base_url = None

    def __enter__(self) -> FakeOpenAI:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:  # noqa: BLE001 - handed to start() to re-raise
            self._start_error = exc
            self._loop = None
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _startup(self) -> None:
        self._stopping = asyncio.Event()
        # Real uploads can be tens of MB; aiohttp's default cap is 1 MiB.
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/images/edits", self._handle_edit)
        app.router.add_post("/_fake/enqueue", self._handle_control_enqueue)
        app.router.add_get("/_fake/requests", self._handle_control_requests)
        app.router.add_post("/_fake/reset", self._handle_control_reset)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._runner = web.AppRunner(app, shutdown_timeout=2.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # noqa: S101 - started just above
        self.port = server.sockets[0].getsockname()[1]
        self._base_url = f"http://{self.host}:{self.port}/v1"

    async def _shutdown(self) -> None:
        assert self._stopping is not None  # noqa: S101 - set in _startup
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- scripting -----------------------------------------------------------------

    def enqueue(self, kind: str, *, times: int = 1, **opts: Any) -> FakeOpenAI:
        """Queue the behaviour of the next ``times`` valid edit requests (FIFO); kinds and opts in the module docs."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            for _ in range(times):
                self._queue.append(_Behaviour(kind, dict(opts)))
        return self

    @property
    def pending(self) -> list[str]:
        """Kinds still queued (a test can assert this is empty at the end)."""
        with self._lock:
            return [b.kind for b in self._queue]

    def reset(self) -> None:
        """Forget queued behaviours and recorded requests."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()

    def env(self, api_key: str = "test") -> dict[str, str]:
        """Environment for a server process that should talk to this fake."""
        return {"OPENAI_BASE_URL": self.base_url, "OPENAI_API_KEY": api_key}

    @property
    def edit_requests(self) -> list[RecordedRequest]:
        """Recorded requests to /v1/images/edits only."""
        with self._lock:
            return [r for r in self.requests if r.path == "/v1/images/edits"]

    def _next_behaviour(self) -> _Behaviour:
        with self._lock:
            return self._queue.popleft() if self._queue else _Behaviour("ok", {})

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake as soon as the fake is stopping."""
        if seconds <= 0:
            return
        assert self._stopping is not None  # noqa: S101 - set in _startup
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    # --- request handling ----------------------------------------------------------

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        """Answer unknown routes the way the API does."""
        err = _ApiError(404, f"Invalid URL ({request.method} {request.path})")
        return _error_response(err, _request_id())

    async def _handle_edit(self, request: web.Request) -> web.StreamResponse:
        """POST /v1/images/edits: record, validate, then act out the scripted behaviour."""
        request_id = _request_id()
        rec = RecordedRequest(
            method=request.method,
            path=request.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            received_at=time.time(),
        )
        with self._lock:
            self.requests.append(rec)
        await self._sleep(self.delay)
        try:
            self._check_auth(rec)
            images, mask = await self._parse_multipart(request, rec)
            params = self._validate(rec, images, mask)
        except _ApiError as err:
            rec.status = err.status
            rec.error_code = err.body.get("code") or err.body.get("type")
            return _error_response(err, request_id)

        behaviour = self._next_behaviour()
        rec.kind = behaviour.kind
        try:
            return await self._act(request, rec, behaviour, params, images, mask, request_id)
        except _ApiError as err:
            rec.status = err.status
            rec.error_code = err.body.get("code") or err.body.get("type")
            return _error_response(err, request_id)

    def _check_auth(self, rec: RecordedRequest) -> None:
        """401 without a Bearer key (or with the wrong one when api_key is set)."""
        auth = rec.authorization or ""
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            raise _ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization header "
                "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank "
                "username) if you're accessing the API from your browser and are prompted for a username and "
                "password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
            )
        key = auth[7:].strip()
        if self.api_key is not None and key != self.api_key:
            shown = key[:3] + "*" * max(0, len(key) - 7) + key[-4:] if len(key) > 8 else key
            raise _ApiError(
                401,
                f"Incorrect API key provided: {shown}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )

    async def _parse_multipart(
        self, request: web.Request, rec: RecordedRequest
    ) -> tuple[list[Image.Image], Image.Image | None]:
        """Read the multipart body into rec and decode the images."""
        ctype = request.headers.get("Content-Type", "")
        if not ctype.startswith("multipart/form-data"):
            raise _ApiError(
                400,
                f"Invalid Content-Type header ({ctype or 'none'}), expected multipart/form-data. (HINT: If you're "
                "using curl, you can pass -H 'Content-Type: multipart/form-data')",
            )
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: the API does not accept it
            name = part.name or ""
            if part.filename is not None:
                data = bytes(await part.read())
                rf = RecordedFile(
                    field=name, filename=part.filename, content_type=part.headers.get("Content-Type"), data=data
                )
                if name == "mask":
                    rec.mask = rf
                else:
                    rec.images.append(rf)  # unknown file fields are reported by _validate
            else:
                rec.fields[name] = await part.text()

        for name in list(rec.fields) + [f.field for f in rec.images]:
            if name not in KNOWN_FIELDS and not name.startswith("svg["):
                raise _unknown(name)

        if not rec.images:
            if "image" in rec.fields or "image[]" in rec.fields:
                raise _ApiError(
                    400,
                    "Invalid type for 'image': expected a file, but got a string instead.",
                    param="image",
                    code="invalid_type",
                )
            raise _missing("image")
        if len(rec.images) > MAX_IMAGES:
            raise _ApiError(
                400,
                f"Invalid 'image': too many images. Expected at most {MAX_IMAGES}, got {len(rec.images)}.",
                param="image",
                code="array_above_max_length",
            )

        images: list[Image.Image] = []
        for index, rf in enumerate(rec.images, start=1):
            # The API trusts the part's Content-Type, not the bytes: raw bytes sent without
            # a filename arrive as application/octet-stream and are refused.
            if rf.content_type not in IMAGE_MIMETYPES:
                raise _ApiError(
                    400,
                    f"Invalid file 'image': unsupported mimetype ('{rf.content_type}'). Supported file formats are "
                    "'image/jpeg', 'image/png', and 'image/webp'.",
                    param="image",
                    code="unsupported_file_mimetype",
                )
            img = _decode(rf)
            if img is None:
                raise _ApiError(
                    400,
                    f"Invalid image file or mode for image {index}, please check your image file.",
                    param="image",
                    code="invalid_image_file",
                )
            images.append(img)

        mask: Image.Image | None = None
        if rec.mask is not None:
            if rec.mask.content_type != "image/png" or not rec.mask.data.startswith(PNG_SIGNATURE):
                raise _ApiError(
                    400,
                    f"Invalid file 'mask': unsupported mimetype ('{rec.mask.content_type}'). Supported file formats "
                    "are 'image/png'.",
                    param="mask",
                    code="unsupported_file_mimetype",
                )
            mask = _decode(rec.mask)
            if mask is None:
                raise _ApiError(
                    400,
                    "Invalid mask image file, please check your mask file.",
                    param="mask",
                    code="invalid_image_file",
                )
            if not _has_alpha(mask):
                raise _ApiError(
                    400,
                    "Invalid mask image format - mask image missing alpha channel",
                    param="mask",
                    code="invalid_image_format",
                )
            if mask.size != images[0].size:
                mw, mh = mask.size
                iw, ih = images[0].size
                raise _ApiError(
                    400,
                    f"Invalid mask image: the mask and the image must have the same dimensions "
                    f"(mask is {mw}x{mh}, image is {iw}x{ih}).",
                    param="mask",
                    code="invalid_image_dimensions",
                )
        return images, mask

    def _validate(self, rec: RecordedRequest, images: list[Image.Image], mask: Image.Image | None) -> dict[str, Any]:
        """Check the scalar fields like the API; return the effective parameters."""
        f = rec.fields
        prompt = f.get("prompt")
        if prompt is None or prompt == "":
            raise _missing("prompt")
        if len(prompt) > MAX_PROMPT:
            raise _ApiError(
                400,
                f"Invalid 'prompt': string too long. Expected a string with maximum length {MAX_PROMPT}, but got a "
                f"string with length {len(prompt)} instead.",
                param="prompt",
                code="string_above_max_length",
            )
        model = f.get("model")
        if model is not None and model not in self.models:
            raise _ApiError(
                400,
                f"Invalid value: '{model}'. Supported values are: {_quote_list(self.models)}.",
                param="model",
                code="invalid_value",
            )
        if "response_format" in f:
            # GPT image models always answer b64_json and refuse the legacy parameter.
            raise _unknown("response_format")

        n = _int_field(f, "n", 1, 1, 10)
        partial_images = _int_field(f, "partial_images", 0, 0, 3)
        _int_field(f, "output_compression", 100, 0, 100)
        stream = _enum_field(f, "stream", "false", ("true", "false")) == "true"
        quality = _enum_field(f, "quality", "auto", ("low", "medium", "high", "auto"))
        background = _enum_field(f, "background", "auto", ("transparent", "opaque", "auto"))
        output_format = _enum_field(f, "output_format", "png", ("png", "jpeg", "webp"))
        _enum_field(f, "input_fidelity", "low", ("low", "high"))
        _enum_field(f, "moderation", "auto", ("low", "auto"))
        if background == "transparent" and output_format == "jpeg":
            raise _ApiError(
                400,
                "Transparent background is not supported for jpeg output format. Use png or webp instead.",
                param="background",
                code="invalid_value",
            )

        size = f.get("size", "auto")
        out_size = images[0].size
        if size != "auto":
            m = re.fullmatch(r"(\d+)x(\d+)", size)
            effective_model = model or self.models[0]
            ok = m is not None and (
                size in FIXED_SIZES
                if not effective_model.startswith("gpt-image-2")
                else int(m.group(1)) % 16 == 0
                and int(m.group(2)) % 16 == 0
                and int(m.group(1)) > 0
                and int(m.group(2)) > 0
                and 1 / 3 <= int(m.group(1)) / int(m.group(2)) <= 3
            )
            if not ok or m is None:
                allowed = _quote_list((*FIXED_SIZES, "auto"))
                if effective_model.startswith("gpt-image-2"):
                    allowed = "'auto' or WIDTHxHEIGHT with both sides divisible by 16 and aspect ratio within 1:3..3:1"
                raise _ApiError(
                    400,
                    f"Invalid value: '{size}'. Supported values are: {allowed}.",
                    param="size",
                    code="invalid_value",
                )
            # Like the API, an explicit size decides the output size (not the input's).
            out_size = (int(m.group(1)), int(m.group(2)))

        return {
            "prompt": prompt,
            "model": model,
            "n": n,
            "partial_images": partial_images,
            "stream": stream,
            # The API reports what it actually used, never "auto".
            "quality": "medium" if quality == "auto" else quality,
            "background": "opaque" if background == "auto" else background,
            "output_format": output_format,
            "size": out_size,
        }

    async def _act(
        self,
        request: web.Request,
        rec: RecordedRequest,
        behaviour: _Behaviour,
        params: dict[str, Any],
        images: list[Image.Image],
        mask: Image.Image | None,
        request_id: str,
    ) -> web.StreamResponse:
        """Produce the response for one scripted behaviour."""
        kind, opts = behaviour.kind, behaviour.opts
        if kind == "delay":
            await self._sleep(float(opts.get("seconds", 1.0)))
        elif kind == "timeout":
            # Outlast the client's timeout, then answer normally if anyone still listens.
            await self._sleep(float(opts.get("seconds", 5.0)) + float(opts.get("margin", 1.0)))
        elif kind == "rate_limit":
            retry_after = opts.get("retry_after", 1)
            headers = {
                "retry-after": _num(retry_after),
                "x-ratelimit-limit-requests": "5",
                "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-requests": f"{_num(retry_after)}s",
            }
            if "retry_after_ms" in opts:
                headers["retry-after-ms"] = _num(opts["retry_after_ms"])
            model = params["model"] or self.models[0]
            raise _ApiError(
                429,
                opts.get(
                    "message",
                    f"Rate limit reached for {model} in organization org-fake on images per minute (IPM): "
                    f"Limit 5, Used 5, Requested 1. Please try again in {_num(retry_after)}s. Visit "
                    "https://platform.openai.com/account/rate-limits to learn more.",
                ),
                type="requests",
                code="rate_limit_exceeded",
                headers=headers,
            )
        elif kind == "server_error":
            status = int(opts.get("status", 500))
            if opts.get("html"):
                # Gateways in front of the API answer 502/503 with HTML, not JSON.
                rec.status = status
                return web.Response(
                    status=status,
                    text=f"<html><body><h1>{status} {HTTPStatus(status).phrase}</h1></body></html>",
                    content_type="text/html",
                    headers={"x-request-id": request_id},
                )
            raise _ApiError(status, opts.get("message", SERVER_ERROR_MESSAGE), type="server_error")
        elif kind == "moderation" and not (opts.get("in_stream") and params["stream"]):
            raise self._moderation_error(opts, request_id)
        elif kind == "stream_error" and not params["stream"]:
            raise _ApiError(500, opts.get("message", SERVER_ERROR_MESSAGE), type="server_error")
        elif kind == "malformed" and not params["stream"]:
            rec.status = 200
            return _malformed_response(str(opts.get("variant", "invalid_json")), request_id)

        final = self._render(images, mask, params, opts)
        if params["stream"]:
            return await self._stream(request, rec, behaviour, params, images, mask, final, request_id)
        rec.status = 200
        body: dict[str, Any] = {
            "created": int(time.time()),
            "data": [{"b64_json": base64.b64encode(img).decode()} for img in final],
            "background": params["background"],
            "output_format": params["output_format"],
            "quality": params["quality"],
            "size": "{}x{}".format(*params["size"]),
            "usage": _usage(params, len(images), with_output_details=True),
        }
        return web.json_response(body, headers={"x-request-id": request_id, "openai-processing-ms": "1"})

    def _render(
        self, images: list[Image.Image], mask: Image.Image | None, params: dict[str, Any], opts: dict[str, Any]
    ) -> list[bytes]:
        """The n final images, encoded."""
        out_size = tuple(opts.get("output_size") or params["size"])
        edited = _edit(images[0], mask)
        if edited.size != out_size:
            edited = edited.resize(out_size)
        encoded = _encode(edited, params["output_format"])
        return [encoded] * params["n"]

    def _moderation_error(self, opts: dict[str, Any], request_id: str) -> _ApiError:
        """The 400 the API gives when its safety system rejects a request."""
        categories = list(opts.get("categories", ["sexual"]))
        message = opts.get("message") or MODERATION_MESSAGE.format(
            request_id=request_id, categories=",".join(categories)
        )
        return _ApiError(
            400,
            message,
            type="image_generation_user_error",
            code="moderation_blocked",
            extra={"moderation_details": {"moderation_stage": opts.get("stage", "input"), "categories": categories}},
        )

    async def _stream(
        self,
        request: web.Request,
        rec: RecordedRequest,
        behaviour: _Behaviour,
        params: dict[str, Any],
        images: list[Image.Image],
        mask: Image.Image | None,
        final: list[bytes],
        request_id: str,
    ) -> web.StreamResponse:
        """Answer text/event-stream: partial images, then one completed event per image."""
        kind, opts = behaviour.kind, behaviour.opts
        interval = float(opts.get("event_interval", 0.0))
        resp = web.StreamResponse(
            status=200,
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-cache",
                "x-request-id": request_id,
            },
        )
        rec.status = 200
        await resp.prepare(request)
        common = {
            "background": params["background"],
            "output_format": params["output_format"],
            "quality": params["quality"],
            "size": "{}x{}".format(*params["size"]),
        }
        partials = params["partial_images"]
        fail_after = int(opts.get("after_partials", partials)) if kind in ("stream_error", "moderation") else None
        out_w, out_h = params["size"]
        try:
            for index in range(partials):
                if fail_after is not None and index >= fail_after:
                    break
                rows = (index + 1) * images[0].size[1] // (partials + 1)
                partial = _edit(images[0], mask, rows=rows)
                if partial.size != (out_w, out_h):
                    partial = partial.resize((out_w, out_h))
                event = {
                    "type": "image_edit.partial_image",
                    "b64_json": base64.b64encode(_encode(partial, params["output_format"])).decode(),
                    "partial_image_index": index,
                    "created_at": int(time.time()),
                    **common,
                }
                await resp.write(_sse("image_edit.partial_image", json.dumps(event)))
                await self._sleep(interval)
            if kind == "malformed":
                await resp.write(_sse("image_edit.completed", '{"type": "image_edit.completed", "b64_json": '))
            elif kind in ("stream_error", "moderation"):
                if kind == "moderation":
                    err_body = self._moderation_error(opts, request_id).body
                else:
                    err_body = {
                        "message": opts.get("message", SERVER_ERROR_MESSAGE),
                        "type": opts.get("type", "server_error"),
                        "param": None,
                        "code": opts.get("code"),
                    }
                rec.error_code = err_body.get("code") or err_body.get("type")
                await resp.write(_sse("error", json.dumps({"type": "error", "error": err_body})))
            else:
                for img in final:
                    event = {
                        "type": "image_edit.completed",
                        "b64_json": base64.b64encode(img).decode(),
                        "created_at": int(time.time()),
                        "usage": _usage(params, len(images), with_output_details=False),
                        **common,
                    }
                    await resp.write(_sse("image_edit.completed", json.dumps(event)))
            await resp.write_eof()
        except ConnectionResetError:
            # The client went away mid-stream (e.g. it closed the stream early).
            pass
        return resp

    # --- control endpoints (for a fake started as its own process) -----------------

    async def _handle_control_enqueue(self, request: web.Request) -> web.Response:
        """POST /_fake/enqueue {"kind", "times"?, "opts"?}."""
        payload = await request.json()
        try:
            self.enqueue(payload["kind"], times=int(payload.get("times", 1)), **payload.get("opts", {}))
        except (KeyError, ValueError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        return web.json_response({"ok": True, "pending": self.pending})

    async def _handle_control_requests(self, request: web.Request) -> web.Response:
        """GET /_fake/requests: the recorded requests as JSON."""
        with self._lock:
            return web.json_response([r.summary() for r in self.requests])

    async def _handle_control_reset(self, request: web.Request) -> web.Response:
        """POST /_fake/reset."""
        self.reset()
        return web.json_response({"ok": True})


def _missing(name: str) -> _ApiError:
    """The API's error for an absent required field."""
    return _ApiError(400, f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter")


def _unknown(name: str) -> _ApiError:
    """The API's error for a field it does not know."""
    return _ApiError(400, f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")


def _request_id() -> str:
    """A request id shaped like the API's."""
    return f"req_{uuid.uuid4().hex}"


def _decode(rf: RecordedFile) -> Image.Image | None:
    """Decode an upload with Pillow, filling in its size/mode; None when it is not an image."""
    try:
        img = Image.open(io.BytesIO(rf.data))
        img.load()
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    rf.size, rf.mode, rf.format = img.size, img.mode, img.format
    return img


def _has_alpha(img: Image.Image) -> bool:
    """Whether the image carries transparency."""
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (img.mode == "P" and "transparency" in img.info)


def _quote_list(values: tuple[str, ...]) -> str:
    """'a', 'b', and 'c' — the API's way of listing allowed values."""
    quoted = [f"'{v}'" for v in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f", and {quoted[-1]}"


def _int_field(fields: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    """Parse an integer form field and check its range."""
    raw = fields.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _ApiError(
            400,
            f"Invalid type for '{name}': expected an integer, but got a string instead.",
            param=name,
            code="invalid_type",
        ) from None
    if value < low:
        raise _ApiError(
            400,
            f"Invalid '{name}': integer below minimum value. Expected a value >= {low}, but got {value} instead.",
            param=name,
            code="integer_below_min_value",
        )
    if value > high:
        raise _ApiError(
            400,
            f"Invalid '{name}': integer above maximum value. Expected a value <= {high}, but got {value} instead.",
            param=name,
            code="integer_above_max_value",
        )
    return value


def _enum_field(fields: dict[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    """Check an enumerated form field."""
    value = fields.get(name, default)
    if value not in allowed:
        raise _ApiError(
            400,
            f"Invalid value: '{value}'. Supported values are: {_quote_list(allowed)}.",
            param=name,
            code="invalid_value",
        )
    return value


def _num(value: Any) -> str:
    """Render 1.0 as "1" and 0.5 as "0.5" for headers and messages."""
    f = float(value)
    return str(int(f)) if f.is_integer() else str(f)


def _usage(params: dict[str, Any], image_count: int, *, with_output_details: bool) -> dict[str, Any]:
    """Plausible token usage, deterministic for a given request."""
    text_tokens = max(1, len(params["prompt"]) // 4)
    image_tokens = 194 * image_count
    w, h = params["size"]
    output_tokens = max(1, (w * h) // 4096) * params["n"]
    usage: dict[str, Any] = {
        "input_tokens": text_tokens + image_tokens,
        "input_tokens_details": {"image_tokens": image_tokens, "text_tokens": text_tokens},
        "output_tokens": output_tokens,
        "total_tokens": text_tokens + image_tokens + output_tokens,
    }
    if with_output_details:
        usage["output_tokens_details"] = {"image_tokens": output_tokens, "text_tokens": 0}
    return usage


def _sse(event: str, data: str) -> bytes:
    """One server-sent event."""
    return f"event: {event}\ndata: {data}\n\n".encode()


def _malformed_response(variant: str, request_id: str) -> web.Response:
    """A 200 whose body breaks the contract in the requested way."""
    headers = {"x-request-id": request_id}
    if variant == "no_data":
        return web.json_response({"created": int(time.time())}, headers=headers)
    if variant == "empty_data":
        return web.json_response({"created": int(time.time()), "data": []}, headers=headers)
    if variant == "no_b64":
        return web.json_response({"created": int(time.time()), "data": [{"url": None}]}, headers=headers)
    if variant == "bad_b64":
        return web.json_response({"created": int(time.time()), "data": [{"b64_json": "not base64!"}]}, headers=headers)
    if variant == "not_image":
        junk = base64.b64encode(b"definitely not an image").decode()
        return web.json_response({"created": int(time.time()), "data": [{"b64_json": junk}]}, headers=headers)
    if variant == "html":
        return web.Response(text="<html>oops</html>", content_type="text/html", headers=headers)
    return web.Response(text='{"created": 1, "data": [', content_type="application/json", headers=headers)


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started FakeOpenAI, stopped after the test."""
    with FakeOpenAI() as fake:
        yield fake


def main() -> None:
    """Run the fake in the foreground (for manual runs or a separate process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    fake = FakeOpenAI(host=args.host, port=args.port, delay=args.delay)
    print(fake.start(), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
