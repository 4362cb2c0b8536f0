"""joining: locked rooms, research consent, participant ids

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(sa.Column("join_locked", sa.Boolean(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("research", sa.Boolean(), nullable=False, server_default="0"))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("participant_ref", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("consented_at", Timestamp, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("consented_at")
        batch.drop_column("participant_ref")
    with op.batch_alter_table("rooms") as batch:
        batch.drop_column("research")
        batch.drop_column("join_locked")
