"""The outbox holds only work: published rows are deleted, not kept (issue 12's relay).

Revision ID: 0015
Revises: 0014
"""

from shared.bus.migration_ops import delete_published_outbox_rows, keep_published_outbox_rows

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    delete_published_outbox_rows()


def downgrade() -> None:
    keep_published_outbox_rows()
