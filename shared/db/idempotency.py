"""Idempotency keys for POST commands: the first response is stored in the command's own
transaction, so a retry with the same key gets it back and the command runs once.

Keys are scoped to the caller (organisation and subject) and expire after `KEY_TTL` (24 hours,
as Stripe and the IETF Idempotency-Key draft suggest); an expired key may be used afresh. The HTTP
side (header, request hash, replay, 409/422 answers) is `shared.web.idempotency`; this module is
the storage, kept apart so a job or test can use it without the web framework.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, Integer, String, Text, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db.types import UtcDateTime

__all__ = [
    "KEY_TTL",
    "IdempotencyRecord",
    "StoredResponse",
    "claim_key",
    "create_idempotency_table",
    "drop_idempotency_table",
    "store_response",
]

KEY_TTL = timedelta(hours=24)
"""How long a key is remembered after its first use."""


class IdempotencyRecord(SQLModel, table=True):
    """One key a caller used: what it was used for and the response it got.

    Attributes:
        caller: who used the key (primary key, with `key`).
        key: the client's Idempotency-Key.
        request_hash: a digest of the first request, to refuse the key's reuse for another one.
        status_code: the first response's status; None until `store_response`.
        response_body: the first response's body, replayed byte for byte.
        expires_at: when the key may be used afresh.
    """

    __tablename__ = "idempotency_key"

    caller: str = Field(sa_column=Column(String(200), primary_key=True))
    key: str = Field(sa_column=Column(String(255), primary_key=True))
    request_hash: str = Field(sa_column=Column(String(64), nullable=False))
    status_code: int | None = Field(default=None, sa_column=Column(Integer))
    response_body: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


_KEYS = IdempotencyRecord.__table__  # type: ignore[attr-defined]


def _claim(insert: Any) -> Any:
    """Claim a new key, or take over an expired one, in one statement; RETURNING says which.

    A key in use (not expired) conflicts and is left alone, so nothing is returned. Built once
    per dialect: building and hashing a statement per request cost more than running it."""
    statement = insert(_KEYS).values(
        caller=bindparam("p_caller"),
        key=bindparam("p_key"),
        request_hash=bindparam("p_request_hash"),
        created_at=bindparam("p_created_at", type_=UtcDateTime()),
        expires_at=bindparam("p_expires_at", type_=UtcDateTime()),
    )
    fresh = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[_KEYS.c.caller, _KEYS.c.key],
        set_={
            "request_hash": fresh.request_hash,
            "created_at": fresh.created_at,
            "expires_at": fresh.expires_at,
            "status_code": None,
            "response_body": None,
        },
        where=_KEYS.c.expires_at <= bindparam("p_now", type_=UtcDateTime()),
    ).returning(_KEYS.c.key)


_CLAIM = {"postgresql": _claim(pg_insert), "sqlite": _claim(sqlite_insert)}
_STORED = select(_KEYS.c.request_hash, _KEYS.c.status_code, _KEYS.c.response_body).where(
    _KEYS.c.caller == bindparam("p_caller"), _KEYS.c.key == bindparam("p_key")
)
_STORE = (
    sa.update(_KEYS)
    .where(_KEYS.c.caller == bindparam("p_caller"), _KEYS.c.key == bindparam("p_key"))
    .values(status_code=bindparam("p_status_code"), response_body=bindparam("p_response_body"))
)


@dataclass(frozen=True)
class StoredResponse:
    """What a previous use of the key answered (replayed as is).

    Attributes:
        request_hash: the digest of the request that first used the key.
        status_code: its response status (0 if the first use stored no response).
        body: its response body.
    """

    request_hash: str
    status_code: int
    body: str


async def claim_key(
    session: AsyncSession, *, caller: str, key: str, request_hash: str, now: datetime
) -> StoredResponse | None:
    """Claim `key` for this request inside the command's transaction.

    One statement claims a new key or takes over an expired one (`_claim`); only a key in use
    is read back. On PostgreSQL a concurrent request with the same key waits on the row's
    unique index until the first transaction ends, then finds its stored response: N identical
    requests run the command once.

    Args:
        session: the command's session (its transaction holds the claim).
        caller: who uses the key (keys of different callers never collide).
        key: the client's Idempotency-Key.
        request_hash: a digest of method, path and body.
        now: the current time (expiry).

    Returns:
        None when the key is new (or expired) and now claimed: run the command, then
        `store_response`. Otherwise the stored response of the earlier use, whose
        `request_hash` the caller must compare.
    """
    connection = await session.connection()
    params = {
        "p_caller": caller,
        "p_key": key,
        "p_request_hash": request_hash,
        "p_created_at": now,
        "p_expires_at": now + KEY_TTL,
        "p_now": now,
    }
    claimed = (await connection.execute(_CLAIM[connection.dialect.name], params)).first()
    if claimed is not None:
        return None
    row = (await connection.execute(_STORED, params)).one()
    return StoredResponse(row.request_hash, row.status_code or 0, row.response_body or "")


async def store_response(
    session: AsyncSession, *, caller: str, key: str, status_code: int, body: str
) -> None:
    """Record the response of the command that claimed `key` (same transaction).

    Args:
        session: the command's session, the one `claim_key` claimed the key in.
        caller: as given to `claim_key`.
        key: as given to `claim_key`.
        status_code: the response's status.
        body: the response's body, as it will be replayed.

    It updates the (caller, key) row; when there is none, nothing happens.
    """
    connection = await session.connection()
    await connection.execute(
        _STORE, {"p_caller": caller, "p_key": key, "p_status_code": status_code, "p_response_body": body}
    )


def create_idempotency_table() -> None:
    """Alembic operation: the table every service that accepts Idempotency-Key carries."""
    from alembic import op

    op.create_table(
        "idempotency_key",
        sa.Column("caller", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("response_body", sa.Text),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_idempotency_key_expires_at", "idempotency_key", ["expires_at"])


def drop_idempotency_table() -> None:
    """Alembic operation: undo `create_idempotency_table`."""
    from alembic import op

    op.drop_index("ix_idempotency_key_expires_at", table_name="idempotency_key")
    op.drop_table("idempotency_key")
