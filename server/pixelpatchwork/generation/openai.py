"""OpenAI image edits with a mask (GPT image models), streaming partial images as previews."""

from __future__ import annotations

import base64
import binascii
import io
import json
import time

import openai
from openai.types import ImagesResponse
from PIL import Image, UnidentifiedImageError

from .. import imaging
from ..settings import Settings
from .base import EditRequest, EditResult, GenerationError, ProgressCallback, Provider, SketchRequest

SAFETY_MESSAGE = (
    "The image model's safety system refused this request. Try a different prompt or a different area; "
    "this attempt does not count against your quota."
)


class OpenAIProvider(Provider):
    name = "openai"

    def __init__(self, settings: Settings) -> None:
        assert settings.openai_api_key is not None, "OPENAI_API_KEY is required for the openai generator"
        self.settings = settings
        self.model = settings.openai_model
        self.quality = settings.openai_quality
        self._client: openai.AsyncOpenAI | None = None

    async def start(self) -> None:
        # Retries are the job queue's business (durable, with backoff), not the client's.
        self._client = openai.AsyncOpenAI(
            api_key=self.settings.openai_api_key.get_secret_value(),  # type: ignore[union-attr]
            base_url=self.settings.openai_base_url,
            max_retries=0,
            timeout=self.settings.openai_timeout_s,
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def edit(self, request: EditRequest, progress: ProgressCallback) -> EditResult:
        seed_png = imaging.encode_png(request.seed.convert("RGB"))
        mask_png = imaging.to_openai_mask(request.mask)
        return await self._edit(
            progress,
            image=("seed.png", seed_png, "image/png"),
            mask=("mask.png", mask_png, "image/png"),
            prompt=request.prompt,
            safety_identifier=request.participant_hash,
        )

    async def paint(self, request: SketchRequest, progress: ProgressCallback) -> EditResult:
        # The label map in its label colours is the input picture; the prompt says which colour
        # is which thing. Without a mask the model repaints the whole picture.
        sketch_png = imaging.encode_png(request.label_map.convert("RGB"))
        return await self._edit(
            progress,
            image=("sketch.png", sketch_png, "image/png"),
            prompt=request.prompt,
            safety_identifier=request.participant_hash,
        )

    async def _edit(self, progress: ProgressCallback, **request: object) -> EditResult:
        """One images.edit call (streamed when partial images are on), its errors made GenerationErrors."""
        if self._client is None:
            await self.start()
        assert self._client is not None
        partials = self.settings.openai_partial_images
        started = time.perf_counter()
        common = dict(
            **request,
            model=self.model,
            n=1,
            size="auto",
            quality=self.settings.openai_quality,
            output_format="png",
        )
        try:
            if partials:
                b64, usage = await self._stream(common, partials, progress)
            else:
                response = await self._client.images.edit(**common)  # type: ignore[arg-type]
                if not isinstance(response, ImagesResponse):
                    # A 200 that is not JSON (a gateway's HTML page): the client hands back its text.
                    raise GenerationError("the image model's answer was malformed", retryable=True, code="malformed")
                if not response.data or not response.data[0].b64_json:
                    raise GenerationError("the image model answered without an image", retryable=True, code="malformed")
                b64, usage = response.data[0].b64_json, response.usage
        except openai.BadRequestError as exc:
            raise _bad_request(exc) from exc
        except openai.RateLimitError as exc:
            raise GenerationError("the image model is busy (rate limited)", retryable=True, code="rate_limited") from exc
        except openai.APITimeoutError as exc:
            raise GenerationError("the image model did not answer in time", retryable=True, code="timeout") from exc
        except openai.APIConnectionError as exc:
            raise GenerationError("the image model could not be reached", retryable=True, code="unreachable") from exc
        except openai.InternalServerError as exc:
            raise GenerationError("the image model had a server error", retryable=True, code="server_error") from exc
        except openai.AuthenticationError as exc:
            raise GenerationError("the server's OpenAI key was refused; tell the facilitator", retryable=False, code="auth") from exc
        except openai.APIStatusError as exc:
            raise GenerationError(f"the image model refused the request ({exc.status_code})", retryable=exc.status_code >= 500) from exc
        except (openai.APIResponseValidationError, json.JSONDecodeError) as exc:
            raise GenerationError("the image model's answer was malformed", retryable=True, code="malformed") from exc
        except openai.APIError as exc:
            # An error event in the middle of a stream: moderation is final, the rest may pass.
            if "moderation" in str(getattr(exc, "code", "") or "") or "safety" in str(exc.message):
                raise GenerationError(SAFETY_MESSAGE, retryable=False, code="safety_rejected") from exc
            raise GenerationError("the image model stopped with an error", retryable=True, code="stream_error") from exc
        image = _decode(b64)
        details = {
            "seconds": round(time.perf_counter() - started, 3),
            "quality": self.settings.openai_quality,
            "size": f"{image.width}x{image.height}",
        }
        if usage is not None:
            details["usage"] = usage.model_dump() if hasattr(usage, "model_dump") else usage
        return EditResult(image=image, model=self.model, details=details)

    async def _stream(self, common: dict, partials: int, progress: ProgressCallback):  # type: ignore[no-untyped-def]
        assert self._client is not None
        stream = await self._client.images.edit(**common, stream=True, partial_images=partials)  # type: ignore[arg-type]
        final_b64, usage = None, None
        async for event in stream:
            if event.type == "image_edit.partial_image":
                preview = _decode(event.b64_json)
                await progress((event.partial_image_index + 1) / (partials + 1), preview)
            elif event.type == "image_edit.completed":
                final_b64, usage = event.b64_json, getattr(event, "usage", None)
        if not final_b64:
            raise GenerationError("the image model's stream ended without an image", retryable=True, code="malformed")
        return final_b64, usage


def _bad_request(exc: openai.BadRequestError) -> GenerationError:
    code = getattr(exc, "code", None) or ""
    if "moderation" in code or "safety" in code or "content_policy" in code:
        return GenerationError(SAFETY_MESSAGE, retryable=False, code="safety_rejected")
    body = exc.body if isinstance(exc.body, dict) else {}
    message = body.get("message") or str(exc)
    return GenerationError(f"the image model refused the request: {message}", retryable=False, code="rejected")


def _decode(b64: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(base64.b64decode(b64)))
        image.load()
    except (binascii.Error, UnidentifiedImageError, OSError, ValueError) as exc:
        raise GenerationError("the image model returned an unreadable image", retryable=True, code="malformed") from exc
    return image.convert("RGB")
