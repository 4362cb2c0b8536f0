"""Edit masks as COCO segmentation annotations (pycocotools' run-length encoding).

Every annotation is compressed RLE, never a polygon: RLE keeps holes and single pixels, so
`pycocotools.mask.decode` gives back exactly the stored mask.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image as PILImage
from pycocotools import mask as mask_utils

CATEGORY = {"id": 1, "name": "edit", "supercategory": "edit"}


def mask_array(png: bytes) -> np.ndarray:
    """A stored mask PNG as a 0/1 uint8 array (rows x columns): 1 where the model repainted."""
    with PILImage.open(io.BytesIO(png)) as image:
        channel = image.getchannel("A") if image.mode in ("RGBA", "LA") else image.convert("L")
        return (np.asarray(channel) > 127).astype(np.uint8)


def encode(mask: np.ndarray) -> dict[str, Any]:
    """Compressed RLE of a 0/1 mask, JSON-ready: {"size": [height, width], "counts": str}."""
    rle = mask_utils.encode(np.asfortranarray(mask))
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": rle["counts"].decode("ascii")}


def segmentation(png: bytes) -> tuple[dict[str, Any], int, list[float]]:
    """The mask's RLE segmentation, its area in pixels and its bounding box [x, y, w, h]."""
    rle = encode(mask_array(png))
    binary = {"size": rle["size"], "counts": rle["counts"].encode("ascii")}
    area = int(mask_utils.area(binary))
    bbox = [float(v) for v in mask_utils.toBbox(binary)]
    return rle, area, bbox
