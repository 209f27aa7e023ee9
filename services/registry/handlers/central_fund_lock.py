"""One writer at a time on a programme's central-fund list (Kaifeng's 117 communities).

Counting the listed communities and then flagging one is a check-then-act across rows: two
districts flagging different communities at once would both count 116 and both succeed. The
count is serialised per programme by a transaction-scoped PostgreSQL advisory lock, released at
commit or rollback; SQLite already serialises writers (its transactions begin IMMEDIATE).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession


def central_fund_lock_key(programme_code: str) -> int:
    """The advisory-lock key of one programme's central-fund list (a signed int64, stable)."""
    digest = hashlib.sha256(f"central-fund-list:{programme_code}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def lock_central_fund_list(session: AsyncSession, programme_code: str) -> None:
    """Wait for, then hold until the transaction ends, the programme's central-fund list lock.

    Call before counting the listed communities; every writer of the flag (classification, the
    ledger import) must take it too.
    """
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": central_fund_lock_key(programme_code)}
        )
