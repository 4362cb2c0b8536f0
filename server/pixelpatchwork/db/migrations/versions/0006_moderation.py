"""moderation: approval, hidden images and votes, removed participants, phase lengths

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(sa.Column("requires_approval", sa.Boolean(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("generate_s", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("vote_s", sa.Integer(), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("removed", sa.String(length=8), nullable=True))
    with op.batch_alter_table("images") as batch:
        batch.add_column(sa.Column("approved", sa.Boolean(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("hidden", sa.Boolean(), nullable=False, server_default="0"))
    with op.batch_alter_table("votes") as batch:
        batch.add_column(sa.Column("hidden", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("votes") as batch:
        batch.drop_column("hidden")
    with op.batch_alter_table("images") as batch:
        batch.drop_column("hidden")
        batch.drop_column("approved")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("removed")
    with op.batch_alter_table("rooms") as batch:
        batch.drop_column("vote_s")
        batch.drop_column("generate_s")
        batch.drop_column("requires_approval")
