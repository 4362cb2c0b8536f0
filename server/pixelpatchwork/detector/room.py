"""Scoring a room's images with a detector checkpoint, for the analytics page.

Every finished image of a room (seeds and edits, status ``done`` with a stored picture) is
read from storage one at a time, decoded as the detector's data module does (EXIF
orientation, transparency on white, squashed to the checkpoint's input size), prepared
with the checkpoint's ablations and scored: P(ai).

The scores are stored without a schema change, as one JSON object in storage under
``rooms/<room id>/detector-scores.json`` (replaced by every new scoring)::

    {"format": "pixelpatchwork-detector-scores", "format_version": 1, "scored_at": ms,
     "checkpoint": {"name", "sha256", "created", "ablations", "size"},
     "images": n, "scores": {"<image id>": p_ai}, "skipped": [{"id", "reason"}]}

Both ``POST /api/host/rooms/<slug>/detector-scores`` and ``pixelpatchwork detector score``
write it; ``GET /api/host/rooms/<slug>/analytics`` reads it. This module imports without
PyTorch; ``Scorer.load`` needs it.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Image, Room
from ..storage import Storage, StorageError
from . import DetectorError

log = logging.getLogger(__name__)

FORMAT = "pixelpatchwork-detector-scores"
FORMAT_VERSION = 1


def scores_key(room_id: int) -> str:
    return f"rooms/{room_id}/detector-scores.json"


def torch_available() -> bool:
    """Whether PyTorch imports (the first import takes a while: call it off the event loop)."""
    try:
        import torch  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


@dataclass(frozen=True)
class RoomImage:
    id: int
    kind: str
    key: str


async def finished_images(session: AsyncSession, room: Room) -> list[RoomImage]:
    """The room's finished seeds and edits that have a stored picture, in id order."""
    rows = await session.execute(
        select(Image.id, Image.kind, Image.result_key)
        .where(Image.room_id == room.id, Image.status == "done", Image.result_key.is_not(None))
        .order_by(Image.id)
    )
    return [RoomImage(image_id, kind, key) for image_id, kind, key in rows]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Scorer:
    """A loaded checkpoint that scores pictures given as bytes. Needs PyTorch."""

    def __init__(self, path: Path, loaded: Any, sha256: str) -> None:
        self.path = path
        self.loaded = loaded
        self.sha256 = sha256

    @classmethod
    def load(cls, path: Path | str) -> Scorer:
        """Read and check the checkpoint: DetectorError (one line) when it is missing or unusable."""
        from . import checkpoint

        path = Path(path)
        loaded = checkpoint.load(path)
        return cls(path, loaded, _sha256(path))

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.path.name,
            "sha256": self.sha256,
            "created": self.loaded.info.get("created"),
            "ablations": self.loaded.ablations.describe(),
            "size": self.loaded.size,
        }

    def score(self, data: bytes) -> float:
        """P(ai) of one picture; DetectorError when it cannot be decoded."""
        import numpy as np

        from .augment import prepare
        from .data import load_image
        from .model import predict

        try:
            picture = load_image(io.BytesIO(data), self.loaded.size)  # type: ignore[arg-type]
        except DetectorError as exc:
            raise DetectorError(str(exc).split(": ", 1)[-1]) from exc
        array = prepare(np.asarray(picture, dtype=np.uint8), self.loaded.ablations)
        return float(predict(self.loaded.model, [array])[0])


@dataclass
class RoomScores:
    checkpoint: dict[str, Any]
    scored_at: int
    scores: dict[int, float] = field(default_factory=dict)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "scored_at": self.scored_at,
            "checkpoint": self.checkpoint,
            "images": len(self.scores),
            "scores": {str(image_id): round(p, 6) for image_id, p in sorted(self.scores.items())},
            "skipped": self.skipped,
        }


async def score_images(
    storage: Storage,
    images: list[RoomImage],
    scorer: Scorer,
    run: Callable[[Callable[[bytes], float], bytes], Any],
    *,
    scored_at: int | None = None,
    progress: Callable[[RoomImage], None] | None = None,
) -> RoomScores:
    """Score each image, reading one picture at a time from storage. ``run(score, data)``
    awaits the scoring (in a worker thread for the web app). Pictures that are missing from
    storage or cannot be decoded are skipped with the reason."""
    result = RoomScores(checkpoint=scorer.describe(), scored_at=int(time.time() * 1000) if scored_at is None else scored_at)
    for image in images:
        try:
            data = await storage.get(image.key)
            result.scores[image.id] = await run(scorer.score, data)
        except StorageError as exc:
            result.skipped.append({"id": image.id, "reason": f"missing from storage ({exc})"})
        except DetectorError as exc:
            result.skipped.append({"id": image.id, "reason": str(exc)})
        if progress is not None:
            progress(image)
    return result


async def save_scores(storage: Storage, room_id: int, scores: RoomScores) -> str:
    key = scores_key(room_id)
    text = json.dumps(scores.as_dict(), separators=(",", ":"))
    await storage.put(key, text.encode("utf-8"), "application/json")
    return key


async def load_scores(storage: Storage, room_id: int) -> dict[str, Any] | None:
    """The stored scores of a room, or None when it was never scored (or the file is unusable)."""
    key = scores_key(room_id)
    try:
        raw = await storage.get(key)
    except StorageError:
        return None
    try:
        stored = json.loads(raw)
    except ValueError:
        log.warning("%s is not JSON; ignored", key)
        return None
    if not isinstance(stored, dict) or stored.get("format") != FORMAT or not isinstance(stored.get("scores"), dict):
        log.warning("%s is not a detector scores file; ignored", key)
        return None
    return stored
