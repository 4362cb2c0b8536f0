"""The sketch label palette, read from shared/labels.json (the one definition server and client share).

Every label has a fixed id, a name, a colour and a supercategory. Ids 1-182 are the COCO-Stuff
2017 ids with their official names (things 1-90, stuff 92-182), so a sketch exports straight
into COCO-Stuff's label space; 183-200 are never used (COCO-Stuff's `other` and COCO
panoptic's merged classes live there); 201-255 are PixelPatchwork's own classes for things
COCO-Stuff lacks (playground equipment, swings, ...). Id 0 is the unlabelled background.
Ids fit in one byte, so a label map is a uint8 array.

A palette is a named subset of the labels that a facilitator offers in a room; `all` is every
label. Names are matched case-insensitively, with `-`, `_` and spaces alike, and with each
label's aliases (`sky` finds `sky-other`).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..domain.errors import invalid

LABELS_PATH = Path(__file__).resolve().parents[3] / "shared" / "labels.json"

#: The last id of COCO-Stuff's classes with a name of their own (182 `wood`).
COCO_STUFF_MAX_ID = 182
#: The first id of PixelPatchwork's own classes; the ids between are left free.
CUSTOM_MIN_ID = 201
MAX_LABEL_ID = 255
#: The palette name that means every label.
ALL = "all"

Color = Annotated[str, Field(pattern=r"^#[0-9a-f]{6}$")]


class LabelsError(ValueError):
    """shared/labels.json is missing or breaks one of its rules; the message says which."""


def normalize_name(name: str) -> str:
    """A label name as matched: case-folded, with runs of spaces, `-` and `_` made one space."""
    return re.sub(r"[\s_\-]+", " ", name.casefold()).strip()


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Model):
    """One class: `id` is the label map's pixel value and the COCO category id."""

    id: int = Field(ge=1, le=MAX_LABEL_ID)
    name: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1, max_length=40)
    supercategory: str = Field(min_length=1, max_length=40)
    color: Color
    aliases: tuple[str, ...] = ()

    @field_validator("id")
    @classmethod
    def _id_range(cls, value: int) -> int:
        if COCO_STUFF_MAX_ID < value < CUSTOM_MIN_ID:
            raise ValueError(
                f"id {value} is reserved: use a COCO-Stuff id (1-{COCO_STUFF_MAX_ID}) or a custom id "
                f"({CUSTOM_MIN_ID}-{MAX_LABEL_ID})"
            )
        return value

    @property
    def custom(self) -> bool:
        """True for PixelPatchwork's own classes (not in COCO-Stuff)."""
        return self.id >= CUSTOM_MIN_ID

    @property
    def rgb(self) -> tuple[int, int, int]:
        return (int(self.color[1:3], 16), int(self.color[3:5], 16), int(self.color[5:7], 16))

    def coco_category(self) -> dict[str, Any]:
        """The label as a COCO category (with its colour, as COCO panoptic lists it)."""
        return {"id": self.id, "name": self.name, "supercategory": self.supercategory, "color": list(self.rgb)}


class Unlabeled(_Model):
    id: int = Field(ge=0, le=0)
    name: str
    title: str
    color: Color


class Canvas(_Model):
    """The sketch canvas's size in pixels and the limits of one stroke."""

    width: int = Field(ge=1, le=4096)
    height: int = Field(ge=1, le=4096)
    max_points: int = Field(ge=1, le=100_000)
    min_brush: int = Field(ge=1)
    max_brush: int = Field(ge=1, le=256)

    @model_validator(mode="after")
    def _brush_range(self) -> Canvas:
        if self.min_brush > self.max_brush:
            raise ValueError("min_brush is larger than max_brush")
        return self


class PaletteSpec(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")
    title: str = Field(min_length=1, max_length=40)
    labels: tuple[int, ...] = Field(min_length=1, max_length=64)


class Palette:
    """A named, ordered set of labels: what a room paints with and what its COCO export lists."""

    def __init__(self, name: str, title: str, labels: tuple[Label, ...]) -> None:
        self.name = name
        self.title = title
        self.labels = labels
        self.ids: frozenset[int] = frozenset(label.id for label in labels)
        self._by_id = {label.id: label for label in labels}
        self._by_name: dict[str, Label] = {}
        for label in labels:
            for key in (label.name, *label.aliases):
                self._by_name[normalize_name(key)] = label

    def __repr__(self) -> str:
        return f"Palette({self.name!r}, {len(self.labels)} labels)"

    def __contains__(self, label_id: object) -> bool:
        return label_id in self.ids

    def get(self, label_id: int) -> Label | None:
        return self._by_id.get(label_id)

    def find(self, name: str) -> Label | None:
        """The label called `name` (or one of its aliases), matched loosely; None when none is."""
        return self._by_name.get(normalize_name(name))

    def coco_categories(self) -> list[dict[str, Any]]:
        """The palette's labels as COCO categories, by id."""
        return [label.coco_category() for label in sorted(self.labels, key=lambda label: label.id)]


class LabelSet(_Model):
    """The whole of shared/labels.json, checked: unique ids, names, aliases and colours."""

    version: int = Field(ge=1)
    canvas: Canvas
    unlabeled: Unlabeled
    labels: tuple[Label, ...] = Field(min_length=1)
    palettes: tuple[PaletteSpec, ...] = Field(min_length=1)
    default_palette: str
    comment: str | None = Field(default=None, alias="$comment")

    @model_validator(mode="after")
    def _consistent(self) -> LabelSet:
        ids = [label.id for label in self.labels]
        if len(set(ids)) != len(ids):
            raise ValueError(f"label ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        names: dict[str, int] = {}
        for label in self.labels:
            for key in (label.name, *label.aliases):
                other = names.setdefault(normalize_name(key), label.id)
                if other != label.id:
                    raise ValueError(f"the name {key!r} of label {label.id} is also a name of label {other}")
        colors = [label.color for label in self.labels] + [self.unlabeled.color]
        if len(set(colors)) != len(colors):
            raise ValueError("two labels share a colour (the unlabelled colour included)")
        known = set(ids)
        seen: set[str] = set()
        for palette in self.palettes:
            if palette.name == ALL:
                raise ValueError(f"the palette name {ALL!r} is reserved for every label")
            if palette.name in seen:
                raise ValueError(f"palette {palette.name!r} is defined twice")
            seen.add(palette.name)
            missing = [i for i in palette.labels if i not in known]
            if missing:
                raise ValueError(f"palette {palette.name!r} lists unknown label ids {missing}")
            if len(set(palette.labels)) != len(palette.labels):
                raise ValueError(f"palette {palette.name!r} lists a label twice")
        if self.default_palette not in seen:
            raise ValueError(f"default_palette {self.default_palette!r} is not a palette")
        return self

    def label(self, label_id: int) -> Label:
        """The label with this id; DomainError `sketch_unknown_label` when there is none."""
        for label in self.labels:
            if label.id == label_id:
                return label
        raise invalid("sketch_unknown_label", f"there is no label with id {label_id}")

    def palette_names(self) -> list[str]:
        return [palette.name for palette in self.palettes]

    def palette(self, name: str | None = None) -> Palette:
        """The palette called `name` (None: the default one; `all`: every label).

        DomainError `sketch_unknown_palette` names the palettes there are."""
        if name is None:
            name = self.default_palette
        if name == ALL:
            return Palette(ALL, "All labels", self.labels)
        for spec in self.palettes:
            if spec.name == name:
                by_id = {label.id: label for label in self.labels}
                return Palette(spec.name, spec.title, tuple(by_id[i] for i in spec.labels))
        choices = ", ".join([*self.palette_names(), ALL])
        raise invalid("sketch_unknown_palette", f"there is no palette called {name!r}; palettes: {choices}")

    def color_table(self) -> list[tuple[int, int, int]]:
        """256 RGB colours indexed by label id (unused ids black): a PNG palette for label maps."""
        table = [(0, 0, 0)] * (MAX_LABEL_ID + 1)
        unlabeled = self.unlabeled.color
        table[0] = (int(unlabeled[1:3], 16), int(unlabeled[3:5], 16), int(unlabeled[5:7], 16))
        for label in self.labels:
            table[label.id] = label.rgb
        return table


def parse_labels(data: Any) -> LabelSet:
    """Check a labels document (as JSON-decoded); LabelsError names the first problem."""
    try:
        return LabelSet.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise LabelsError(f"labels.json: {where}: {first['msg']}" if where else f"labels.json: {first['msg']}") from exc


def load_labels(path: Path | None = None) -> LabelSet:
    """Read and check a labels file (default shared/labels.json; that one is read once)."""
    if path is None:
        return _default_labels()
    return _read(path)


@cache
def _default_labels() -> LabelSet:
    return _read(LABELS_PATH)


def _read(path: Path) -> LabelSet:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LabelsError(f"cannot read {path.name}: {exc}") from exc
    return parse_labels(data)

