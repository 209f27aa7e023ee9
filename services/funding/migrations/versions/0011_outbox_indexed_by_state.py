"""The outbox indexed by what reads it: the pending ids, the published rows' age (issue 12's relay).

Revision ID: 0011
Revises: 0010
"""

from shared.bus.migration_ops import index_outbox_by_state, restore_outbox_pending_index

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    index_outbox_by_state()


def downgrade() -> None:
    restore_outbox_pending_index()
