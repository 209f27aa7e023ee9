"""Projects follow their programme's steps: step + status replace the fixed stage; the timeline.

Revision ID: 0005
Revises: 0004

Old stages map to the new vocabulary: surveyed → survey/opened, consulted → consultation/consulted,
planned → planning/plan_approved, under_construction → construction/construction_started,
accepted → acceptance/accepted, taken_over → property_takeover/taken_over, closed_out →
close_out/closed.
"""

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_STAGES = {
    "surveyed": ("survey", "opened"),
    "consulted": ("consultation", "consulted"),
    "planned": ("planning", "plan_approved"),
    "under_construction": ("construction", "construction_started"),
    "accepted": ("acceptance", "accepted"),
    "taken_over": ("property_takeover", "taken_over"),
    "closed_out": ("close_out", "closed"),
}


def upgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("step", sa.String(32), nullable=True))
        batch.add_column(sa.Column("status", sa.String(32), nullable=True))
        batch.add_column(sa.Column("street_office", sa.String(200)))
        batch.add_column(sa.Column("last_step_on", sa.Date))
        batch.add_column(sa.Column("households_consulted", sa.Integer))
        batch.add_column(sa.Column("households_in_favour", sa.Integer))
        batch.add_column(sa.Column("publicity_from", sa.Date))
        batch.add_column(sa.Column("publicity_to", sa.Date))
        batch.add_column(sa.Column("plan_version", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("plan_items", sa.JSON, nullable=True))
        batch.add_column(sa.Column("approved_investment_fen", sa.BigInteger))
        batch.add_column(sa.Column("accepted_investment_fen", sa.BigInteger))
        batch.add_column(sa.Column("audited_on", sa.Date))
        batch.add_column(sa.Column("closed_on", sa.Date))
    project = sa.table(
        "project",
        sa.column("stage", sa.String),
        sa.column("step", sa.String),
        sa.column("status", sa.String),
        sa.column("plan_items", sa.JSON),
    )
    for stage, (step, status) in _STAGES.items():
        op.execute(project.update().where(project.c.stage == stage).values(step=step, status=status))
    op.execute(project.update().values(plan_items=[]))
    with op.batch_alter_table("project") as batch:
        batch.alter_column("step", existing_type=sa.String(32), nullable=False)
        batch.alter_column("status", existing_type=sa.String(32), nullable=False)
        batch.alter_column("plan_items", existing_type=sa.JSON, nullable=False)
        batch.drop_column("stage")
        batch.create_index("ix_project_step", ["step"])
        batch.create_index("ix_project_programme_code", ["programme_code"])
    op.create_table(
        "project_step",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Uuid, sa.ForeignKey("project.id"), nullable=False, index=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("actor_org", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("project_step")
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("stage", sa.String(32), nullable=True))
    project = sa.table("project", sa.column("stage", sa.String), sa.column("status", sa.String))
    for stage, (_, status) in _STAGES.items():
        op.execute(project.update().where(project.c.status == status).values(stage=stage))
    with op.batch_alter_table("project") as batch:
        batch.drop_index("ix_project_programme_code")
        batch.drop_index("ix_project_step")
        for column in (
            "closed_on",
            "audited_on",
            "accepted_investment_fen",
            "approved_investment_fen",
            "plan_items",
            "plan_version",
            "publicity_to",
            "publicity_from",
            "households_in_favour",
            "households_consulted",
            "last_step_on",
            "street_office",
            "status",
            "step",
        ):
            batch.drop_column(column)
