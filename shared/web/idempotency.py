"""The `Idempotency-Key` header on POST commands, the same in every service.

A route that accepts it declares `idempotency: IdempotencyDep` and returns
`await idempotency.run(session, command, response_model=..., status_code=...)`:

- no header: the command simply runs;
- a new key: the command runs and its response is stored in the same transaction;
- the same key and the same request again: the first response is returned (header
  `Idempotent-Replayed: true`) and nothing runs, nothing is emitted;
- the same key with a different request: 422, rule `idempotency_key_reused`, nothing changes.

Keys expire after `shared.db.idempotency.KEY_TTL`. Errors are not stored: a failed command rolls
its transaction back, key included, so the client may retry it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.access import Principal
from shared.db.idempotency import claim_key, store_response
from shared.errors import FieldProblem, RuleViolation

__all__ = ["Idempotency", "IdempotencyDep", "KEY_PATTERN"]

KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
"""Printable ASCII without spaces, 1 to 255 characters (UUIDs, ULIDs and the like)."""


class Idempotency:
    """The request's idempotency key (if any) and what it takes to honour it.

    Args:
        request: the request; its state and body are read to fingerprint it.
        key: the `Idempotency-Key` header, or None when the request has none.
    """

    def __init__(self, request: Request, key: str | None) -> None:
        self._request = request
        self.key = key

    async def run(
        self,
        session: AsyncSession,
        command: Callable[[], Awaitable[Any]],
        *,
        response_model: Any,
        status_code: int = 200,
    ) -> Any:
        """Run `command` once per key; return its response, or the stored one on a replay.

        Args:
            session: the request's unit of work (the key is claimed in it).
            command: the command to run when the key is new.
            response_model: the route's response model, to serialise what is stored.
            status_code: the route's success status.

        Raises:
            RuleViolation: the key was used before with a different request.
        """
        if self.key is None:
            return await command()
        principal: Principal | None = getattr(self._request.state, "principal", None)
        caller = f"{principal.org_code}:{principal.subject}" if principal else "anonymous"
        digest = await self._request_hash()
        now = self._request.app.state.runtime.clock.now()
        stored = await claim_key(session, caller=caller, key=self.key, request_hash=digest, now=now)
        if stored is not None:
            if stored.request_hash != digest:
                raise RuleViolation(
                    "this Idempotency-Key was used for a different request",
                    [
                        FieldProblem(
                            "Idempotency-Key",
                            "idempotency_key_reused",
                            "use a new key for a different request",
                        )
                    ],
                )
            return JSONResponse(
                json.loads(stored.body),
                status_code=stored.status_code,
                headers={"Idempotent-Replayed": "true"},
            )
        result = await command()
        # Serialised once, by the response model's own serializer: the bytes sent are the bytes
        # stored (they were built, encoded and dumped three times over).
        content = TypeAdapter(response_model).dump_json(result)
        await store_response(
            session, caller=caller, key=self.key, status_code=status_code, body=content.decode()
        )
        return Response(content, status_code=status_code, media_type="application/json")

    async def _request_hash(self) -> str:
        body = await self._request.body()
        material = b"\n".join(
            [self._request.method.encode(), self._request.url.path.encode(), _canonical(body)]
        )
        return hashlib.sha256(material).hexdigest()


def _canonical(body: bytes) -> bytes:
    """The body as canonical JSON where it is JSON (key order and spacing do not matter)."""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        return body


async def _idempotency(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Send the same key to retry safely: the first response is returned and "
            "the command runs once. Printable ASCII, 1–255 characters; kept for 24 hours.",
            min_length=1,
            max_length=255,
            pattern=KEY_PATTERN.pattern,
        ),
    ] = None,
) -> Idempotency:
    # The header's format is part of the OpenAPI schema; FastAPI answers a malformed key with a
    # 422 naming `Idempotency-Key` before this runs. async: a plain `def` dependency would run in
    # FastAPI's thread pool, a thread hand-off on every POST.
    return Idempotency(request, idempotency_key)


IdempotencyDep = Annotated[Idempotency, Depends(_idempotency)]
