"""Look into a service's database the way an operator would, with plain SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from shared.db import create_engine


async def query(database_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in await conn.execute(text(sql), params)]
    finally:
        await engine.dispose()


async def scalar(database_url: str, sql: str, **params: Any) -> Any:
    rows = await query(database_url, sql, **params)
    return rows[0][0] if rows else None
