"""Cursor (keyset) paging for collections that grow: the audit trail, deliveries, events.

Why cursors and not offsets: an offset skips or repeats rows when entries are added between two
requests, and a large offset makes the database walk every skipped row. A cursor names the sort
key of the last row a client saw; the next page starts strictly after it, so a client paging
through a growing collection sees every row once.

The cursor is opaque to clients (base64url of the key values as JSON); the next page's address is
in the `Link: <...>; rel="next"` header (RFC 8288), a relative reference to the same path with the
same query and the new `after`, and absent on the last page. A route:

    @router.get("/things", response_model=list[Thing], responses=NEXT_LINK_RESPONSE)
    async def things(request: Request, response: Response, session: SessionDep,
                     after: AfterQuery = None, limit: Annotated[int, page_limit(100, 500)] = 100):
        key = decode_cursor(after, (int,))            # None on the first page
        rows = ...  WHERE id < key[0] ORDER BY id DESC LIMIT limit + 1
        return paginate(request, response, rows, limit, key=lambda row: (row.id,))
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query, Request, Response

from shared.errors import FieldProblem, RuleViolation

__all__ = [
    "CURSOR_PATTERN",
    "NEXT_LINK_RESPONSE",
    "AfterQuery",
    "decode_cursor",
    "encode_cursor",
    "next_link",
    "page_limit",
    "paginate",
]

T = TypeVar("T")
Key = tuple[int | str, ...]

CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,200}$"
"""What a cursor looks like: base64url without padding, bounded."""

AfterQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        pattern=CURSOR_PATTERN,
        description='Opaque cursor from the previous page\'s `Link: <...>; rel="next"` header.',
    ),
]
"""The `after` query parameter of a paged collection."""

NEXT_LINK_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One page, in a stable order.",
        "headers": {
            "Link": {
                "description": 'The next page: `<relative URL>; rel="next"`; absent on the last page.',
                "schema": {"type": "string"},
            }
        },
    }
}
"""`responses=` entry documenting the `Link` header on a paged operation's 200."""


def page_limit(default: int, maximum: int) -> Any:
    """A bounded `limit` query parameter: 1..maximum, `default` when absent.

    Args:
        default: the page size when the client asks for none.
        maximum: the largest page a client may ask for.

    Returns:
        A FastAPI `Query` to use as the parameter's `Annotated` metadata.
    """
    return Query(ge=1, le=maximum, description=f"Page size, 1..{maximum} (default {default}).")


def encode_cursor(key: Key) -> str:
    """The opaque cursor for a row's sort key.

    Args:
        key: the sort key values of the last row on a page (ints and strings), e.g. ``(1200,)``.

    Returns:
        base64url text without padding, safe in a query string.
    """
    raw = json.dumps(list(key), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(after: str | None, kinds: tuple[type, ...]) -> Key | None:
    """The sort key a cursor names, checked against the types the collection's key has.

    Args:
        after: the `after` query parameter; None or empty on the first page.
        kinds: the type of each key value, e.g. ``(int,)`` or ``(str, str)``.

    Returns:
        The key as a tuple, or None for the first page.

    Raises:
        RuleViolation: a cursor this collection did not issue (field `after`, rule
            `cursor_invalid`), answered as a 422 problem.
    """
    if not after:
        return None
    try:
        raw = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4))
        values = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != len(kinds)
        or not all(type(v) is kind for v, kind in zip(values, kinds, strict=True))
    ):
        raise RuleViolation(
            "the cursor is not one this collection issued",
            [FieldProblem("after", "cursor_invalid", "Use the cursor from the previous page's Link header.")],
        )
    return tuple(values)


def next_link(request: Request, cursor: str) -> str:
    """The `Link` header value of the next page: this request's path and query with `after`.

    Args:
        request: the request being answered (its other query parameters are kept).
        cursor: the next page's cursor.

    Returns:
        ``</path?...&after=...>; rel="next"``, a reference relative to the request's URL.
    """
    query = request.url.include_query_params(after=cursor).query
    return f'<{request.url.path}?{query}>; rel="next"'


def paginate(
    request: Request, response: Response, rows: Sequence[T], limit: int, *, key: Callable[[T], Key]
) -> list[T]:
    """Cut a page from rows fetched with ``LIMIT limit + 1`` and set the `Link` header if more remain.

    Args:
        request: the request being answered.
        response: the route's `Response` parameter (the header is set on it).
        rows: up to ``limit + 1`` rows in the collection's order.
        limit: the page size the client asked for.
        key: the sort key of a row, the same values `decode_cursor` is given.

    Returns:
        The first ``limit`` rows.
    """
    page = list(rows[:limit])
    if len(rows) > limit and page:
        response.headers["Link"] = next_link(request, encode_cursor(key(page[-1])))
    return page
