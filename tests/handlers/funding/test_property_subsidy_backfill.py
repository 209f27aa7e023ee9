"""Schedules and payments recorded before the property subsidy moved through the journal are
posted by the migration, once: afterwards the reconciliation ties out for them too."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlmodel import Session, select

from services.funding.models import JournalEntry
from shared.db.types import UtcDateTime

MIGRATIONS = Path(__file__).parents[3] / "services" / "funding" / "migrations"
SCHEDULED_AT = datetime(2026, 6, 1, 2, tzinfo=UTC)
PAID_AT = datetime(2026, 7, 3, 2, tzinfo=UTC)


def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    (command.downgrade if down else command.upgrade)(config, revision)


def _schedule_and_payment(engine: sa.Engine) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A schedule and a payment as revision 0008 stored them (its columns, no journal entries)."""
    tables = sa.MetaData()
    schedule = sa.Table(
        "property_subsidy_schedule",
        tables,
        sa.Column("id", sa.Uuid),
        sa.Column("project_id", sa.Uuid),
        sa.Column("district_code", sa.String),
        sa.Column("programme_code", sa.String),
        sa.Column("floor_area_m2", sa.Numeric(13, 2)),
        sa.Column("taken_over_on", sa.Date),
        sa.Column("months", sa.Integer),
        sa.Column("total_fen", sa.BigInteger),
        sa.Column("created_by", sa.String),
        sa.Column("created_at", UtcDateTime()),
    )
    payment = sa.Table(
        "property_subsidy_payment",
        tables,
        sa.Column("id", sa.Uuid),
        sa.Column("schedule_id", sa.Uuid),
        sa.Column("month", sa.Date),
        sa.Column("amount_fen", sa.BigInteger),
        sa.Column("paid_on", sa.Date),
        sa.Column("recorded_by", sa.String),
        sa.Column("recorded_at", UtcDateTime()),
    )
    schedule_id, project_id, payment_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            schedule.insert().values(
                id=schedule_id,
                project_id=project_id,
                district_code="zz-jinshui",
                programme_code="zhengzhou-2019",
                floor_area_m2=Decimal("1000.05"),
                taken_over_on=date(2026, 5, 15),
                months=36,
                total_fen=1_080_054,
                created_by="zz-jinshui",
                created_at=SCHEDULED_AT,
            )
        )
        conn.execute(
            payment.insert().values(
                id=payment_id,
                schedule_id=schedule_id,
                month=date(2026, 6, 1),
                amount_fen=30_002,
                paid_on=date(2026, 7, 2),
                recorded_by="zz-jinshui",
                recorded_at=PAID_AT,
            )
        )
    return schedule_id, project_id, payment_id


def _journal(engine: sa.Engine) -> list[tuple[object, ...]]:
    with Session(engine) as session:
        rows = session.exec(select(JournalEntry).order_by(JournalEntry.id)).all()  # type: ignore[arg-type]
        return [
            (
                e.project_id,
                e.award_id,
                e.movement,
                e.debit_account,
                e.credit_account,
                e.amount_fen,
                e.reference_id,
                e.posted_at,
            )
            for e in rows
        ]


async def test_existing_schedules_and_payments_are_posted_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'funding.db'}"
    await asyncio.to_thread(_migrate, url, "0008")
    engine = sa.create_engine(url)
    schedule_id, project_id, payment_id = _schedule_and_payment(engine)
    await asyncio.to_thread(_migrate, url, "head")
    expected = [
        (
            project_id,
            None,
            "property_subsidy_scheduled",
            "property_subsidy_expense",
            "property_subsidy_payable",
            1_080_054,
            schedule_id,
            SCHEDULED_AT,
        ),
        (
            project_id,
            None,
            "property_subsidy_paid",
            "property_subsidy_payable",
            "district_treasury",
            30_002,
            payment_id,
            PAID_AT,
        ),
    ]
    assert _journal(engine) == expected
    await asyncio.to_thread(_migrate, url, "0008", down=True)
    await asyncio.to_thread(_migrate, url, "head")
    assert _journal(engine) == expected  # an upgrade run again posts nothing twice
    engine.dispose()
