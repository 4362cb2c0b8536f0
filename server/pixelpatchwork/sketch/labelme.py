"""labelme annotations into one COCO file whose categories are a sketch palette's labels.

`convert_folder` reads every `*.json` file directly in a folder (sorted by name; subfolders
are not searched) as a labelme file and makes one COCO image of each and one annotation of
each shape it can convert:

| labelme shape | COCO segmentation |
|---|---|
| `polygon` (3 points or more) | the polygon itself, unchanged |
| `rectangle` (2 corners) | the 4-corner polygon |
| `circle` (centre, point on the circle) | RLE of the disc as labelme draws it (Pillow's ellipse) |
| `mask` (2 box corners and a base64 PNG, as labelme 5 writes it) | RLE of the mask placed in its box |

Shapes of one file with the same label and the same `group_id` are one object in labelme
and become one annotation (polygons stay polygons; with a circle or a mask among them the
union is RLE). `area` is the pixel area pycocotools gives the segmentation, `bbox` its
tight box; `iscrowd` is 0.

Labels are matched to the palette's names and aliases case-insensitively, with `-`, `_`
and spaces alike (`Sky`, `sky_other` and `sky-other` are one label). Nothing is dropped
silently: every shape that cannot be converted (`line`, `linestrip`, `point`, an unknown
label, points off the image, too many points, a broken mask, nothing covered) and every
file that cannot be read (not JSON, not a labelme file, too large) is reported as a
`Problem` with the file, the shape's index and the reason.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from pycocotools import mask as mask_utils

from .labels import Label, LabelSet, Palette, load_labels, normalize_name

#: Largest labelme file read (labelme embeds the picture as base64 in `imageData`).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Largest image (width x height), as the app's MAX_IMAGE_PIXELS default.
MAX_IMAGE_PIXELS = 16_777_216
MAX_SHAPES_PER_FILE = 10_000
MAX_POINTS_PER_SHAPE = 10_000
SHAPE_TYPES = ("polygon", "rectangle", "circle", "mask")
NO_AREA = ("line", "linestrip", "point", "points")


class LabelmeInputError(Exception):
    """The input cannot be converted at all (no folder, no labelme files); the message says why."""


@dataclass(frozen=True)
class Problem:
    """Something that could not be converted: a whole file (`shape` None) or one of its shapes."""

    file: str
    reason: str
    shape: int | None = None
    label: str | None = None
    shape_type: str | None = None

    def __str__(self) -> str:
        if self.shape is None:
            return f"{self.file}: {self.reason}"
        what = " ".join(part for part in (self.shape_type, repr(self.label) if self.label is not None else None) if part)
        return f"{self.file} shape {self.shape}" + (f" ({what})" if what else "") + f": {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "shape": self.shape, "label": self.label, "shape_type": self.shape_type, "reason": self.reason}


@dataclass
class Conversion:
    """What convert_folder made: the COCO dict and the counts and problems for the report."""

    coco: dict[str, Any]
    palette: Palette
    files: int = 0
    images: int = 0
    shapes: int = 0
    converted: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def annotations(self) -> int:
        return len(self.coco["annotations"])

    @property
    def complete(self) -> bool:
        """True when every file and every shape was converted."""
        return not self.problems

    def summary(self) -> str:
        return (
            f"converted {self.images} of {self.files} labelme files ({self.converted} of {self.shapes} shapes) into "
            f"{self.images} images and {self.annotations} annotations with palette {self.palette.name!r}"
        )


class _Refused(Exception):
    """One shape or file cannot be converted; the message is the reason."""


@dataclass
class _Piece:
    index: int
    polygon: list[float] | None = None
    rle: dict[str, Any] | None = None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_labelme(path: Path) -> dict[str, Any]:
    """A labelme file's JSON object, its size and structure checked; _Refused says why not."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _Refused(f"the file is {size} bytes; at most {MAX_FILE_BYTES} are read")
        text = path.read_bytes().decode("utf-8-sig")
        data = json.loads(text, parse_constant=_no_constants)
    except UnicodeDecodeError as exc:
        raise _Refused(f"not UTF-8 text: {exc.reason}") from exc
    except ValueError as exc:
        raise _Refused(f"not valid JSON: {exc}") from exc
    except OSError as exc:
        raise _Refused(f"cannot be read: {exc.strerror or exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("shapes"), list):
        raise _Refused("not a labelme file: it has no 'shapes' list")
    width, height = data.get("imageWidth"), data.get("imageHeight")
    if not (isinstance(width, int) and isinstance(height, int)) or isinstance(width, bool) or isinstance(height, bool):
        raise _Refused("imageWidth and imageHeight must be whole numbers (labelme writes them)")
    if width < 1 or height < 1 or width * height > MAX_IMAGE_PIXELS:
        raise _Refused(f"the image is {width}x{height}; it must have 1 to {MAX_IMAGE_PIXELS} pixels")
    if len(data["shapes"]) > MAX_SHAPES_PER_FILE:
        raise _Refused(f"{len(data['shapes'])} shapes; at most {MAX_SHAPES_PER_FILE} per file are read")
    return data


def _points(raw: Any, width: int, height: int) -> list[tuple[float, float]]:
    if not isinstance(raw, list) or not raw:
        raise _Refused("points must be a non-empty list of [x, y] pairs")
    if len(raw) > MAX_POINTS_PER_SHAPE:
        raise _Refused(f"{len(raw)} points; at most {MAX_POINTS_PER_SHAPE} per shape are read")
    points = []
    for i, point in enumerate(raw):
        if not (isinstance(point, list) and len(point) == 2 and _number(point[0]) and _number(point[1])):
            raise _Refused(f"points[{i}] is not an [x, y] pair of numbers")
        x, y = float(point[0]), float(point[1])
        if not (0 <= x <= width and 0 <= y <= height):
            raise _Refused(f"points[{i}] = [{point[0]}, {point[1]}] lies outside the {width}x{height} image")
        points.append((x, y))
    return points


def _mask_piece(shape: dict[str, Any], points: list[tuple[float, float]], width: int, height: int) -> np.ndarray:
    if len(points) != 2:
        raise _Refused("a mask has 2 points (the corners of its box)")
    data = shape.get("mask")
    if not isinstance(data, str) or not data:
        raise _Refused("a mask shape needs its 'mask' (a base64 PNG)")
    x1, y1 = (int(v) for v in points[0])
    x2, y2 = (int(v) for v in points[1])
    if x2 < x1 or y2 < y1 or x2 >= width or y2 >= height:
        raise _Refused(f"the mask's box [{x1}, {y1}]-[{x2}, {y2}] does not lie within the {width}x{height} image")
    box_w, box_h = x2 - x1 + 1, y2 - y1 + 1
    try:
        png = base64.b64decode(data, validate=True)
        with Image.open(io.BytesIO(png)) as image:
            if image.format != "PNG":
                raise _Refused(f"the mask is a {image.format} image; labelme writes a PNG")
            if image.size != (box_w, box_h):
                raise _Refused(f"the mask is {image.width}x{image.height} but its box is {box_w}x{box_h}")
            mask = np.asarray(image.convert("L")) > 0
    except (binascii.Error, ValueError) as exc:
        raise _Refused("the mask is not valid base64") from exc
    except (OSError, Image.DecompressionBombError) as exc:
        raise _Refused(f"the mask is not a readable PNG: {exc}") from exc
    full = np.zeros((height, width), dtype=bool)
    full[y1 : y2 + 1, x1 : x2 + 1] = mask
    return full


def _circle(points: list[tuple[float, float]], width: int, height: int) -> np.ndarray:
    if len(points) != 2:
        raise _Refused("a circle has 2 points (its centre and a point on it)")
    (cx, cy), (px, py) = points
    r = math.hypot(px - cx, py - cy)
    if r == 0:
        raise _Refused("the circle has radius 0")
    image = Image.new("L", (width, height), 0)
    ImageDraw.Draw(image).ellipse([cx - r, cy - r, cx + r, cy + r], fill=1, outline=1)
    return np.asarray(image) > 0


def _shape_piece(shape: dict[str, Any], index: int, kind: str, width: int, height: int) -> _Piece:
    points = _points(shape.get("points"), width, height)
    if kind == "polygon":
        if len(points) < 3:
            raise _Refused(f"a polygon needs at least 3 points; this one has {len(points)}")
        return _Piece(index, polygon=[v for point in points for v in point])
    if kind == "rectangle":
        if len(points) != 2:
            raise _Refused(f"a rectangle has 2 points (opposite corners); this one has {len(points)}")
        (ax, ay), (bx, by) = points
        x1, x2, y1, y2 = min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)
        return _Piece(index, polygon=[x1, y1, x2, y1, x2, y2, x1, y2])
    mask = _circle(points, width, height) if kind == "circle" else _mask_piece(shape, points, width, height)
    return _Piece(index, rle=mask_utils.encode(np.asfortranarray(mask, dtype=np.uint8)))


def _piece_rle(piece: _Piece, width: int, height: int) -> dict[str, Any]:
    if piece.rle is not None:
        return piece.rle
    return mask_utils.merge(mask_utils.frPyObjects([piece.polygon], height, width))


def _resolve_label(name: str, palette: Palette, labels: LabelSet) -> Label:
    label = palette.find(name)
    if label is not None:
        return label
    elsewhere = labels.palette("all").find(name)
    if elsewhere is None:
        raise _Refused(f"unknown label {name!r}: not a name or alias of any label in shared/labels.json")
    holders = [p for p in labels.palette_names() if elsewhere.id in labels.palette(p)]
    hint = f" (it is in {', '.join(holders)})" if holders else ""
    called = f" ({elsewhere.name})" if normalize_name(elsewhere.name) != normalize_name(name) else ""
    raise _Refused(
        f"label {name!r}{called} is not in palette {palette.name!r}{hint}; choose another --palette or 'all'"
    )


def convert_file(
    name: str, data: dict[str, Any], palette: Palette, labels: LabelSet, image_id: int, first_annotation_id: int
) -> tuple[dict[str, Any], list[dict[str, Any]], list[Problem], int]:
    """One read labelme file as (COCO image, annotations, problems, number of shapes converted).

    Arguments:
        name: the file's name, as the problems and the image's `labelme_file` give it.
        data: the file's JSON, as `read_labelme` returns it.
        image_id, first_annotation_id: the ids this file's image and first annotation get.
    """
    width, height = data["imageWidth"], data["imageHeight"]
    image_path = data.get("imagePath")
    file_name = image_path.replace("\\", "/") if isinstance(image_path, str) and image_path else f"{Path(name).stem}.png"
    image = {"id": image_id, "width": width, "height": height, "file_name": file_name, "labelme_file": name}
    problems: list[Problem] = []
    groups: dict[tuple[int, Any], tuple[Label, str, list[_Piece]]] = {}
    for index, shape in enumerate(data["shapes"]):
        if not isinstance(shape, dict):
            problems.append(Problem(name, "not a shape object", index))
            continue
        raw_label, kind = shape.get("label"), shape.get("shape_type") or "polygon"
        label_text = raw_label if isinstance(raw_label, str) else None
        kind_text = kind if isinstance(kind, str) else None
        try:
            if kind_text is None:
                raise _Refused("shape_type must be a string")
            if kind_text in NO_AREA:
                raise _Refused(f"a {kind_text} marks no area; draw it as a polygon, rectangle, circle or mask")
            if kind_text not in SHAPE_TYPES:
                raise _Refused(f"unknown shape_type {kind_text!r}; convertible: {', '.join(SHAPE_TYPES)}")
            if label_text is None or not label_text.strip():
                raise _Refused("the shape has no label")
            label = _resolve_label(label_text, palette, labels)
            group_id = shape.get("group_id")
            if group_id is not None and (not isinstance(group_id, int | str) or isinstance(group_id, bool)):
                raise _Refused("group_id must be a whole number, a string or null")
            piece = _shape_piece(shape, index, kind_text, width, height)
            if int(mask_utils.area(_piece_rle(piece, width, height))) == 0:
                raise _Refused("the shape covers no pixel")
        except _Refused as exc:
            problems.append(Problem(name, str(exc), index, label_text, kind_text))
            continue
        key = (label.id, group_id) if group_id is not None else (label.id, ("shape", index))
        groups.setdefault(key, (label, label_text, []))[2].append(piece)

    annotations = []
    for (_, group_id), (label, label_text, pieces) in groups.items():
        rle = mask_utils.merge([_piece_rle(piece, width, height) for piece in pieces])
        if all(piece.polygon is not None for piece in pieces):
            segmentation: Any = [piece.polygon for piece in pieces]
        else:
            segmentation = {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}
        annotations.append(
            {
                "id": first_annotation_id + len(annotations),
                "image_id": image_id,
                "category_id": label.id,
                "segmentation": segmentation,
                "area": int(mask_utils.area(rle)),
                "bbox": [float(v) for v in mask_utils.toBbox(rle)],
                "iscrowd": 0,
                "labelme": {
                    "label": label_text,
                    "shapes": [piece.index for piece in pieces],
                    "group_id": None if isinstance(group_id, tuple) else group_id,
                },
            }
        )
    converted = sum(len(pieces) for _, _, pieces in groups.values())
    return image, annotations, problems, converted


def convert_folder(folder: Path, palette: Palette | None = None, labels: LabelSet | None = None) -> Conversion:
    """Convert every labelme file in `folder` into one COCO dict, with a report of what could not be.

    LabelmeInputError when the folder is missing or holds no .json file."""
    labels = labels or load_labels()
    palette = palette or labels.palette()
    folder = Path(folder)
    if not folder.is_dir():
        raise LabelmeInputError(f"{folder} is not a folder")
    files = sorted(path for path in folder.glob("*.json") if path.is_file())
    if not files:
        raise LabelmeInputError(f"{folder} holds no labelme .json files")
    coco: dict[str, Any] = {
        "info": {"description": "converted from labelme by PixelPatchwork", "palette": palette.name},
        "licenses": [],
        "images": [],
        "annotations": [],
        "categories": palette.coco_categories(),
    }
    result = Conversion(coco=coco, palette=palette, files=len(files))
    for path in files:
        try:
            data = read_labelme(path)
        except _Refused as exc:
            result.problems.append(Problem(path.name, str(exc)))
            continue
        image, annotations, problems, converted = convert_file(
            path.name, data, palette, labels, image_id=len(coco["images"]) + 1,
            first_annotation_id=len(coco["annotations"]) + 1,
        )
        coco["images"].append(image)
        coco["annotations"].extend(annotations)
        result.problems.extend(problems)
        result.images += 1
        result.shapes += len(data["shapes"])
        result.converted += converted
    return result
