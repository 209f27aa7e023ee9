"""The outbox holds only work: published rows are deleted, not kept (issue 12's relay).

Revision ID: 0014
Revises: 0013
"""

from shared.bus.migration_ops import delete_published_outbox_rows, keep_published_outbox_rows

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    delete_published_outbox_rows()


def downgrade() -> None:
    keep_published_outbox_rows()
