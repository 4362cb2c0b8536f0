"""The fake OpenAI Images API, exercised with the real openai client."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import openai
import pytest
from openai import AsyncOpenAI, OpenAI
from PIL import Image

from tests.fakes.openai_server import FakeOpenAI

# Also provides the fake_openai fixture before (or without) the root conftest loading it.
pytest_plugins = ["tests.fakes.openai_server"]

REPO_ROOT = Path(__file__).resolve().parents[2]
W, H = 64, 48
HOLE = (8, 8, 24, 20)  # left, top, right, bottom of the mask's transparent (edit) area
SEED_COLOUR = (200, 40, 10, 255)


def png(img: Image.Image) -> bytes:
    """Encode as PNG."""
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def seed_png(size: tuple[int, int] = (W, H)) -> bytes:
    """A flat-coloured seed image."""
    return png(Image.new("RGBA", size, SEED_COLOUR))


def mask_png(size: tuple[int, int] = (W, H)) -> bytes:
    """An opaque mask with a fully transparent hole at HOLE."""
    mask = Image.new("RGBA", size, (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), HOLE)
    return png(mask)


def decode_b64(b64: str) -> Image.Image:
    """Decode a b64_json image."""
    return Image.open(io.BytesIO(base64.b64decode(b64)))


def client(fake: FakeOpenAI, **kwargs: object) -> AsyncOpenAI:
    """An async client pointed at the fake, retries off unless asked."""
    kwargs.setdefault("max_retries", 0)
    return AsyncOpenAI(api_key="test", base_url=fake.base_url, **kwargs)  # type: ignore[arg-type]


async def edit(fake: FakeOpenAI, args: dict[str, object], **client_kwargs: object) -> Any:
    """Run one non-streaming images.edit through a client that is closed afterwards."""
    async with client(fake, **client_kwargs) as c:
        return await c.images.edit(**args)  # type: ignore[call-overload]


def edit_args(**overrides: object) -> dict[str, object]:
    """Typical arguments for images.edit with a mask."""
    args: dict[str, object] = {
        "model": "gpt-image-1.5",
        "prompt": "a red kite",
        "image": ("seed.png", seed_png(), "image/png"),
        "mask": ("mask.png", mask_png(), "image/png"),
    }
    args.update(overrides)
    return args


@pytest.mark.asyncio
async def test_edit_returns_image_of_input_size_edited_inside_the_hole(fake_openai: FakeOpenAI) -> None:
    """Non-streaming: ImagesResponse with a same-size PNG inverted only where the mask is transparent."""
    resp = await edit(fake_openai, edit_args())

    assert resp.data is not None and len(resp.data) == 1
    out = decode_b64(resp.data[0].b64_json or "")
    assert out.format == "PNG"
    assert out.size == (W, H)
    inverted = (255 - SEED_COLOUR[0], 255 - SEED_COLOUR[1], 255 - SEED_COLOUR[2], 255)
    assert out.convert("RGBA").getpixel((HOLE[0], HOLE[1])) == inverted
    assert out.convert("RGBA").getpixel((HOLE[2] - 1, HOLE[3] - 1)) == inverted
    assert out.convert("RGBA").getpixel((HOLE[2], HOLE[3])) == SEED_COLOUR
    assert out.convert("RGBA").getpixel((0, 0)) == SEED_COLOUR
    assert resp.size == f"{W}x{H}"
    assert resp.output_format == "png"
    assert resp.usage is not None and resp.usage.total_tokens == resp.usage.input_tokens + resp.usage.output_tokens


@pytest.mark.asyncio
async def test_requests_are_recorded(fake_openai: FakeOpenAI) -> None:
    """The fake records form fields, files, sizes and headers."""
    await edit(fake_openai, edit_args(n=2, quality="low", safety_identifier="user-7"))

    (req,) = fake_openai.requests
    assert req.path == "/v1/images/edits"
    assert req.authorization == "Bearer test"
    assert req.model == "gpt-image-1.5"
    assert req.prompt == "a red kite"
    assert req.fields["n"] == "2"
    assert req.fields["quality"] == "low"
    assert req.fields["safety_identifier"] == "user-7"
    assert req.image_sizes == [(W, H)]
    assert req.mask_size == (W, H)
    assert req.images[0].content_type == "image/png"
    assert req.images[0].filename == "seed.png"
    assert req.mask is not None and req.mask.data == mask_png()
    assert req.stream is False
    assert req.retry_count == 0
    assert (req.kind, req.status) == ("ok", 200)


@pytest.mark.asyncio
async def test_streaming_yields_partials_then_completed(fake_openai: FakeOpenAI) -> None:
    """stream=True: partial_image events in order, then image_edit.completed with usage."""
    async with client(fake_openai) as c:
        stream = await c.images.edit(**edit_args(stream=True, partial_images=2))  # type: ignore[call-overload]
        events = [event async for event in stream]

    assert [e.type for e in events] == ["image_edit.partial_image", "image_edit.partial_image", "image_edit.completed"]
    assert [e.partial_image_index for e in events[:2]] == [0, 1]  # type: ignore[union-attr]
    completed = events[-1]
    assert completed.usage.input_tokens > 0  # type: ignore[union-attr]
    assert completed.size == f"{W}x{H}"
    final = decode_b64(completed.b64_json)
    assert final.size == (W, H)
    assert decode_b64(events[0].b64_json).tobytes() != final.tobytes()
    assert fake_openai.requests[0].fields["stream"] == "true"


@pytest.mark.asyncio
async def test_multiple_images_are_sent_as_image_brackets(fake_openai: FakeOpenAI) -> None:
    """A list of images goes out as repeated image[] parts; the mask applies to the first."""
    images = [("a.png", seed_png(), "image/png"), ("b.png", seed_png((32, 32)), "image/png")]
    await edit(fake_openai, edit_args(image=images))

    req = fake_openai.requests[0]
    assert [f.field for f in req.images] == ["image[]", "image[]"]
    assert req.image_sizes == [(W, H), (32, 32)]


@pytest.mark.asyncio
async def test_explicit_size_and_format_are_honoured(fake_openai: FakeOpenAI) -> None:
    """An explicit size decides the output size, like the real API; output_format is applied."""
    resp = await edit(fake_openai, edit_args(size="1024x1536", output_format="jpeg"))
    out = decode_b64(resp.data[0].b64_json)
    assert (out.format, out.size) == ("JPEG", (1024, 1536))


@pytest.mark.asyncio
async def test_rate_limit_raises_rate_limit_error(fake_openai: FakeOpenAI) -> None:
    """429 with retry-after and the rate_limit_exceeded body."""
    fake_openai.enqueue("rate_limit", retry_after=7)
    with pytest.raises(openai.RateLimitError) as exc_info:
        await edit(fake_openai, edit_args())

    err = exc_info.value
    assert err.status_code == 429
    assert err.code == "rate_limit_exceeded"
    assert err.response.headers["retry-after"] == "7"
    assert err.request_id is not None and err.request_id.startswith("req_")


@pytest.mark.asyncio
async def test_client_retries_after_rate_limit(fake_openai: FakeOpenAI) -> None:
    """With retries on, the client honours retry-after-ms and the next scripted answer succeeds."""
    fake_openai.enqueue("rate_limit", retry_after_ms=10)
    resp = await edit(fake_openai, edit_args(), max_retries=1)

    assert resp.data
    assert [(r.kind, r.retry_count) for r in fake_openai.requests] == [("rate_limit", 0), ("ok", 1)]
    assert fake_openai.pending == []


@pytest.mark.asyncio
async def test_server_error_raises_internal_server_error(fake_openai: FakeOpenAI) -> None:
    """500 with a server_error body."""
    fake_openai.enqueue("server_error")
    with pytest.raises(openai.InternalServerError) as exc_info:
        await edit(fake_openai, edit_args())
    assert exc_info.value.status_code == 500
    assert exc_info.value.type == "server_error"


@pytest.mark.asyncio
async def test_moderation_raises_bad_request_moderation_blocked(fake_openai: FakeOpenAI) -> None:
    """A safety-system rejection is a 400 with code moderation_blocked."""
    fake_openai.enqueue("moderation", categories=["violence"])
    with pytest.raises(openai.BadRequestError) as exc_info:
        await edit(fake_openai, edit_args())

    err = exc_info.value
    assert err.code == "moderation_blocked"
    assert err.type == "image_generation_user_error"
    assert "rejected by the safety system" in err.message
    assert isinstance(err.body, dict) and err.body["moderation_details"]["categories"] == ["violence"]


@pytest.mark.asyncio
async def test_mask_size_mismatch_is_400(fake_openai: FakeOpenAI) -> None:
    """The mask must match the image's size."""
    with pytest.raises(openai.BadRequestError) as exc_info:
        await edit(fake_openai, edit_args(mask=("mask.png", mask_png((W + 1, H)), "image/png")))
    assert exc_info.value.param == "mask"
    assert exc_info.value.type == "invalid_request_error"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"model": "dall-e-2"}, "model"),
        ({"image": seed_png()}, "image"),  # raw bytes go out as application/octet-stream
        ({"mask": ("mask.png", png(Image.new("RGBA", (W, H))), "image/jpeg")}, "mask"),
        ({"mask": ("mask.png", png(Image.new("RGB", (W, H))), "image/png")}, "mask"),
        ({"size": "640x480"}, "size"),
        ({"response_format": "b64_json"}, "response_format"),
        ({"partial_images": 4}, "partial_images"),
    ],
    ids=["unknown-model", "octet-stream", "mask-not-png", "mask-no-alpha", "size", "response_format", "partials"],
)
async def test_invalid_requests_are_rejected(fake_openai: FakeOpenAI, overrides: dict[str, object], param: str) -> None:
    """What the real API refuses, the fake refuses, naming the parameter."""
    fake_openai.enqueue("ok")
    with pytest.raises(openai.BadRequestError) as exc_info:
        await edit(fake_openai, edit_args(**overrides))
    assert exc_info.value.param == param
    # Rejected requests do not use up scripted behaviour.
    assert fake_openai.pending == ["ok"]
    assert fake_openai.requests[0].status == 400


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("headers", "fields", "status", "param"),
    [
        ({}, {"prompt": "x"}, 401, None),
        ({"Authorization": "Bearer test"}, {}, 400, "prompt"),
        ({"Authorization": "Bearer test"}, {"prompt": "x", "no_image": "1"}, 400, "image"),
    ],
    ids=["no-key", "no-prompt", "no-image"],
)
async def test_raw_requests_missing_parts(
    fake_openai: FakeOpenAI, headers: dict[str, str], fields: dict[str, str], status: int, param: str | None
) -> None:
    """Missing key, prompt or image, sent without the client's own checks."""
    form = aiohttp.FormData(default_to_multipart=True)
    for name, value in fields.items():
        if name != "no_image":
            form.add_field(name, value)
    if "no_image" not in fields:
        form.add_field("image", seed_png(), filename="seed.png", content_type="image/png")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake_openai.base_url}/images/edits", data=form, headers=headers) as resp,
    ):
        body = await resp.json()
    assert resp.status == status
    assert set(body["error"]) >= {"message", "type", "param", "code"}
    assert body["error"]["param"] == param


@pytest.mark.asyncio
async def test_timeout_kind_outlasts_client_timeout(fake_openai: FakeOpenAI) -> None:
    """The "timeout" kind hangs past the given seconds so the client times out."""
    fake_openai.enqueue("timeout", seconds=0.3)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        await edit(fake_openai, edit_args(), timeout=0.3)
    assert time.monotonic() - started < 1.2


@pytest.mark.asyncio
async def test_delay_kind_answers_ok_late(fake_openai: FakeOpenAI) -> None:
    """The "delay" kind answers normally after the given seconds."""
    fake_openai.enqueue("delay", seconds=0.3)
    started = time.monotonic()
    resp = await edit(fake_openai, edit_args())
    assert resp.data
    assert time.monotonic() - started >= 0.3


@pytest.mark.asyncio
async def test_global_delay_applies_to_every_request(fake_openai: FakeOpenAI) -> None:
    """FakeOpenAI.delay slows every request down."""
    fake_openai.delay = 0.2
    started = time.monotonic()
    await edit(fake_openai, edit_args())
    await edit(fake_openai, edit_args())
    assert time.monotonic() - started >= 0.4


@pytest.mark.asyncio
async def test_concurrent_requests_are_served_in_parallel(fake_openai: FakeOpenAI) -> None:
    """Delays overlap: the fake does not serialise requests."""
    fake_openai.enqueue("delay", seconds=0.4, times=3)
    started = time.monotonic()
    async with client(fake_openai) as c:
        results = await asyncio.gather(*(c.images.edit(**edit_args()) for _ in range(3)))  # type: ignore[call-overload]
    assert all(r.data for r in results)
    assert time.monotonic() - started < 1.0


@pytest.mark.asyncio
async def test_malformed_json_breaks_the_client(fake_openai: FakeOpenAI) -> None:
    """A 200 with a truncated JSON body surfaces as a JSON decode error, not an openai error."""
    fake_openai.enqueue("malformed")
    with pytest.raises(json.JSONDecodeError):
        await edit(fake_openai, edit_args())


@pytest.mark.asyncio
async def test_malformed_no_data_parses_to_none(fake_openai: FakeOpenAI) -> None:
    """A 200 without data parses, with data None: callers must check."""
    fake_openai.enqueue("malformed", variant="no_data")
    resp = await edit(fake_openai, edit_args())
    assert resp.data is None


@pytest.mark.asyncio
async def test_stream_error_event_raises_api_error(fake_openai: FakeOpenAI) -> None:
    """An error event mid-stream raises openai.APIError after the partials already sent."""
    fake_openai.enqueue("stream_error", after_partials=1, message="boom")
    seen: list[str] = []
    async with client(fake_openai) as c:
        stream = await c.images.edit(**edit_args(stream=True, partial_images=3))  # type: ignore[call-overload]
        with pytest.raises(openai.APIError, match="boom"):
            async for event in stream:
                seen.append(event.type)
    assert seen == ["image_edit.partial_image"]


def test_sync_client_and_other_processes_reach_it(fake_openai: FakeOpenAI) -> None:
    """The fake serves the sync client and a separate process over loopback."""
    with OpenAI(api_key="test", base_url=fake_openai.base_url, max_retries=0) as sync:
        resp = sync.images.edit(**edit_args())  # type: ignore[call-overload]
    assert resp.data

    code = (
        "import sys, urllib.request, urllib.error\n"
        "try:\n"
        "    urllib.request.urlopen(urllib.request.Request(sys.argv[1] + '/images/edits', data=b'', method='POST'))\n"
        "except urllib.error.HTTPError as e:\n"
        "    print(e.code)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, fake_openai.base_url], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "401"
    assert len(fake_openai.requests) == 2


def test_standalone_process_is_scriptable_over_http() -> None:
    """`python -m tests.fakes.openai_server` prints its base URL and obeys /_fake/* control calls."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai_server"], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        root = base_url.removesuffix("/v1")
        enqueue = json.dumps({"kind": "server_error", "opts": {"status": 503}}).encode()
        urllib.request.urlopen(urllib.request.Request(f"{root}/_fake/enqueue", data=enqueue, method="POST")).close()
        with (
            OpenAI(api_key="k", base_url=base_url, max_retries=0) as sync,
            pytest.raises(openai.InternalServerError) as exc_info,
        ):
            sync.images.edit(**edit_args())  # type: ignore[call-overload]
        assert exc_info.value.status_code == 503
        with urllib.request.urlopen(f"{root}/_fake/requests") as answer:
            recorded = json.load(answer)
        assert [(r["kind"], r["status"], r["mask"]["size"]) for r in recorded] == [("server_error", 503, [W, H])]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_stop_cuts_hanging_requests_short() -> None:
    """stop() returns promptly even while a request hangs in a "timeout"."""
    fake = FakeOpenAI()
    fake.start()
    fake.enqueue("timeout", seconds=30)
    with (
        OpenAI(api_key="test", base_url=fake.base_url, max_retries=0, timeout=0.2) as sync,
        pytest.raises(openai.APITimeoutError),
    ):
        sync.images.edit(**edit_args())  # type: ignore[call-overload]
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 5


def test_enqueue_rejects_unknown_kinds(fake_openai: FakeOpenAI) -> None:
    """Typos in scripted kinds fail loudly."""
    with pytest.raises(ValueError, match="unknown kind"):
        fake_openai.enqueue("rate-limit")
