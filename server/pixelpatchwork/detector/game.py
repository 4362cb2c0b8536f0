"""The detector's guess on one picture of the "AI or human?" game, with its Grad-CAM heatmap.

Called in a worker thread when a facilitator starts a game item (``POST
/api/host/rooms/<slug>/game/items``): the checkpoint of ``DETECTOR_CHECKPOINT`` scores the
picture exactly as ``pixelpatchwork detector score`` does, and Grad-CAM for the class the
detector predicts shows where it found its evidence, blended over the picture. Imports
without PyTorch; ``judge`` needs it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .. import imaging

HEATMAP_MAX_SIDE = 768


@dataclass(frozen=True)
class Verdict:
    p_ai: float  # the detector's P(ai), 0..1
    guess: str  # "ai" when p_ai >= 0.5, else "human"
    checkpoint: str  # the checkpoint's file name and the start of its SHA-256
    heatmap_png: bytes  # Grad-CAM of the guessed class over the picture


def judge(checkpoint_path: Path | str, picture: Image.Image) -> Verdict:
    """Score `picture` and explain the guess. DetectorError (one line) when the checkpoint
    is missing or unusable; ImportError without PyTorch."""
    import numpy as np
    import torch

    from .augment import prepare
    from .data import load_image
    from .gradcam import grad_cam, overlay
    from .room import Scorer

    torch.set_num_threads(1)
    scorer = Scorer.load(checkpoint_path)
    loaded = scorer.loaded
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    # Decoded as the detector's data module decodes files, so the score is the one
    # `pixelpatchwork detector score` would give this picture.
    squashed = load_image(io.BytesIO(buffer.getvalue()), loaded.size)  # type: ignore[arg-type]
    prepared = prepare(np.asarray(squashed, dtype=np.uint8), loaded.ablations)
    first = grad_cam(loaded.model, prepared, "ai")
    p_ai = first.scores["ai"]
    guess = "ai" if p_ai >= 0.5 else "human"
    explanation = first if guess == "ai" else grad_cam(loaded.model, prepared, guess)
    shown = picture.convert("RGB")
    shown.thumbnail((HEATMAP_MAX_SIDE, HEATMAP_MAX_SIDE))
    heatmap = overlay(shown, explanation.cam)
    return Verdict(
        p_ai=float(p_ai), guess=guess, checkpoint=f"{scorer.path.name} ({scorer.sha256[:12]})",
        heatmap_png=imaging.encode_png(heatmap),
    )
