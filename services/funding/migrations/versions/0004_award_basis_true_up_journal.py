"""Award basis and figures; true-up adjustments; projects without an award; tranches; the journal.

The journal, adjustments and tranches are append-only at the database (UPDATE and DELETE refused
by triggers): a correction is a new row. Amounts are BIGINT with CHECKs on the money ceiling
(shared.types.MONEY_CEILING_FEN = 10^13 fen), so no single figure nears 2^63 and sums stay exact.

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

CEILING = 10**13
APPEND_ONLY = ("journal_entry", "award_adjustment", "disbursement")


def _money(name: str, *, nullable: bool = False, signed: bool = False) -> sa.Column:
    low = -CEILING if signed else 0
    return sa.Column(
        name,
        sa.BigInteger,
        sa.CheckConstraint(f"{name} BETWEEN {low} AND {CEILING}"),
        nullable=nullable,
    )


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE OR REPLACE FUNCTION {table}_is_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_is_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def upgrade() -> None:
    op.add_column("award", sa.Column("basis", sa.String(32)))
    op.add_column("award", sa.Column("planned_investment_fen", sa.BigInteger))
    op.add_column("award", sa.Column("accepted_investment_fen", sa.BigInteger))
    op.add_column("award", sa.Column("audited_investment_fen", sa.BigInteger))
    op.create_table(
        "award_exclusion",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("district_code", sa.String(64), nullable=False, index=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("source_event_id", sa.String(64), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "award_adjustment",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("award_id", sa.Uuid, sa.ForeignKey("award.id"), nullable=False, index=True),
        sa.Column("project_id", sa.Uuid, nullable=False),
        sa.Column("district_code", sa.String(64), nullable=False),
        _money("audited_investment_fen"),
        _money("previous_amount_fen"),
        _money("new_amount_fen"),
        _money("adjustment_fen", signed=True),
        sa.Column("source_event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("adjusted_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "disbursement",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("award_id", sa.Uuid, sa.ForeignKey("award.id"), nullable=False, index=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("district_code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "amount_fen",
            sa.BigInteger,
            sa.CheckConstraint(f"amount_fen > 0 AND amount_fen <= {CEILING}"),
            nullable=False,
        ),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("reference", sa.String(200)),
        sa.Column("reverses_id", sa.Uuid, sa.ForeignKey("disbursement.id"), unique=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "journal_entry",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("district_code", sa.String(64), nullable=False),
        sa.Column("award_id", sa.Uuid, sa.ForeignKey("award.id"), nullable=False),
        sa.Column("movement", sa.String(32), nullable=False),
        sa.Column("debit_account", sa.String(32), nullable=False),
        sa.Column("credit_account", sa.String(32), nullable=False),
        sa.Column(
            "amount_fen",
            sa.BigInteger,
            sa.CheckConstraint(f"amount_fen > 0 AND amount_fen <= {CEILING}"),
            nullable=False,
        ),
        sa.Column("reference_id", sa.Uuid, nullable=False),
        sa.Column("posted_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("debit_account <> credit_account", name="journal_entry_two_accounts"),
    )
    for table in APPEND_ONLY:
        _append_only(table)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_is_append_only()")
    op.drop_table("journal_entry")
    op.drop_table("disbursement")
    op.drop_table("award_adjustment")
    op.drop_table("award_exclusion")
    for column in ("audited_investment_fen", "accepted_investment_fen", "planned_investment_fen", "basis"):
        op.drop_column("award", column)
