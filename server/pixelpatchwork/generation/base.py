"""The provider interface. Adding a provider means one module with one class implementing it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

# Called with progress in 0..1 and an optional preview image of the work so far.
ProgressCallback = Callable[[float, Image.Image | None], Awaitable[None]]


@dataclass(frozen=True)
class EditRequest:
    seed: Image.Image  # RGB, the seed at its real size
    mask: Image.Image  # L, 255 where the model repaints
    prompt: str
    participant_hash: str  # a stable, non-reversible id of the author (OpenAI's safety_identifier)


@dataclass(frozen=True)
class SketchRequest:
    """Paint a picture from a sketch round's label map."""

    label_map: Image.Image  # P (indexed by label id, palette = label colours), at the picture's size
    prompt: str  # the instructions for the model, built from the labels present and the room's style line
    participant_hash: str


@dataclass
class EditResult:
    image: Image.Image  # the provider's picture; the pipeline composites it onto the seed
    model: str | None
    details: dict[str, Any] = field(default_factory=dict)


class GenerationError(Exception):
    """A generation that did not produce an image.

    `retryable` errors (rate limits, server errors, timeouts) are tried again with backoff;
    the others fail the edit at once with `message`, which is shown to the author.
    """

    def __init__(self, message: str, *, retryable: bool, code: str = "generation_failed") -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.code = code


class Provider(ABC):
    name: str
    model: str | None
    quality: str | None = None
    # Whether the model needs some of the seed left unpainted to work from.
    needs_context: bool = True

    async def start(self) -> None:
        """Open clients (once per process)."""

    async def close(self) -> None:
        """Close clients."""

    @abstractmethod
    async def edit(self, request: EditRequest, progress: ProgressCallback) -> EditResult:
        """Repaint the masked area of the seed after the prompt."""

    @abstractmethod
    async def paint(self, request: SketchRequest, progress: ProgressCallback) -> EditResult:
        """Paint a whole picture whose regions follow the label map."""
