"""room modes and a pausable round clock

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(sa.Column("mode", sa.String(length=12), nullable=False, server_default="facilitated"))
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("paused_remaining_s", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("paused_remaining_s")
    with op.batch_alter_table("rooms") as batch:
        batch.drop_column("mode")
