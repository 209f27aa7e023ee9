"""The property-service subsidy moves through the journal (Zhengzhou 2019 五(三)).

From this revision a schedule posts `property_subsidy_scheduled` and each payment
`property_subsidy_paid` (`services/funding/domain/journal.py`). Schedules and payments recorded
before it are posted here, once, with their own ids as references and their own times, so the
reconciliation ties out for them too. No column changes: accounts and movements are strings.
The downgrade removes nothing: the journal is append-only (its triggers refuse DELETE), and the
older code ignores the accounts it does not know.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_COLUMNS = (
    "project_id, district_code, award_id, movement, debit_account, credit_account, amount_fen, "
    "reference_id, posted_at"
)


def upgrade() -> None:
    op.execute(
        f"INSERT INTO journal_entry ({_COLUMNS}) "
        "SELECT s.project_id, s.district_code, NULL, 'property_subsidy_scheduled', "
        "'property_subsidy_expense', 'property_subsidy_payable', s.total_fen, s.id, s.created_at "
        "FROM property_subsidy_schedule s "
        "WHERE s.total_fen > 0 AND NOT EXISTS (SELECT 1 FROM journal_entry j WHERE j.reference_id = s.id) "
        "ORDER BY s.created_at"
    )
    op.execute(
        f"INSERT INTO journal_entry ({_COLUMNS}) "
        "SELECT s.project_id, s.district_code, NULL, 'property_subsidy_paid', "
        "'property_subsidy_payable', 'district_treasury', p.amount_fen, p.id, p.recorded_at "
        "FROM property_subsidy_payment p JOIN property_subsidy_schedule s ON s.id = p.schedule_id "
        "WHERE NOT EXISTS (SELECT 1 FROM journal_entry j WHERE j.reference_id = p.id) "
        "ORDER BY p.recorded_at"
    )


def downgrade() -> None:
    pass
