"""The move from one counter row per district to daily rows keeps the figures already projected."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parents[3] / "services" / "reporting" / "migrations"


def _upgrade(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, revision)


async def test_existing_district_totals_survive_the_move_to_daily_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reporting.db'}"
    await asyncio.to_thread(_upgrade, url, "0003")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO district_rollup VALUES ('zz-jinshui', 5, 2, 800000, :at)"),
            {"at": datetime(2026, 11, 20, 17, tzinfo=UTC).isoformat(sep=" ")},
        )
    await asyncio.to_thread(_upgrade, url, "head")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM district_day")).mappings().all()
        tables = sa.inspect(conn).get_table_names()
    engine.dispose()
    assert "district_rollup" not in tables
    (row,) = rows
    assert (row["district_code"], row["programme_code"]) == ("zz-jinshui", "unknown")
    assert date.fromisoformat(str(row["day"])) == date(2026, 11, 21)  # 01:00 on the 21st in Shanghai
    assert (row["registered_projects"], row["accepted_projects"], row["approved_award_fen"]) == (5, 2, 800000)
