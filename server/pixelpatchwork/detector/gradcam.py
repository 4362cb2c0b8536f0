"""Class-aware Grad-CAM (Selvaraju et al., 2017) on the detector's last convolution.

For the chosen class c, the gradient of c's logit with respect to the last convolution's
activations A_k, averaged over the map, weighs each channel: cam = ReLU(sum_k w_k^c A_k).
The logit of the *chosen* class is differentiated, so "ai" and "human" give different maps
(each shows the evidence for its class); the class-agnostic method of the original
experiment showed the same map whatever target it was given. Implemented with a forward
hook on ``model.last_conv`` and a gradient hook on its output, with no extra library.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from . import CLASSES
from .model import Detector, to_tensor


@dataclass(frozen=True)
class Explanation:
    target: str  # the class whose evidence the map shows
    scores: dict[str, float]  # the model's probability of each class
    cam: np.ndarray  # (size, size) float32 in 0..1 at the model's input resolution
    raw_peak: float  # the largest value before normalisation; 0 means no evidence for the target


def grad_cam(model: Detector, image: np.ndarray, target: str) -> Explanation:
    """The Grad-CAM map of one prepared (size, size, 3) uint8 image for class ``target``."""
    if target not in CLASSES:
        raise ValueError(f"the target class must be one of {', '.join(CLASSES)}, not {target!r}")
    captured: dict[str, torch.Tensor] = {}

    def keep_gradient(grad: torch.Tensor) -> None:
        captured["gradient"] = grad.detach()

    def forward_hook(module: torch.nn.Module, inputs: object, output: torch.Tensor) -> None:
        captured["activation"] = output.detach()
        output.register_hook(keep_gradient)

    handle = model.last_conv.register_forward_hook(forward_hook)
    was_training = model.training
    model.eval()
    try:
        x = to_tensor([image]).requires_grad_(True)
        with torch.enable_grad():
            logits = model(x)
            model.zero_grad(set_to_none=True)
            logits[0, CLASSES.index(target)].backward()
    finally:
        handle.remove()
        model.train(was_training)
    activation, gradient = captured["activation"][0], captured["gradient"][0]  # (C, h, w)
    weights = gradient.mean(dim=(1, 2))
    cam = torch.relu((weights[:, None, None] * activation).sum(dim=0))
    peak = float(cam.max())
    cam = cam / peak if peak > 0 else torch.zeros_like(cam)
    size = image.shape[0]
    upsampled = torch.nn.functional.interpolate(cam[None, None], size=(size, image.shape[1]), mode="bilinear", align_corners=False)[0, 0]
    probabilities = torch.softmax(logits.detach()[0], dim=0).tolist()
    return Explanation(
        target=target,
        scores={name: float(p) for name, p in zip(CLASSES, probabilities, strict=True)},
        cam=upsampled.clamp(0, 1).numpy().astype(np.float32),
        raw_peak=peak,
    )


def colormap(values: np.ndarray) -> np.ndarray:
    """A jet-like colour map: 0..1 floats (H, W) to uint8 RGB (H, W, 3), dark blue to red."""
    v = np.clip(values, 0.0, 1.0)
    r = np.clip(1.5 - np.abs(4.0 * v - 3.0), 0.0, 1.0)
    g = np.clip(1.5 - np.abs(4.0 * v - 2.0), 0.0, 1.0)
    b = np.clip(1.5 - np.abs(4.0 * v - 1.0), 0.0, 1.0)
    return (np.stack([r, g, b], axis=-1) * 255.0 + 0.5).astype(np.uint8)


def overlay(original: Image.Image, cam: np.ndarray, alpha: float = 0.5) -> Image.Image:
    """The heatmap, stretched to the original picture's size, blended over it; the blend is
    weighted by the map itself so that regions without evidence stay visible."""
    heat = Image.fromarray((np.clip(cam, 0, 1) * 255.0 + 0.5).astype(np.uint8))
    heat = heat.resize(original.size, Image.Resampling.BILINEAR)
    values = np.asarray(heat, dtype=np.float32) / 255.0
    colours = colormap(values).astype(np.float32)
    base = np.asarray(original.convert("RGB"), dtype=np.float32)
    weight = (alpha * (0.35 + 0.65 * values))[..., None]
    return Image.fromarray((base * (1.0 - weight) + colours * weight + 0.5).clip(0, 255).astype(np.uint8))


def save_png(image: Image.Image, path: Path) -> None:
    """Write a PNG through a temporary file in the same folder, so no partial file is left."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        image.save(temporary, format="PNG")
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def mass_inside(cam: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Share of the map's total inside box (left, top, right, bottom), in map pixels; the box
    is clipped to the map."""
    total = float(cam.sum())
    if total <= 0:
        return 0.0
    left, top = max(0, box[0]), max(0, box[1])
    right, bottom = min(cam.shape[1], box[2]), min(cam.shape[0], box[3])
    return float(cam[top:bottom, left:right].sum()) / total
