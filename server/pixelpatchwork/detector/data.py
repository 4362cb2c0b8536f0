"""Folders of images to labelled samples: every folder is one *source* (named after the
folder), every image in it has the folder's class. Images are read with Pillow, turned
upright by their EXIF orientation, flattened onto white when transparent and squashed to a
square of the model's input size (squashing keeps the corners, where watermarks sit).

Files that are not images (by suffix) and images Pillow cannot read are skipped and
reported; a folder without one readable image is an error. The held-out split is drawn per
source with a seeded generator, so the same folders and seed give the same split.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from . import CLASSES, DetectorError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
MAX_PIXELS = 64_000_000  # a larger image is reported as unreadable rather than decoded


@dataclass(frozen=True)
class Sample:
    """One image file with its class (0 human, 1 ai, as in CLASSES) and its source folder's name."""

    path: Path
    label: int
    source: str


@dataclass(frozen=True)
class Skipped:
    """A file that was left out, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class Collection:
    """The readable images of some folders, and the files that were skipped."""

    samples: list[Sample] = field(default_factory=list)
    images: list[np.ndarray] = field(default_factory=list)  # one (size, size, 3) uint8 array per sample
    folders: dict[str, Path] = field(default_factory=dict)  # source name -> its folder
    skipped: list[Skipped] = field(default_factory=list)

    def sources(self) -> list[str]:
        """Source names in the order their folders were given."""
        return list(dict.fromkeys(sample.source for sample in self.samples))

    def counts(self) -> dict[str, int]:
        return dict(Counter(CLASSES[sample.label] for sample in self.samples))

    def skipped_summary(self) -> str:
        """'3 files skipped (2 not images, 1 unreadable)' or ''."""
        if not self.skipped:
            return ""
        kinds = Counter("not images" if s.reason.startswith("not an image") else "unreadable" for s in self.skipped)
        parts = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        return f"{len(self.skipped)} file{'s' if len(self.skipped) != 1 else ''} skipped ({parts})"


def load_image(path: Path, size: int | None = None) -> Image.Image:
    """An RGB image from a file: EXIF orientation applied, transparency flattened onto white,
    squashed to size x size when size is given. Raises DetectorError when it cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise DetectorError(f"{path}: unreadable ({opened.width}x{opened.height} pixels, more than {MAX_PIXELS:,})")
                opened.seek(0)
                image = ImageOps.exif_transpose(opened)
                image.load()
    except DetectorError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        detail = "not an image file Pillow can open" if "cannot identify" in str(exc) else str(exc)
        raise DetectorError(f"{path}: unreadable ({detail})") from exc
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    if size is not None and image.size != (size, size):
        image = image.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=3.0)
    return image


def image_array(path: Path, size: int) -> np.ndarray:
    """load_image as a uint8 array of shape (size, size, 3)."""
    return np.asarray(load_image(path, size), dtype=np.uint8)


def source_names(folders: Sequence[Path]) -> list[str]:
    """Each folder's name; folders that share a name get as many parent folders as tell them
    apart (``sd15/ai`` and ``mj/ai``)."""
    parts = [folder.resolve().parts for folder in folders]
    depth = [1] * len(folders)
    while True:
        names = ["/".join(p[-d:]) for p, d in zip(parts, depth, strict=True)]
        repeated = {name for name, n in Counter(names).items() if n > 1}
        grown = False
        for k, name in enumerate(names):
            if name in repeated and depth[k] < len(parts[k]):
                depth[k] += 1
                grown = True
        if not repeated or not grown:
            return names


def _files(folder: Path) -> list[Path]:
    return sorted(
        path for path in folder.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def collect(
    ai: Iterable[Path | str],
    human: Iterable[Path | str],
    size: int,
    *,
    progress: Callable[[int], None] | None = None,
) -> Collection:
    """The images under the --ai and --human folders (recursively; hidden files left out),
    decoded at ``size`` x ``size`` into ``Collection.images``.

    ``progress(n)`` is told how many files were looked at. Raises DetectorError for a folder
    that is missing, is not a folder, is given twice or has no readable image.
    """
    ai_folders, human_folders = [Path(p) for p in ai], [Path(p) for p in human]
    folders = ai_folders + human_folders
    labels = [1] * len(ai_folders) + [0] * len(human_folders)
    resolved = [folder.resolve() for folder in folders]
    for folder, real in zip(folders, resolved, strict=True):
        if not folder.exists():
            raise DetectorError(f"there is no folder {folder}")
        if not folder.is_dir():
            raise DetectorError(f"{folder} is not a folder")
        if resolved.count(real) > 1:
            raise DetectorError(f"{folder} is given more than once (a folder is one source of one class)")
    result = Collection()
    for folder, label, source in zip(folders, labels, source_names(folders), strict=True):
        found = 0
        files = _files(folder)
        result.folders[source] = folder
        for path in files:
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                result.skipped.append(Skipped(path, f"not an image (suffix {path.suffix or 'none'})"))
            else:
                try:
                    array = image_array(path, size)
                except DetectorError as exc:
                    result.skipped.append(Skipped(path, str(exc).removeprefix(f"{path}: ")))
                else:
                    result.samples.append(Sample(path, label, source))
                    result.images.append(array)
                    found += 1
            if progress:
                progress(1)
        if found == 0:
            count = f"{len(files)} file{'s' if len(files) != 1 else ''}"
            what = "is empty" if not files else f"has no readable image ({count}, none usable)"
            raise DetectorError(f"the {CLASSES[label]} folder {folder} {what}")
    return result


def count_files(folders: Iterable[Path | str]) -> int:
    """How many files collect() will look at (for a progress bar's total); 0 for a missing folder."""
    return sum(len(_files(Path(f))) for f in folders if Path(f).is_dir())


def require_both_classes(samples: Sequence[Sample], minimum: int = 2) -> None:
    """DetectorError unless every class has at least ``minimum`` images."""
    counts = Counter(sample.label for sample in samples)
    for label, name in enumerate(CLASSES):
        if counts[label] < minimum:
            raise DetectorError(
                f"training needs at least {minimum} readable {name} images (found {counts[label]}): "
                "give at least one --ai and one --human folder"
            )


def split(samples: Sequence[Sample], val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices of the training and held-out samples.

    Each source keeps ``val_fraction`` of its images for validation (at least one when it has
    two or more), drawn with a generator seeded by ``seed``; both sets keep the input order.
    Raises DetectorError when a class would be missing from either set.
    """
    if not 0 < val_fraction < 1:
        raise DetectorError(f"the held-out fraction must be between 0 and 1, not {val_fraction}")
    rng = np.random.default_rng(seed)
    by_source: dict[str, list[int]] = {}
    for index, sample in enumerate(samples):
        by_source.setdefault(sample.source, []).append(index)
    held: set[int] = set()
    for indices in by_source.values():
        if len(indices) < 2:
            continue
        n_val = min(len(indices) - 1, max(1, round(len(indices) * val_fraction)))
        held.update(int(i) for i in rng.permutation(indices)[:n_val])
    train = [i for i in range(len(samples)) if i not in held]
    val = sorted(held)
    for part, name in ((train, "training"), (val, "held-out")):
        present = {samples[i].label for i in part}
        for label, cls in enumerate(CLASSES):
            if label not in present:
                raise DetectorError(f"the {name} set would have no {cls} image: give more images")
    return train, val
