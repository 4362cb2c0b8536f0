"""SQLAlchemy 2 typed models: rooms, users, rounds, images, votes, jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# BigInteger primary keys that still autoincrement on SQLite (which only does so for INTEGER).
BigId = BigInteger().with_variant(Integer, "sqlite")
# Naive UTC timestamps with microseconds (MariaDB's DATETIME keeps whole seconds otherwise).
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


class Base(DeclarativeBase):
    pass


class Room(Base):
    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("join_code", name="uq_rooms_join_code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Grows with every stored change of the room's round or images; events carry it.
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    # "facilitated": a person runs the clock; "daily": phases roll over at set local times.
    mode: Mapped[str] = mapped_column(String(12), default="facilitated", server_default="facilitated")
    # Short code people type or scan to join (see domain.rooms.new_join_code).
    join_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    join_locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # A research study asks every participant for consent before they join.
    research: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Entries reach the projector and the vote only once the facilitator approves them.
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Default phase lengths (seconds) when the facilitator opens a phase without a duration.
    generate_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    vote_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The label palette offered in the room's sketch rounds (None: shared/labels.json's default).
    sketch_palette: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class User(Base):
    """A participant of one room."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("room_id", "nickname_key", name="uq_users_room_nickname"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    nickname: Mapped[str] = mapped_column(String(32))
    # Case-folded nickname, so "Ada" and "ada" are the same person in a room.
    nickname_key: Mapped[str] = mapped_column(String(32))
    # A study's own participant id, passed in the join link (?pid=...), and when they consented.
    participant_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    consented_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # Removed by the facilitator: a kicked participant may join again under a new name, a
    # banned one may not; their entries and votes are kept for research but hidden.
    removed: Mapped[str | None] = mapped_column(String(8), nullable=True)  # "kicked" | "banned"
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Round(Base):
    """One day of a seed: the seed image, its phase and deadline, and the winner."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("room_id", "number", name="uq_rounds_room_number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    number: Mapped[int] = mapped_column(Integer)
    seed_image_id: Mapped[int] = mapped_column(ForeignKey("images.id", use_alter=True, name="fk_rounds_seed"))
    phase: Mapped[str] = mapped_column(String(16))
    phase_started_at: Mapped[datetime] = mapped_column(Timestamp)
    deadline: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # While the facilitator has paused the clock: the seconds that were left (deadline is NULL).
    paused_remaining_s: Mapped[float | None] = mapped_column(nullable=True)
    winner_image_id: Mapped[int | None] = mapped_column(
        ForeignKey("images.id", use_alter=True, name="fk_rounds_winner"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    # When the vote phase opened (NULL for rounds that never reached it, or that reached it
    # before this was recorded): the origin of "votes over time" in the analytics.
    vote_started_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # "edit": participants mask and prompt the seed; "sketch": the room draws one label map.
    kind: Mapped[str] = mapped_column(String(8), default="edit", server_default="edit")
    sketch_locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The last sequence number given to an operation on this round's sketch (stroke, undo, clear).
    sketch_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The palette this round's sketch is drawn with (None: shared/labels.json's default).
    sketch_palette: Mapped[str | None] = mapped_column(String(40), nullable=True)

    seed: Mapped[Image] = relationship(foreign_keys=[seed_image_id], lazy="raise")


Index("ix_rounds_phase_deadline", Round.phase, Round.deadline)


class Image(Base):
    """A seed or an edit of one. Every edit keeps its parent seed, mask, prompt, author and model."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", use_alter=True, name="fk_images_round"), nullable=True, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"), nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "seed" or "edit"
    prompt: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    provider: Mapped[str] = mapped_column(String(24))
    model: Mapped[str | None] = mapped_column(String(64), nullable=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    mask_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # A rendering of a sketch round: the label map (indexed PNG) it was painted from.
    sketch_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    result_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    thumb_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    mask_area: Mapped[float | None] = mapped_column(nullable=True)
    # Soften the mask's edge by this many pixels when compositing.
    feather_px: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # An edit is a private attempt until its author enters it into the vote.
    entered: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Moderation: approved for the projector and the vote (rooms that require approval), or hidden.
    approved: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    quality: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Provider details as JSON: output size, seconds spent in the provider, token usage.
    details: Mapped[str | None] = mapped_column(Text, nullable=True)
    up_count: Mapped[int] = mapped_column(Integer, default=0)
    down_count: Mapped[int] = mapped_column(Integer, default=0)
    # Grows with every vote change on this image, so clients can drop stale tallies.
    tally_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    generation_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)

    author: Mapped[User | None] = relationship(lazy="raise")


class Vote(Base):
    """The current vote of one participant on one image (a withdrawn vote has no row)."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("image_id", "user_id", name="uq_votes_image_user"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)  # +1 up, -1 down
    # A removed participant's vote: kept for research, not counted.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class VoteEvent(Base):
    """Append-only history of vote changes, for research (votes over time, changed minds)."""

    __tablename__ = "vote_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    value: Mapped[int] = mapped_column(SmallInteger)  # +1, -1, or 0 for a withdrawal
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class SketchStroke(Base):
    """One stroke of a sketch round, in the order the server gave it (`seq`, per round).

    A stroke undone by its author or cleared by a facilitator keeps its row, with the sequence
    number of the operation that removed it, so the sketch's history stays for research."""

    __tablename__ = "sketch_strokes"
    __table_args__ = (UniqueConstraint("round_id", "seq", name="uq_sketch_strokes_round_seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    tool: Mapped[str] = mapped_column(String(8))
    label: Mapped[int] = mapped_column(SmallInteger)
    size: Mapped[int] = mapped_column(SmallInteger)
    # [[x, y], ...] as JSON.
    points: Mapped[str] = mapped_column(Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb"))
    removed_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Job(Base):
    """A generation job: the row is the truth about who works on it and until when."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"), unique=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    status: Mapped[str] = mapped_column(String(12))  # queued, running, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    available_at: Mapped[datetime] = mapped_column(Timestamp)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


Index("ix_jobs_status_available", Job.status, Job.available_at)


class GenerationSlot(Base):
    """One of GENERATION_GLOBAL_CONCURRENCY slots: a job runs only while it holds a slot, so
    every worker process together never calls the provider more than that many times at once."""

    __tablename__ = "generation_slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    job_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class Artwork(Base):
    """A human-made artwork a facilitator uploaded for the "AI or human?" game, with its credit."""

    __tablename__ = "artworks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    artist: Mapped[str] = mapped_column(String(200))
    source_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    image_key: Mapped[str] = mapped_column(String(255))
    thumb_key: Mapped[str] = mapped_column(String(255))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class GameItem(Base):
    """One picture of the "AI or human?" game: an artwork (truth "human") or one of the room's
    edits (truth "ai"), shown from `started_at` until the guesses close at `deadline`, then
    revealed. The picture is a neutral copy (`picture_key`), so its address tells nothing."""

    __tablename__ = "game_items"
    __table_args__ = (UniqueConstraint("room_id", "number", name="uq_game_items_room_number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    number: Mapped[int] = mapped_column(Integer)
    artwork_id: Mapped[int | None] = mapped_column(ForeignKey("artworks.id"), nullable=True)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"), nullable=True)
    truth: Mapped[str] = mapped_column(String(8))  # "human" | "ai"
    phase: Mapped[str] = mapped_column(String(8))  # "guess" | "reveal" | "closed"
    picture_key: Mapped[str] = mapped_column(String(255))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    deadline: Mapped[datetime] = mapped_column(Timestamp)
    revealed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # "ok" (scored), "not_configured" (no DETECTOR_CHECKPOINT), "off" (started without it).
    detector_status: Mapped[str] = mapped_column(String(16))
    detector_p_ai: Mapped[float | None] = mapped_column(nullable=True)
    detector_checkpoint: Mapped[str | None] = mapped_column(String(255), nullable=True)
    heatmap_key: Mapped[str | None] = mapped_column(String(255), nullable=True)


Index("ix_game_items_phase_deadline", GameItem.phase, GameItem.deadline)


class Guess(Base):
    """One participant's guess on one game item (one per participant and item, not changed)."""

    __tablename__ = "guesses"
    __table_args__ = (UniqueConstraint("item_id", "user_id", name="uq_guesses_item_user"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("game_items.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    guess: Mapped[str] = mapped_column(String(8))  # "human" | "ai"
    correct: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
