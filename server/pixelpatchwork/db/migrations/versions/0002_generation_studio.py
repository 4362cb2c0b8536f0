"""generation studio: entry selection, feathering, provider details, global slots

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    with op.batch_alter_table("images") as batch:
        batch.add_column(sa.Column("feather_px", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("entered", sa.Boolean(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("quality", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("details", sa.Text(), nullable=True))
    op.create_table(
        "generation_slots",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("lease_until", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("generation_slots")
    with op.batch_alter_table("images") as batch:
        for column in ("details", "quality", "entered", "feather_px"):
            batch.drop_column(column)
