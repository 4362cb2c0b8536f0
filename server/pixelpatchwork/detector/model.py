"""The detector's network: a small CNN with global average pooling and two logits.

Stages of 3x3 convolution, batch norm and ReLU halve the resolution (2x2 max pooling) until
the feature map is at most 16 pixels across (at least twice), then one more convolution at
that resolution, whose ReLU output (``model.last_conv``) is where Grad-CAM looks. Keeping a
single convolution after the last pooling keeps its receptive field small (18 pixels with
two poolings), so heatmaps stay local; global average pooling then gathers the evidence
from the whole picture (what global cues such as colour saturation need). The input size is
fixed per checkpoint, since inputs are resized to it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from . import CLASSES

MIN_SIZE, MAX_SIZE = 16, 1024


@dataclass(frozen=True)
class ModelConfig:
    """What it takes to rebuild the network (stored in checkpoints)."""

    size: int = 64  # input is size x size RGB
    width: int = 16  # channels of the first stage; doubled per stage up to 8 x width
    dropout: float = 0.2

    def __post_init__(self) -> None:
        if not MIN_SIZE <= self.size <= MAX_SIZE:
            raise ValueError(f"the input size must be between {MIN_SIZE} and {MAX_SIZE} pixels, not {self.size}")
        if not 4 <= self.width <= 128:
            raise ValueError(f"the width must be between 4 and 128 channels, not {self.width}")

    @property
    def pools(self) -> int:
        pools, side = 0, self.size
        while pools < 2 or side > 16:
            pools, side = pools + 1, side // 2
        return pools

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _block(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=False)]


class Detector(nn.Module):
    """Images (N, 3, size, size) in 0..1 to logits (N, 2) in CLASSES order (human, ai)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        layers: list[nn.Module] = []
        channels, c_in = config.width, 3
        for _ in range(config.pools):
            layers += _block(c_in, channels)
            layers.append(nn.MaxPool2d(2))
            c_in, channels = channels, min(channels * 2, config.width * 8)
        layers += _block(c_in, channels)
        self.features = nn.Sequential(*layers)
        self.last_conv = self.features[-1]  # the last ReLU: Grad-CAM's activations and gradients
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(config.dropout), nn.Linear(channels, len(CLASSES)))
        # Fixed centring and scaling of the 0..1 input: part of the network, no setting to store.
        self.register_buffer("mean", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor([0.25, 0.25, 0.25]).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features((x - self.mean) / self.std))


def to_tensor(images: list[np.ndarray] | np.ndarray) -> torch.Tensor:
    """uint8 arrays (N, H, W, 3) or a list of (H, W, 3) to a float tensor (N, 3, H, W) in 0..1."""
    batch = np.stack(images) if isinstance(images, list) else images
    return torch.from_numpy(np.ascontiguousarray(batch)).permute(0, 3, 1, 2).float().div_(255.0)


@torch.no_grad()
def predict(model: Detector, images: list[np.ndarray], batch_size: int = 128) -> np.ndarray:
    """P(ai) for each prepared image (float64 array), in evaluation mode."""
    was_training = model.training
    model.eval()
    try:
        scores = [
            torch.softmax(model(to_tensor(images[i : i + batch_size])), dim=1)[:, 1].double().numpy()
            for i in range(0, len(images), batch_size)
        ]
    finally:
        model.train(was_training)
    return np.concatenate(scores) if scores else np.zeros(0)
