"""The outbox indexed by what reads it: the pending ids, the published rows' age (issue 12's relay).

Revision ID: 0014
Revises: 0013
"""

from shared.bus.migration_ops import index_outbox_by_state, restore_outbox_pending_index

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    index_outbox_by_state()


def downgrade() -> None:
    restore_outbox_pending_index()
