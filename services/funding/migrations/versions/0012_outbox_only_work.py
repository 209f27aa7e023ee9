"""The outbox holds only work: published rows are deleted, not kept (issue 12's relay).

Revision ID: 0012
Revises: 0011
"""

from shared.bus.migration_ops import delete_published_outbox_rows, keep_published_outbox_rows

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    delete_published_outbox_rows()


def downgrade() -> None:
    keep_published_outbox_rows()
