"""Migration 0011 numbers the deliveries already stored in the order the log showed them until
then, (created_at, id), and starts the log's head after the last of them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from shared.db.types import UtcDateTime

MIGRATIONS = Path(__file__).parents[3] / "services" / "notification" / "migrations"
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def upgrade(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, revision)


def store_before_0011(url: str) -> list[uuid.UUID]:
    """Five deliveries at revision 0010 (two share a timestamp); their ids in the old log order."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    subscription = sa.Table(
        "subscription",
        metadata,
        sa.Column("id", sa.Uuid),
        *(sa.Column(name, sa.String) for name in ("subscriber_code", "channel", "endpoint_url", "secret")),
        sa.Column("event_types", sa.JSON),
        sa.Column("active", sa.Boolean),
        sa.Column("created_at", UtcDateTime()),
    )
    delivery = sa.Table(
        "delivery",
        metadata,
        sa.Column("id", sa.Uuid),
        sa.Column("subscription_id", sa.Uuid),
        *(sa.Column(name, sa.String) for name in ("event_id", "event_type", "content", "state")),
        sa.Column("attempts", sa.Integer),
        sa.Column("created_at", UtcDateTime()),
        sa.Column("next_attempt_at", UtcDateTime()),
    )
    sub_id = uuid.uuid4()
    rows = [(T0 + timedelta(seconds=s), uuid.uuid4()) for s in (3, 1, 2, 2, 0)]
    with engine.begin() as conn:
        conn.execute(
            subscription.insert().values(
                id=sub_id,
                subscriber_code="finance",
                event_types=["x"],
                channel="webhook",
                endpoint_url="https://finance.example.org/hook",
                secret="s",
                active=True,
                created_at=T0,
            )
        )
        for n, (created, delivery_id) in enumerate(rows):
            conn.execute(
                delivery.insert().values(
                    id=delivery_id,
                    subscription_id=sub_id,
                    event_id=f"e{n}",
                    event_type="x",
                    content="{}",
                    state="pending",
                    attempts=0,
                    created_at=created,
                    next_attempt_at=created,
                )
            )
    engine.dispose()
    return [delivery_id for _, delivery_id in sorted(rows, key=lambda r: (r[0], str(r[1])))]


def numbered(url: str) -> tuple[list[uuid.UUID], int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        query = sa.text("SELECT id FROM delivery ORDER BY seq").columns(sa.column("id", sa.Uuid))
        ids = list(conn.execute(query).scalars())
        seqs = list(conn.execute(sa.text("SELECT seq FROM delivery ORDER BY seq")).scalars())
        head = conn.execute(sa.text("SELECT last_seq FROM delivery_log_head WHERE id = 1")).scalar_one()
    engine.dispose()
    assert seqs == list(range(1, len(seqs) + 1))
    return ids, head


async def test_existing_deliveries_keep_their_order_and_the_head_follows_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'notification.db'}"
    await asyncio.to_thread(upgrade, url, "0010")
    old_order = await asyncio.to_thread(store_before_0011, url)
    await asyncio.to_thread(upgrade, url, "head")
    assert await asyncio.to_thread(numbered, url) == (old_order, 5)
