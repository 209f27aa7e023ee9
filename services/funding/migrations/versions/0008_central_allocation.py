"""Kaifeng's ranked central-fund allocation and funding commitments.

- `project_readiness` and `project_readiness_step`: what funding hears of a project's preparation
  and works (the ranking's inputs);
- `central_allocation` and `central_allocation_line`: Housing's proposal and Finance's approval;
- `journal_entry.award_id` becomes nullable: a central-fund movement belongs to no award (its
  `reference_id` is the allocation line). On SQLite the table is rebuilt by hand (not by batch
  mode, which would drop its CHECKs and append-only triggers) and the triggers recreated;
- `property_takeover.floor_area_m2`: the floor area when the registry's takeover event carries it.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CEILING = 10**13


def _money(name: str) -> sa.Column:
    return sa.Column(
        name, sa.BigInteger, sa.CheckConstraint(f"{name} BETWEEN 0 AND {CEILING}"), nullable=False
    )


def _journal_award_nullable(nullable: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("journal_entry", "award_id", nullable=nullable)
        return
    op.execute(
        "CREATE TABLE journal_entry_new ("
        "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "
        "project_id CHAR(32) NOT NULL, "
        "district_code VARCHAR(64) NOT NULL, "
        f"award_id CHAR(32) {'' if nullable else 'NOT NULL '}REFERENCES award (id), "
        "movement VARCHAR(32) NOT NULL, "
        "debit_account VARCHAR(32) NOT NULL, "
        "credit_account VARCHAR(32) NOT NULL, "
        f"amount_fen BIGINT NOT NULL CHECK (amount_fen > 0 AND amount_fen <= {CEILING}), "
        "reference_id CHAR(32) NOT NULL, "
        "posted_at DATETIME NOT NULL, "
        "CONSTRAINT journal_entry_two_accounts CHECK (debit_account <> credit_account))"
    )
    op.execute("INSERT INTO journal_entry_new SELECT * FROM journal_entry")
    op.execute("DROP TABLE journal_entry")
    op.execute("ALTER TABLE journal_entry_new RENAME TO journal_entry")
    op.execute("CREATE INDEX ix_journal_entry_project_id ON journal_entry (project_id)")
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER journal_entry_no_{verb.lower()} BEFORE {verb} ON journal_entry "
            "BEGIN SELECT RAISE(ABORT, 'journal_entry is append-only'); END"
        )


def upgrade() -> None:
    op.create_table(
        "project_readiness",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("district_code", sa.String(64), nullable=False),
        sa.Column("programme_code", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(200)),
        sa.Column(
            "investment_fen", sa.BigInteger, sa.CheckConstraint(f"investment_fen BETWEEN 0 AND {CEILING}")
        ),
        sa.Column("started_on", sa.Date),
        sa.Column("progress_percent", sa.Integer, sa.CheckConstraint("progress_percent BETWEEN 0 AND 100")),
        sa.Column("completed_on", sa.Date),
        sa.Column("accepted_on", sa.Date),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "project_readiness_step",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("done_on", sa.Date, nullable=False),
        sa.Column("source_event_id", sa.String(64), nullable=False),
        sa.UniqueConstraint("project_id", "step"),
    )
    op.create_table(
        "central_allocation",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("programme_code", sa.String(64), nullable=False, index=True),
        _money("amount_fen"),
        _money("allocated_fen"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("weights", sa.String(64), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("proposed_at", UtcDateTime(), nullable=False),
        sa.Column("approved_by", sa.String(64)),
        sa.Column("approved_at", UtcDateTime()),
        sa.CheckConstraint("allocated_fen <= amount_fen", name="central_allocation_within_amount"),
    )
    op.create_table(
        "central_allocation_line",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column(
            "allocation_id", sa.Uuid, sa.ForeignKey("central_allocation.id"), nullable=False, index=True
        ),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("district_code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("listed", sa.Boolean, nullable=False),
        sa.Column("rank", sa.Integer),
        sa.Column("score", sa.Numeric(6, 4)),
        sa.Column("approvals", sa.Numeric(6, 4)),
        sa.Column("progress", sa.Numeric(6, 4)),
        sa.Column("investment", sa.Numeric(6, 4)),
        _money("need_fen"),
        _money("amount_fen"),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.CheckConstraint("amount_fen <= need_fen", name="central_line_within_need"),
        sa.CheckConstraint("listed OR amount_fen = 0", name="central_line_listed_only"),
        sa.UniqueConstraint("allocation_id", "project_id"),
    )
    _journal_award_nullable(True)
    op.add_column("property_takeover", sa.Column("floor_area_m2", sa.Numeric(13, 2)))


def downgrade() -> None:
    op.drop_column("property_takeover", "floor_area_m2")
    # a journal that already holds central-fund movements cannot go back: they have no award
    _journal_award_nullable(False)
    op.drop_table("central_allocation_line")
    op.drop_table("central_allocation")
    op.drop_table("project_readiness_step")
    op.drop_table("project_readiness")
