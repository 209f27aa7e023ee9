"""The delivery log in commit order: `delivery.seq`, handed out from `delivery_log_head` at commit.

Existing deliveries are numbered in the order the log showed them until now, (created_at, id), so a
reader sees the same order; the head starts after the last of them.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE delivery SET seq = numbered.n FROM ("
        " SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM delivery"
        ") AS numbered WHERE delivery.id = numbered.id"
    )
    op.create_index("ix_delivery_seq", "delivery", ["seq"], unique=True)
    op.create_table(
        "delivery_log_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO delivery_log_head (id, last_seq) SELECT 1, COALESCE(MAX(seq), 0) FROM delivery")


def downgrade() -> None:
    op.drop_table("delivery_log_head")
    op.drop_index("ix_delivery_seq", table_name="delivery")
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("seq")
