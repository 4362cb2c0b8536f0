"""join codes for rooms

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(sa.Column("join_code", sa.String(length=12), nullable=True))
        batch.create_unique_constraint("uq_rooms_join_code", ["join_code"])


def downgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.drop_constraint("uq_rooms_join_code", type_="unique")
        batch.drop_column("join_code")
