"""Cursor (keyset) paging for collections that grow: the audit trail, deliveries, events.

Why cursors and not offsets: an offset skips or repeats rows when entries are added between two
requests, and a large offset makes the database walk every skipped row. A cursor names the sort
key of the last row a client saw; the next page starts strictly after it, so a client paging
through a growing collection sees every row once.

The cursor is opaque to clients: the key values of the last row, each an integer in decimal or a
string as `x` and its UTF-8 bytes in hex, joined by dots (`1200`, `x323032362d...d.x6162`). Every
string the route's `pattern` (`after_query(kinds)`) matches decodes to a key of the right types,
so the schema says exactly which cursors are accepted. The next page's address is in the
`Link: <...>; rel="next"` header (RFC 8288), a relative reference to the same path with the same
query and the new `after`, absent on the last page. A route:

    @router.get("/things", response_model=list[Thing], responses=NEXT_LINK_RESPONSE)
    async def things(request: Request, response: Response, session: SessionDep,
                     after: Annotated[str | None, after_query((int,))] = None,
                     limit: Annotated[int, page_limit(100, 500)] = 100):
        key = decode_cursor(after, (int,))            # None on the first page
        rows = ...  WHERE id < key[0] ORDER BY id DESC LIMIT limit + 1
        return paginate(request, response, rows, limit, key=lambda row: (row.id,))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query, Request, Response

from shared.errors import FieldProblem, RuleViolation

__all__ = [
    "CURSOR_PATTERN",
    "NEXT_LINK_RESPONSE",
    "AfterQuery",
    "after_query",
    "cursor_pattern",
    "decode_cursor",
    "encode_cursor",
    "next_link",
    "page_limit",
    "paginate",
]

T = TypeVar("T")
Key = tuple[int | str, ...]

_INT = "0|[1-9][0-9]{0,17}"  # below 10**18, inside a signed 64-bit column
_STR = "x(?:[1-9a-f][0-9a-f]|0[1-9a-f]){0,64}"  # up to 64 UTF-8 bytes, never a NUL
_MAX_PARTS = 4
_PART = {int: _INT, str: _STR}

CURSOR_PATTERN = rf"^(?:{_INT}|{_STR})(?:\.(?:{_INT}|{_STR})){{0,{_MAX_PARTS - 1}}}$"
"""Any cursor this module writes, whatever the collection's key types."""


def cursor_pattern(kinds: tuple[type, ...]) -> str:
    """The pattern of a collection's cursors: one part per key value, of its type.

    Args:
        kinds: the type of each key value, `int` or `str`, e.g. ``(int,)`` or ``(str, str)``.

    Returns:
        An anchored regular expression every cursor of such keys matches, and only those.

    Raises:
        ValueError: a kind other than int or str, or more than four.
    """
    if not 1 <= len(kinds) <= _MAX_PARTS or any(kind not in _PART for kind in kinds):
        raise ValueError(f"cursor keys are 1..{_MAX_PARTS} ints or strs, not {kinds}")
    return "^" + "\\.".join(f"(?:{_PART[kind]})" for kind in kinds) + "$"


def after_query(kinds: tuple[type, ...]) -> Any:
    """The `after` query parameter of a collection whose sort key has these types.

    Args:
        kinds: the type of each key value, as `decode_cursor` is given them.

    Returns:
        A FastAPI `Query` with the exact `pattern`, to use as `Annotated` metadata.
    """
    return Query(
        min_length=1,
        max_length=_MAX_PARTS * 130,
        pattern=cursor_pattern(kinds),
        description='Opaque cursor from the previous page\'s `Link: <...>; rel="next"` header.',
    )


AfterQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=_MAX_PARTS * 130,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description='Opaque cursor from the previous page\'s `Link: <...>; rel="next"` header.',
    ),
]
"""A loose `after` parameter (a cursor of another key's shape is then refused by `decode_cursor`
with rule `cursor_invalid`); prefer `after_query(kinds)`, whose pattern names exactly the cursors
the collection accepts."""

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
        key: the sort key values of the last row on a page, e.g. ``(1200,)``: ints in
            0..10**18-1, strings of at most 64 UTF-8 bytes without NUL.

    Returns:
        The parts joined by dots, safe in a query string.

    Raises:
        ValueError: a value a cursor cannot carry.
    """
    parts = []
    for value in key:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"a cursor carries ints and strs, not {value!r}")
        part = str(value) if isinstance(value, int) else "x" + value.encode().hex()
        if not re.fullmatch(_PART[type(value)], part):
            raise ValueError(f"{value!r} is out of a cursor's range")
        parts.append(part)
    return ".".join(parts)


def decode_cursor(after: str | None, kinds: tuple[type, ...]) -> Key | None:
    """The sort key a cursor names, checked against the types the collection's key has.

    Args:
        after: the `after` query parameter; None or empty on the first page.
        kinds: the type of each key value, e.g. ``(int,)`` or ``(str, str)``.

    Returns:
        The key as a tuple, or None for the first page.

    Raises:
        RuleViolation: a cursor of another shape (field `after`, rule `cursor_invalid`), answered
            as a 422 problem; a route using `after_query(kinds)` has refused it already.
    """
    if not after:
        return None
    if not re.fullmatch(cursor_pattern(kinds), after):
        raise RuleViolation(
            "the cursor is not one this collection issued",
            [FieldProblem("after", "cursor_invalid", "Use the cursor from the previous page's Link header.")],
        )
    return tuple(
        int(part) if kind is int else bytes.fromhex(part[1:]).decode("utf-8", "replace")
        for part, kind in zip(after.split("."), kinds, strict=True)
    )


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
