"""sketch rounds: a round's kind, the shared sketch's strokes, the room's label palette

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(sa.Column("sketch_palette", sa.String(length=40), nullable=True))
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=8), nullable=False, server_default="edit"))
        batch.add_column(sa.Column("sketch_locked", sa.Boolean(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("sketch_seq", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("sketch_palette", sa.String(length=40), nullable=True))
    with op.batch_alter_table("images") as batch:
        batch.add_column(sa.Column("sketch_key", sa.String(length=255), nullable=True))
    op.create_table(
        "sketch_strokes",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("round_id", BIG_ID, sa.ForeignKey("rounds.id"), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("user_id", BIG_ID, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("tool", sa.String(length=8), nullable=False),
        sa.Column("label", sa.SmallInteger(), nullable=False),
        sa.Column("size", sa.SmallInteger(), nullable=False),
        sa.Column("points", sa.Text().with_variant(mysql.MEDIUMTEXT(), "mariadb").with_variant(mysql.MEDIUMTEXT(), "mysql"), nullable=False),
        sa.Column("removed_seq", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("round_id", "seq", name="uq_sketch_strokes_round_seq"),
    )


def downgrade() -> None:
    op.drop_table("sketch_strokes")
    with op.batch_alter_table("images") as batch:
        batch.drop_column("sketch_key")
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("sketch_palette")
        batch.drop_column("sketch_seq")
        batch.drop_column("sketch_locked")
        batch.drop_column("kind")
    with op.batch_alter_table("rooms") as batch:
        batch.drop_column("sketch_palette")
