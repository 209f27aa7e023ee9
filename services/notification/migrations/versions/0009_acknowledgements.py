"""Business acknowledgements of deliveries and their escalation.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "action_item",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("org_code", sa.String(64), nullable=False),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("request_code", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("project_id", sa.String(64)),
        sa.Column("match_key", sa.String(64)),
        sa.Column("district_code", sa.String(64)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("acknowledge_by", UtcDateTime(), nullable=False),
        sa.Column("acknowledged_at", UtcDateTime()),
        sa.Column("acknowledged_by", sa.String(200)),
        sa.Column("action_at", UtcDateTime()),
        sa.Column("action_by", sa.String(200)),
        sa.Column("action_note", sa.Text()),
        sa.Column("action_event_id", sa.String(64)),
        sa.Column("escalated_at", UtcDateTime()),
        sa.UniqueConstraint("org_code", "event_id", "request_code", name="uq_action_item"),
    )
    op.create_index("ix_action_item_org_code", "action_item", ["org_code"])
    op.create_index("ix_action_item_project_id", "action_item", ["project_id"])
    op.create_index("ix_action_item_acknowledge_by", "action_item", ["acknowledge_by"])
    op.create_index("ix_action_item_match_key", "action_item", ["match_key"])


def downgrade() -> None:
    op.drop_index("ix_action_item_match_key", "action_item")
    op.drop_index("ix_action_item_acknowledge_by", "action_item")
    op.drop_index("ix_action_item_project_id", "action_item")
    op.drop_index("ix_action_item_org_code", "action_item")
    op.drop_table("action_item")
