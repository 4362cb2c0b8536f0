"""The dataset's tables: every column's name, type, meaning and where its value comes from.

One definition serves the CSV and JSON writers, the dataset's README (so it describes every
column that is written) and the readers in the tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

# How values look in the two formats (the README's "Types" section says the same).
TYPES = {
    "integer": "a whole number",
    "number": "a decimal number",
    "text": "text (UTF-8)",
    "boolean": "`true` or `false`",
    "timestamp": "a UTC time in ISO 8601 with microseconds, e.g. `2025-03-01T18:00:00.000000Z`",
}


def iso(moment: datetime | None) -> str | None:
    """A naive UTC datetime from the database as ISO 8601 with a Z."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(value: str) -> datetime:
    """The inverse of iso(): a naive UTC datetime."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    get: Callable[[Any, Any], Any]

    def json_value(self, row: Any, ctx: Any) -> Any:
        value = self.get(row, ctx)
        return iso(value) if self.type == "timestamp" else value

    def csv_value(self, row: Any, ctx: Any) -> str:
        value = self.json_value(row, ctx)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def parse_csv(self, cell: str) -> Any:
        """A CSV cell back as the JSON value (an empty cell is null)."""
        if cell == "":
            return None
        if self.type == "integer":
            return int(cell)
        if self.type == "number":
            return float(cell)
        if self.type == "boolean":
            return {"true": True, "false": False}[cell]
        return cell


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    def csv_row(self, row: Any, ctx: Any) -> list[str]:
        return [column.csv_value(row, ctx) for column in self.columns]

    def json_row(self, row: Any, ctx: Any) -> dict[str, Any]:
        return {column.name: column.json_value(row, ctx) for column in self.columns}


def _round_number(round_id: int | None, ctx: Any) -> int | None:
    return ctx.round_numbers.get(round_id) if round_id is not None else None


PARTICIPANTS = Table(
    "participants",
    "Everyone who joined the room, including people the facilitator removed.",
    (
        Column("user_id", "integer", "the participant's id (the `user_id` / `author_id` of the other tables)", lambda u, c: u.id),
        Column("nickname", "text", "the nickname they chose (unique in the room, case-insensitively)", lambda u, c: u.nickname),
        Column("participant_ref", "text", "the study's own participant id from the join link (`?pid=`); empty when none was given", lambda u, c: u.participant_ref),
        Column("consented_at", "timestamp", "when they gave consent in a research room; empty otherwise", lambda u, c: u.consented_at),
        Column("removed", "text", "`kicked` or `banned` when the facilitator removed them; empty otherwise", lambda u, c: u.removed),
        Column("joined_at", "timestamp", "when they joined", lambda u, c: u.created_at),
    ),
)

ROUNDS = Table(
    "rounds",
    "One row per round, oldest first.",
    (
        Column("round_id", "integer", "the round's id", lambda r, c: r.id),
        Column("round_number", "integer", "1 for the room's first round, then 2, 3, ...", lambda r, c: r.number),
        Column("phase", "text", "the round's phase at export time: `lobby`, `generate`, `vote`, `reveal` or `closed`", lambda r, c: r.phase),
        Column("seed_image_id", "integer", "the image everyone edited in this round (`images.image_id`)", lambda r, c: r.seed_image_id),
        Column("winner_image_id", "integer", "the winning edit; empty while the vote is open or when no edit was eligible", lambda r, c: r.winner_image_id),
        Column("created_at", "timestamp", "when the round began", lambda r, c: r.created_at),
        Column("vote_started_at", "timestamp", "when its vote phase opened; empty if it never did or the server did not yet record it", lambda r, c: r.vote_started_at),
        Column("closed_at", "timestamp", "when it closed (the next round began); empty while it is open", lambda r, c: r.closed_at),
        Column("phase_started_at", "timestamp", "when its current phase began", lambda r, c: r.phase_started_at),
        Column("kind", "text", "`edit` (participants masked the seed and wrote prompts) or `sketch` (the room drew one label map and had it painted)", lambda r, c: r.kind),
        Column("sketch_palette", "text", "a sketch round's label palette (shared/labels.json); empty for edit rounds", lambda r, c: (r.sketch_palette or c.default_palette) if r.kind == "sketch" else None),
    ),
)

IMAGES = Table(
    "images",
    "Every image of the room: the seeds (the first picture and uploaded ones) and every edit, "
    "finished or not. A winning edit is also the seed of the next round.",
    (
        Column("image_id", "integer", "the image's id", lambda i, c: i.id),
        Column("kind", "text", "`seed` (a starting picture) or `edit` (a participant's mask and prompt on a seed)", lambda i, c: i.kind),
        Column("round_id", "integer", "the round the edit was made in; empty for starting seeds", lambda i, c: i.round_id),
        Column("round_number", "integer", "that round's number", lambda i, c: _round_number(i.round_id, c)),
        Column("parent_id", "integer", "the seed the edit was painted on; empty for seeds", lambda i, c: i.parent_id),
        Column("author_id", "integer", "the participant who made the edit (`participants.user_id`); empty for seeds", lambda i, c: i.author_id),
        Column("prompt", "text", "what the participant asked the model to paint into the mask (raw text, as typed)", lambda i, c: i.prompt),
        Column("status", "text", "`queued`, `generating`, `storing`, `done` or `failed`", lambda i, c: i.status),
        Column("error", "text", "why generation failed, for failed edits", lambda i, c: i.error),
        Column("provider", "text", "what made the picture: `offline`, `openai`, `builtin` (drawn first seed) or `upload`", lambda i, c: i.provider),
        Column("model", "text", "the image model, when a model was used", lambda i, c: i.model),
        Column("quality", "text", "the model's quality setting, when one was used", lambda i, c: i.quality),
        Column("width", "integer", "width in pixels (an edit has its seed's size)", lambda i, c: i.width),
        Column("height", "integer", "height in pixels", lambda i, c: i.height),
        Column("mask_area", "number", "share of the seed's pixels inside the mask, 0 to 1; empty for seeds", lambda i, c: i.mask_area),
        Column("feather_px", "integer", "pixels by which the mask's edge was softened when compositing", lambda i, c: i.feather_px),
        Column("entered", "boolean", "the author entered the edit into the vote (otherwise it stayed a private attempt)", lambda i, c: i.entered),
        Column("approved", "boolean", "the facilitator approved it (matters only in rooms that require approval)", lambda i, c: i.approved),
        Column("hidden", "boolean", "the facilitator hid it, or removed its author", lambda i, c: i.hidden),
        Column("in_vote", "boolean", "it could be voted on: entered, not hidden, and approved where the room requires approval", lambda i, c: c.in_vote(i)),
        Column("up_count", "integer", "up votes standing at export time (votes of removed participants are not counted)", lambda i, c: i.up_count),
        Column("down_count", "integer", "down votes standing at export time", lambda i, c: i.down_count),
        Column("net_score", "integer", "`up_count - down_count`", lambda i, c: i.up_count - i.down_count),
        Column("wilson", "number", "lower bound of the 95% Wilson score interval of the share of up votes (0 without votes)", lambda i, c: c.wilson(i)),
        Column("created_at", "timestamp", "when the edit was submitted (for seeds: stored)", lambda i, c: i.created_at),
        Column("started_at", "timestamp", "when generation started", lambda i, c: i.started_at),
        Column("finished_at", "timestamp", "when generation finished or failed", lambda i, c: i.finished_at),
        Column("generation_ms", "integer", "milliseconds the generation pipeline took", lambda i, c: i.generation_ms),
        Column("image_file", "text", "the picture in this dataset (`images/<image_id>.png`); empty when there is none (unfinished or failed edits, or a file missing from storage)", lambda i, c: c.image_file(i)),
        Column("sketch_file", "text", "for a rendering of a sketch round, the label map it was painted from (`sketches/<image_id>.png`); empty otherwise", lambda i, c: c.sketch_files.get(i.id)),
        Column("mask_file", "text", "the edit's mask in this dataset (`masks/<image_id>.png`): a greyscale PNG of the seed's size, 255 where the model repainted, 0 elsewhere; empty for seeds", lambda i, c: c.mask_file(i)),
        Column("details", "text", "the provider's details as a JSON text (output size, seconds in the provider, token usage)", lambda i, c: i.details),
    ),
)

VOTES = Table(
    "votes",
    "The vote each participant has standing on each image at export time (a vote taken back has no row). "
    "The full history, with every change and its time, is in vote_events.",
    (
        Column("vote_id", "integer", "the vote's id", lambda v, c: v.id),
        Column("image_id", "integer", "the edit voted on (`images.image_id`)", lambda v, c: v.image_id),
        Column("round_number", "integer", "the round of that edit", lambda v, c: _round_number(c.image_round.get(v.image_id), c)),
        Column("user_id", "integer", "the voter (`participants.user_id`)", lambda v, c: v.user_id),
        Column("value", "integer", "`1` for up, `-1` for down", lambda v, c: v.value),
        Column("hidden", "boolean", "the voter was removed by the facilitator: kept for research, not counted in tallies", lambda v, c: v.hidden),
        Column("created_at", "timestamp", "when the voter first voted on this image", lambda v, c: v.created_at),
        Column("updated_at", "timestamp", "when they last changed this vote", lambda v, c: v.updated_at),
    ),
)

VOTE_EVENTS = Table(
    "vote_events",
    "Every vote change in order: each up, down and taking back, with its time.",
    (
        Column("event_id", "integer", "the event's id (grows with time)", lambda e, c: e.id),
        Column("image_id", "integer", "the edit voted on", lambda e, c: e.image_id),
        Column("round_number", "integer", "the round of that edit", lambda e, c: _round_number(c.image_round.get(e.image_id), c)),
        Column("user_id", "integer", "the voter", lambda e, c: e.user_id),
        Column("value", "integer", "`1` up, `-1` down, `0` the vote was taken back", lambda e, c: e.value),
        Column("created_at", "timestamp", "when the change was made", lambda e, c: e.created_at),
        Column(
            "seconds_since_vote_opened", "number",
            "seconds between the round's `vote_started_at` and this change (negative for votes cast in the generate phase); empty when the opening time is unknown",
            lambda e, c: c.seconds_since_vote_opened(e),
        ),
    ),
)

LINEAGE = Table(
    "lineage",
    "The chain of seeds, one row per round: the seed, and the winning edit that became the next round's seed.",
    (
        Column("round_number", "integer", "the round", lambda s, c: s.round.number),
        Column("seed_image_id", "integer", "the round's seed", lambda s, c: s.round.seed_image_id),
        Column("seed_file", "text", "the seed's picture in this dataset", lambda s, c: c.image_file(s.seed) if s.seed else None),
        Column("outcome", "text", "`winner`; `no_winner` (the vote ended without an eligible edit, so the seed stayed); `open` (the vote has not ended)", lambda s, c: s.outcome),
        Column("winner_image_id", "integer", "the winning edit", lambda s, c: s.winner.id if s.winner else None),
        Column("winner_author_id", "integer", "its author", lambda s, c: s.winner.author_id if s.winner else None),
        Column("winner_prompt", "text", "its prompt", lambda s, c: s.winner.prompt if s.winner else None),
        Column("winner_up", "integer", "its up votes", lambda s, c: s.winner.up_count if s.winner else None),
        Column("winner_down", "integer", "its down votes", lambda s, c: s.winner.down_count if s.winner else None),
        Column("winner_file", "text", "its picture in this dataset", lambda s, c: c.image_file(s.winner) if s.winner else None),
        Column("winner_mask_file", "text", "its mask in this dataset", lambda s, c: c.mask_file(s.winner) if s.winner else None),
    ),
)

ARTWORKS = Table(
    "artworks",
    "The human-made artworks the facilitator uploaded for the \"AI or human?\" game, with their credits.",
    (
        Column("artwork_id", "integer", "the artwork's id", lambda a, c: a.id),
        Column("title", "text", "its title, as the facilitator typed it", lambda a, c: a.title),
        Column("artist", "text", "its artist: the credit shown at the reveal", lambda a, c: a.artist),
        Column("source_url", "text", "where it comes from (http or https); empty when not given", lambda a, c: a.source_url),
        Column("width", "integer", "width in pixels (uploads are scaled to at most 1536 pixels on the long side)", lambda a, c: a.width),
        Column("height", "integer", "height in pixels", lambda a, c: a.height),
        Column("created_at", "timestamp", "when it was uploaded", lambda a, c: a.created_at),
        Column("artwork_file", "text", "the picture in this dataset (`artworks/<artwork_id>.png`); empty when it could not be read from storage", lambda a, c: c.artwork_files.get(a.id)),
    ),
)

GAME_ITEMS = Table(
    "game_items",
    "The pictures shown in the \"AI or human?\" game, one row each: what it was, the truth, the guesses and the detector's verdict.",
    (
        Column("item_id", "integer", "the picture's id (`guesses.item_id`)", lambda i, c: i.id),
        Column("number", "integer", "1 for the room's first game picture, then 2, 3, ...", lambda i, c: i.number),
        Column("truth", "text", "`human` (an artwork) or `ai` (an edit made in this room)", lambda i, c: i.truth),
        Column("artwork_id", "integer", "the artwork shown (`artworks.artwork_id`); empty for edits", lambda i, c: i.artwork_id),
        Column("image_id", "integer", "the edit shown (`images.image_id`); empty for artworks", lambda i, c: i.image_id),
        Column("phase", "text", "`guess` (still open), `reveal` or `closed` at export time", lambda i, c: i.phase),
        Column("width", "integer", "width of the picture shown, in pixels", lambda i, c: i.width),
        Column("height", "integer", "its height", lambda i, c: i.height),
        Column("started_at", "timestamp", "when it was shown", lambda i, c: i.started_at),
        Column("deadline", "timestamp", "when the time for guesses ended", lambda i, c: i.deadline),
        Column("revealed_at", "timestamp", "when it was revealed; empty while open", lambda i, c: i.revealed_at),
        Column("guesses", "integer", "guesses made", lambda i, c: c.item_counts.get(i.id, {}).get("guesses", 0)),
        Column("ai_guesses", "integer", "guesses of `ai`", lambda i, c: c.item_counts.get(i.id, {}).get("ai", 0)),
        Column("right_guesses", "integer", "guesses equal to the truth", lambda i, c: c.item_counts.get(i.id, {}).get("right", 0)),
        Column("room_guess", "text", "the guess most made (`ai` or `human`); empty without guesses or on a tie", lambda i, c: c.item_counts.get(i.id, {}).get("majority")),
        Column("detector_status", "text", "`ok` (scored), `not_configured` (no DETECTOR_CHECKPOINT) or `off` (shown without the detector)", lambda i, c: i.detector_status),
        Column("detector_p_ai", "number", "the detector's P(ai) for the picture shown, 0 to 1; empty unless scored", lambda i, c: i.detector_p_ai),
        Column("detector_guess", "text", "`ai` when `detector_p_ai` >= 0.5, else `human`; empty unless scored", lambda i, c: None if i.detector_p_ai is None else ("ai" if i.detector_p_ai >= 0.5 else "human")),
        Column("detector_checkpoint", "text", "the checkpoint's file name and the start of its SHA-256", lambda i, c: i.detector_checkpoint),
    ),
)

GUESSES = Table(
    "guesses",
    "Every guess of the \"AI or human?\" game: one per participant and picture (a guess cannot be changed).",
    (
        Column("guess_id", "integer", "the guess's id", lambda g, c: g.id),
        Column("item_id", "integer", "the picture guessed (`game_items.item_id`)", lambda g, c: g.item_id),
        Column("item_number", "integer", "that picture's number", lambda g, c: c.item_numbers.get(g.item_id)),
        Column("user_id", "integer", "who guessed (`participants.user_id`)", lambda g, c: g.user_id),
        Column("guess", "text", "`ai` or `human`", lambda g, c: g.guess),
        Column("correct", "boolean", "the guess equals the picture's truth", lambda g, c: g.correct),
        Column("created_at", "timestamp", "when the guess was made", lambda g, c: g.created_at),
        Column("seconds_after_start", "number", "seconds between the picture being shown and the guess", lambda g, c: c.seconds_after_start(g)),
    ),
)

SKETCH_STROKES = Table(
    "sketch_strokes",
    "Every stroke drawn on the room's sketch rounds, in the order the server gave them, including strokes "
    "later undone or cleared. A round's label map is its strokes without `removed_seq`, applied in `seq` order "
    "(rules in server/pixelpatchwork/sketch/raster.py).",
    (
        Column("stroke_id", "integer", "the stroke's id", lambda s, c: s.id),
        Column("round_number", "integer", "the sketch round", lambda s, c: _round_number(s.round_id, c)),
        Column("seq", "integer", "its place in the round's operations (strokes, undos, clears: 1, 2, 3, ...)", lambda s, c: s.seq),
        Column("user_id", "integer", "who drew it (`participants.user_id`)", lambda s, c: s.user_id),
        Column("tool", "text", "`brush`, `erase` or `fill`", lambda s, c: s.tool),
        Column("label", "integer", "the label id painted (0 for erase): a COCO-Stuff id, or 201-255 for PixelPatchwork's own classes", lambda s, c: s.label),
        Column("label_name", "text", "that label's name", lambda s, c: c.label_name(s.label)),
        Column("size", "integer", "brush diameter in sketch pixels", lambda s, c: s.size),
        Column("point_count", "integer", "how many points the stroke has", lambda s, c: len(json.loads(s.points))),
        Column("points", "text", "the points as JSON, `[[x, y], ...]` in sketch pixels (512 x 384)", lambda s, c: s.points),
        Column("removed_seq", "integer", "the operation (an undo by its author, or a clear by the facilitator) that took it off the sketch; empty while it is on it", lambda s, c: s.removed_seq),
        Column("created_at", "timestamp", "when the server took it", lambda s, c: s.created_at),
    ),
)

TABLES = (PARTICIPANTS, ROUNDS, IMAGES, VOTES, VOTE_EVENTS, LINEAGE, ARTWORKS, GAME_ITEMS, GUESSES, SKETCH_STROKES)


def json_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
