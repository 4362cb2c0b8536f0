"""Detector checkpoints: the weights with everything needed to use and judge them.

A checkpoint is one ``torch.save`` file holding a dict of plain values and tensors (so it
loads with ``weights_only=True``, which runs no pickled code):

- ``format`` ("pixelpatchwork-detector") and ``format_version``;
- ``classes`` (["human", "ai"]), ``model`` (ModelConfig: input size, width, dropout),
  ``ablations`` (grayscale, watermark, jpeg, noise), ``training`` (epochs, batch size,
  learning rate, weight decay, held-out fraction, patience, seed);
- ``state_dict``; ``history`` (per-epoch losses and accuracy), ``best_epoch``,
  ``stopped_early``, ``validation`` (held-out accuracy, AUC, loss, per source), ``data``
  (sources, folders and counts);
- ``versions`` (pixelpatchwork, torch, numpy, Pillow, Python) and ``created`` (UTC).

It is written to a temporary file next to the target and renamed into place, so a failed
or interrupted save leaves no partial checkpoint.
"""

from __future__ import annotations

import os
import pickle
import platform
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import PIL
import torch

from . import CLASSES, DetectorError
from .augment import Ablations
from .model import Detector, ModelConfig

FORMAT = "pixelpatchwork-detector"
FORMAT_VERSION = 1


def versions() -> dict[str, str]:
    try:
        own = metadata.version("pixelpatchwork")
    except metadata.PackageNotFoundError:
        own = "unknown"
    return {
        "pixelpatchwork": own,
        "torch": str(torch.__version__),
        "numpy": str(np.__version__),
        "pillow": str(PIL.__version__),
        "python": platform.python_version(),
    }


def save(path: Path, model: Detector, ablations: Ablations, **info: Any) -> None:
    """Write the checkpoint atomically (a temporary file in the same folder, then a rename)."""
    payload: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "classes": list(CLASSES),
        "model": model.config.as_dict(),
        "ablations": ablations.as_dict(),
        **info,
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "versions": versions(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(payload, temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _first_line(exc: BaseException) -> str:
    """The telling line of an exception's message, shortened (torch's are many lines long)."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(exc).splitlines()]
    lines = [line for line in lines if line] or [type(exc).__name__]
    telling = next((line for line in lines if "error:" in line.lower()), lines[0])
    return telling if len(telling) <= 200 else telling[:197] + "..."


@dataclass
class Loaded:
    """A checkpoint read back: the network in evaluation mode, and the rest of the file."""

    model: Detector
    ablations: Ablations
    info: dict[str, Any]

    @property
    def size(self) -> int:
        return self.model.config.size


def load(path: Path | str) -> Loaded:
    """Read and check a checkpoint; DetectorError (one line) when it is missing or unusable."""
    path = Path(path)
    if not path.exists():
        raise DetectorError(f"there is no checkpoint at {path}")
    if not path.is_file():
        raise DetectorError(f"{path} is not a checkpoint file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, zipfile.BadZipFile, OSError, AttributeError) as exc:
        raise DetectorError(f"{path} is not a detector checkpoint (it could not be read: {_first_line(exc)})") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise DetectorError(f"{path} is not a detector checkpoint (no '{FORMAT}' format mark)")
    version = payload.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise DetectorError(
            f"{path} is a detector checkpoint of format {version!r}, newer than this PixelPatchwork reads "
            f"({FORMAT_VERSION}); update PixelPatchwork"
        )
    if list(payload.get("classes", [])) != list(CLASSES):
        raise DetectorError(f"{path} has classes {payload.get('classes')!r}, not {list(CLASSES)!r}")
    try:
        config = ModelConfig(**payload["model"])
        model = Detector(config)
        model.load_state_dict(payload["state_dict"], strict=True)
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise DetectorError(f"{path} does not fit this detector's network ({_first_line(exc)})") from exc
    model.eval()
    ablations = Ablations.from_dict(payload.get("ablations", {}))
    info = {k: v for k, v in payload.items() if k != "state_dict"}
    return Loaded(model=model, ablations=ablations, info=info)
