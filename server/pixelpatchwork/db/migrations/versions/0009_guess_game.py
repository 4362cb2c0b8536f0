"""the "AI or human?" game: artworks with credits, game items, guesses

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "artworks",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("room_id", BIG_ID, sa.ForeignKey("rooms.id"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("artist", sa.String(length=200), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("image_key", sa.String(length=255), nullable=False),
        sa.Column("thumb_key", sa.String(length=255), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    op.create_index("ix_artworks_room_id", "artworks", ["room_id"])
    op.create_table(
        "game_items",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("room_id", BIG_ID, sa.ForeignKey("rooms.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("artwork_id", BIG_ID, sa.ForeignKey("artworks.id"), nullable=True),
        sa.Column("image_id", BIG_ID, sa.ForeignKey("images.id"), nullable=True),
        sa.Column("truth", sa.String(length=8), nullable=False),
        sa.Column("phase", sa.String(length=8), nullable=False),
        sa.Column("picture_key", sa.String(length=255), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("deadline", TIMESTAMP, nullable=False),
        sa.Column("revealed_at", TIMESTAMP, nullable=True),
        sa.Column("closed_at", TIMESTAMP, nullable=True),
        sa.Column("detector_status", sa.String(length=16), nullable=False),
        sa.Column("detector_p_ai", sa.Double(), nullable=True),
        sa.Column("detector_checkpoint", sa.String(length=255), nullable=True),
        sa.Column("heatmap_key", sa.String(length=255), nullable=True),
        sa.UniqueConstraint("room_id", "number", name="uq_game_items_room_number"),
    )
    op.create_index("ix_game_items_phase_deadline", "game_items", ["phase", "deadline"])
    op.create_table(
        "guesses",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("item_id", BIG_ID, sa.ForeignKey("game_items.id"), nullable=False),
        sa.Column("user_id", BIG_ID, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("guess", sa.String(length=8), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("item_id", "user_id", name="uq_guesses_item_user"),
    )
    op.create_index("ix_guesses_user_id", "guesses", ["user_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes (MariaDB refuses to drop one a foreign key needs).
    op.drop_table("guesses")
    op.drop_table("game_items")
    op.drop_table("artworks")
