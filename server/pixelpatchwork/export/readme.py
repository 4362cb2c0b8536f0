"""The README.md written into every dataset: what each file holds and what every column means.

It is built from the same column definitions the writers use, so it cannot leave one out.
"""

from __future__ import annotations

from typing import Any

from .tables import TABLES, TYPES


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def readme(info: dict[str, Any]) -> str:
    room = info["room"]
    counts = info["counts"]
    lines = [
        f"# PixelPatchwork dataset: {room['name']} (`{room['slug']}`)",
        "",
        f"Exported {info['exported_at']} (UTC) in dataset format {info['format_version']}. In this room people painted "
        "a mask over a shared seed image, wrote a prompt, and an image model repainted the masked area; everyone then "
        "voted the edits up or down, and the winner became the next round's seed.",
        "",
        f"- participants: {counts['participants']}",
        f"- rounds: {counts['rounds']}",
        f"- images (seeds and edits): {counts['images']} ({counts['image_files']} picture files, {counts['mask_files']} mask files)",
        f"- standing votes: {counts['votes']}; vote changes: {counts['vote_events']}",
        f"- winner rule of the server at export time: `{info['winner_rule']}`"
        " (`net`: most up minus down votes; `wilson`: highest lower bound of the 95% Wilson interval of the share of up votes)",
        "",
    ]
    notes = info.get("notes") or []
    lines += ["## Notes", ""]
    if notes:
        lines += [f"- **{note['code']}**: {note['message']}" for note in notes]
    else:
        lines.append("- none: every table has rows and every file could be read.")
    lines += [
        "",
        "## Files",
        "",
        "| file | what it holds |",
        "|---|---|",
        "| `README.md` | this description |",
        "| `room.json` | the room's settings, the export time, counts and the notes above |",
    ]
    for table in TABLES:
        lines.append(f"| `{table.name}.csv`, `{table.name}.json` | {_cell(table.description)} |")
    lines += [
        "| `images/<image_id>.png` | the picture of every seed and finished edit (the edit composited onto its seed: "
        "pixels outside the mask are the seed's) |",
        "| `masks/<image_id>.png` | every edit's mask, a greyscale PNG of the seed's size: 255 where the model "
        "repainted, 0 where the seed was kept |",
        "| `sketches/<image_id>.png` | for each rendering of a sketch round, the label map it was painted from: an "
        "indexed PNG whose pixel values are the label ids of shared/labels.json (0 unlabelled), 512 x 384 |",
        "| `artworks/<artwork_id>.png` | the human-made artworks of the \"AI or human?\" game, as uploaded "
        "(upright, at most 1536 pixels on the long side) |",
        "| `coco/annotations.json` | the masks as COCO segmentation annotations (see below) |",
        "",
        "Each table is written twice with the same rows and columns: as CSV (RFC 4180, UTF-8, a header row, "
        "fields with commas, quotes or line breaks in double quotes) and as JSON (an array of objects, one per row, "
        "keyed by column name). Rows are ordered by their first column.",
        "",
        "## Types",
        "",
        "| type | CSV | JSON |",
        "|---|---|---|",
    ]
    for name, text in TYPES.items():
        json_form = {"integer": "number", "number": "number", "text": "string", "boolean": "`true` / `false`",
                     "timestamp": "string in the same form"}[name]
        lines.append(f"| {name} | {text} | {json_form} |")
    lines += [
        "",
        "An empty CSV cell means *no value* (`null` in JSON) or empty text (`\"\"` in JSON, e.g. the prompt of a "
        "seed): the JSON files keep the difference. Text is exactly what people typed: a prompt may begin "
        "with `=`, `+` or `-`, so open the CSV files in a spreadsheet with care (import as text).",
        "",
    ]
    for table in TABLES:
        lines += [
            f"## {table.name}.csv / {table.name}.json",
            "",
            _cell(table.description),
            "",
            "| column | type | meaning |",
            "|---|---|---|",
        ]
        lines += [f"| `{c.name}` | {c.type} | {_cell(c.description)} |" for c in table.columns]
        lines.append("")
    lines += [
        "## coco/annotations.json",
        "",
        "The edit masks in the COCO object-detection format, loadable with `pycocotools.coco.COCO`.",
        "",
        "- `images`: the seeds that were edited, with `id` (= `images.image_id`), `file_name` (the picture in this "
        "dataset), `width`, `height` and `kind`.",
        "- `categories`: one category, `edit` (id 1).",
        "- `annotations`: one per edit whose mask could be read. `id` and `edit_image_id` are the edit's "
        "`image_id`; `image_id` is the seed it was painted on (its `parent_id`); `segmentation` is the mask as "
        "compressed RLE (`{\"size\": [height, width], \"counts\": ...}`), always RLE so holes and single pixels are "
        "kept exactly (`pycocotools.mask.decode` gives back the mask file, 1 where it is 255); `area` is the number "
        "of mask pixels; `bbox` is `[x, y, width, height]`; `iscrowd` is 0; `caption` is the prompt. Also: "
        "`edit_file_name` (the edit's picture, `null` when it has none), `mask_file_name`, `round_number`, "
        "`author_id`, `status`, `up_count` and `down_count`.",
        "",
    ]
    return "\n".join(lines)
