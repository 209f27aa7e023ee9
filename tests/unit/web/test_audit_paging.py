"""`GET /audit` paged by cursor over HTTP, on a real (SQLite) audit table migrated as a service does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import audit
from shared.access import OrganisationKind, Principal
from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations
from shared.errors import RuleViolation
from shared.settings import ServiceSettings
from shared.web.app import create_app
from shared.web.paging import cursor_pattern, decode_cursor, encode_cursor
from shared.web.runtime import ServiceDefinition
from tests.support import tokens

MIGRATIONS = Path(__file__).parents[3] / "services" / "funding" / "migrations"
ENTRIES = 1_200
OFFICE = Principal(
    subject="client:zz-renovation-office",
    org_code="zz-renovation-office",
    org_kind=OrganisationKind.OFFICE,
    district_code=None,
    scopes=frozenset(),
)


class Trail:
    """A service's audit table on SQLite behind the real web layer."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.unit_of_work = UnitOfWork(create_sessions(self.engine))
        settings = ServiceSettings(service_name="audit-test", environment="test")
        app = create_app(
            ServiceDefinition(
                settings=settings, title="t", description="t", routers=[], migrations_dir=MIGRATIONS
            )
        )
        app.state.runtime = SimpleNamespace(settings=settings, engine=self.engine)
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", headers=tokens.office()
        )

    async def write(self, count: int) -> None:
        async with self.unit_of_work() as session:
            for n in range(count):
                action = "award.approved" if n % 3 == 0 else "award.proposed"
                audit.record(session, OFFICE, action, "award", f"award-{n % 7}", after={"n": n})

    async def close(self) -> None:
        await self.client.aclose()
        await self.engine.dispose()


async def _trail(directory: Path, entries: int) -> Trail:
    url = f"sqlite:///{directory / 'funding.db'}"
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    trail = Trail(url)
    await trail.write(entries)
    return trail


@pytest.fixture(scope="module")
async def audited(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    """1,200 entries, read only by the tests that use it."""
    trail = await _trail(tmp_path_factory.mktemp("audit"), ENTRIES)
    yield trail.client
    await trail.close()


async def _walk(client: httpx.AsyncClient, url: str) -> tuple[list[int], int]:
    """Follow `Link: rel="next"` from `url` to the last page; the ids seen and the pages read."""
    seen: list[int] = []
    pages = 0
    next_url: str | None = url
    while next_url is not None:
        response = await client.get(next_url)
        assert response.status_code == 200, response.text
        pages += 1
        seen += [entry["id"] for entry in response.json()]
        nxt = response.links.get("next")
        next_url = nxt["url"] if nxt else None
        assert pages <= ENTRIES, "the pages never end"
    return seen, pages


async def test_1200_entries_page_through_newest_first_with_no_gap_and_no_repeat(
    audited: httpx.AsyncClient,
) -> None:
    seen, pages = await _walk(audited, "/audit?limit=100")
    assert pages == 12
    assert len(seen) == len(set(seen)) == ENTRIES
    assert seen == sorted(seen, reverse=True)
    assert set(seen) == set(range(min(seen), min(seen) + ENTRIES))


async def test_the_last_page_has_no_next_link(audited: httpx.AsyncClient) -> None:
    everything = await audited.get("/audit", params={"limit": 500})
    assert "next" in everything.links
    last = await audited.get("/audit", params={"limit": 500, "after": encode_cursor((201,))})
    assert [e["id"] for e in last.json()] == list(range(200, 0, -1))
    assert "next" not in last.links and "link" not in last.headers


async def test_filters_are_kept_on_every_page(audited: httpx.AsyncClient) -> None:
    seen, _ = await _walk(audited, "/audit?limit=37&action=award.approved&record_id=award-3")
    expected = [n + 1 for n in range(ENTRIES) if n % 3 == 0 and n % 7 == 3]
    assert seen == sorted(expected, reverse=True)


async def test_entries_written_between_pages_neither_shift_nor_repeat_the_walk(tmp_path: Path) -> None:
    trail = await _trail(tmp_path, 30)
    try:
        first = await trail.client.get("/audit", params={"limit": 10})
        await trail.write(5)  # newer entries arrive while the client reads
        second = await trail.client.get(first.links["next"]["url"])
        assert [e["id"] for e in first.json()] == list(range(30, 20, -1))
        assert [e["id"] for e in second.json()] == list(range(20, 10, -1))
    finally:
        await trail.close()


@pytest.mark.parametrize(
    "after", ["not-a-cursor", encode_cursor(("1",)), encode_cursor((1, 2)), "01", "1" * 19]
)
async def test_a_cursor_the_trail_did_not_issue_is_a_422_naming_after(
    audited: httpx.AsyncClient, after: str
) -> None:
    response = await audited.get("/audit", params={"after": after}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["after"]


async def test_the_openapi_document_states_which_cursors_are_accepted(audited: httpx.AsyncClient) -> None:
    operation = (await audited.get("/openapi.json")).json()["paths"]["/audit"]["get"]
    (after,) = [p for p in operation["parameters"] if p["name"] == "after"]
    assert after["schema"]["anyOf"][0]["pattern"] == cursor_pattern((int,))
    assert "Link" in operation["responses"]["200"]["headers"]


def test_a_cursor_of_other_key_types_is_refused_as_not_issued() -> None:
    with pytest.raises(RuleViolation) as refused:
        decode_cursor(encode_cursor(("abc",)), (int,))
    assert [(e.field, e.rule) for e in refused.value.errors] == [("after", "cursor_invalid")]


@settings(max_examples=200, deadline=None, database=None)
@given(st.from_regex(cursor_pattern((int, str)), fullmatch=True))
def test_every_cursor_the_pattern_allows_decodes_to_a_key(after: str) -> None:
    number, text = decode_cursor(after, (int, str))  # type: ignore[misc]
    assert 0 <= number < 10**18 and "\x00" not in text


def test_a_cursor_round_trips_its_key() -> None:
    assert decode_cursor(encode_cursor((42,)), (int,)) == (42,)
    assert decode_cursor(encode_cursor(("2026-11-20T02:00:00+00:00", "abc")), (str, str)) == (
        "2026-11-20T02:00:00+00:00",
        "abc",
    )
    assert decode_cursor(None, (int,)) is None
