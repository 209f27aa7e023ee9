"""Subscriber kind and district (for event visibility), content fingerprint (no duplicates),
disabling, the attempt log; stored response excerpts are replaced by short status lines.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscription") as batch:
        batch.add_column(sa.Column("subscriber_kind", sa.String(16)))
        batch.add_column(sa.Column("subscriber_district", sa.String(64)))
        batch.add_column(sa.Column("fingerprint", sa.String(64)))
        batch.add_column(sa.Column("disabled_reason", sa.String(200)))
        batch.add_column(sa.Column("disabled_at", UtcDateTime()))
        batch.create_unique_constraint("uq_subscription_content", ["subscriber_code", "fingerprint"])
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("last_attempt_at", UtcDateTime()))
    # Older rows kept up to 500 characters of the receiver's response: keep only a status line.
    op.execute(
        "UPDATE delivery SET last_error = CASE WHEN last_status IS NULL THEN 'connection failed' "
        "ELSE 'HTTP ' || CAST(last_status AS VARCHAR(8)) END WHERE last_error IS NOT NULL"
    )
    op.create_table(
        "delivery_attempt",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.Uuid, sa.ForeignKey("delivery.id"), nullable=False, index=True),
        sa.Column("attempted_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("status_line", sa.String(80), nullable=False),
        sa.Column("latency_ms", sa.Integer, nullable=False),
        sa.Column("sent", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("delivery_attempt")
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("last_attempt_at")
    with op.batch_alter_table("subscription") as batch:
        batch.drop_constraint("uq_subscription_content", type_="unique")
        for column in (
            "disabled_at",
            "disabled_reason",
            "fingerprint",
            "subscriber_district",
            "subscriber_kind",
        ):
            batch.drop_column(column)
