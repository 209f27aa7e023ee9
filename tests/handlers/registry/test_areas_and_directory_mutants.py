"""Demonstration areas, the organisation directory and the central-fund list lock, pinned where
mutants survived: an area read and listed by who may see it (filters, paging, oldest first with
the id breaking ties, each area's communities), refusals in words, the designation's audit entry;
the directory seeded once from the profiles, read by kind and code; the advisory lock PostgreSQL
takes before the central-fund list is counted."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from services.registry.handlers import SUBSCRIPTIONS, areas, communities, directory
from services.registry.handlers.central_fund_lock import central_fund_lock_key, lock_central_fund_list
from services.registry.models.areas import AreaCreate
from services.registry.models.directory import Organisation, OrganisationCreate
from shared.audit import AuditEntry
from shared.clock import FixedClock
from shared.directory import OrganisationKind, seed_directory
from shared.errors import Conflict, ConflictError, FieldProblem, Forbidden, NotFoundError, RuleViolation
from shared.policy import bundled_profiles
from tests.handlers.harness import ServiceHarness
from tests.handlers.registry.walk import community_create, district, office

PROGRAMME = "zhengzhou-2018"
"""The one programme with demonstration areas (四(一): at least three communities each)."""


async def _communities(
    harness: ServiceHarness, district_code: str = "zz-jinshui", n: int = 3
) -> list[uuid.UUID]:
    actor, now = district(district_code), harness.clock.now()
    ids = []
    for _ in range(n):
        body = community_create(PROGRAMME, name=f"小区{uuid.uuid4().hex[:8]}", district_code=district_code)

        async def register(session: Any, body: Any = body) -> Any:
            return await communities.register_community(session, actor, body, now)

        ids.append((await harness.run(register)).id)
    return ids


async def _designate(harness: ServiceHarness, ids: list[uuid.UUID], actor: Any = None, **fields: Any) -> Any:
    body = AreaCreate.model_validate(
        {"name": "绿城广场示范区", "community_ids": [str(i) for i in ids], **fields}
    )
    now = harness.clock.now()
    return await harness.run(lambda s: areas.create_area(s, actor or district("zz-jinshui"), body, now))


async def _list(harness: ServiceHarness, actor: Any = None, **filters: Any) -> tuple[list[Any], int]:
    args = {"programme_code": None, "district_code": None, "limit": 100, "offset": 0, **filters}
    return await harness.run(lambda s: areas.list_areas(s, actor or office(), **args))


def _inverted(records: list[Any]) -> bool:
    return any(b.id < a.id for i, a in enumerate(records) for b in records[i + 1 :])


async def against_their_ids(make: Callable[[], Awaitable[Any]], clock: FixedClock) -> list[Any]:
    """Records made at two instants (three at the first, then at the second until their random ids
    run against both rules: a younger record with a smaller id than an older one and one with a
    larger id, whichever way a list sorts by age; and records of one instant made out of id
    order), oldest first, the id breaking ties."""
    first = [await make() for _ in range(3)]
    clock.advance(timedelta(minutes=5))
    later: list[Any] = []
    while not (
        later
        and min(r.id for r in later) < max(r.id for r in first)
        and max(r.id for r in later) > min(r.id for r in first)
        and (_inverted(first) or _inverted(later))
    ):
        later.append(await make())
    return [*sorted(first, key=lambda r: r.id), *sorted(later, key=lambda r: r.id)]


@pytest.fixture
async def registry(harness_for):  # type: ignore[no-untyped-def]
    return await harness_for("registry", SUBSCRIPTIONS)


async def test_areas_are_read_and_listed_by_who_may_see_them_with_their_communities(registry) -> None:  # type: ignore[no-untyped-def]
    jinshui_ids = await _communities(registry)
    jinshui = await _designate(registry, jinshui_ids, area_km2="1.05", note="东至文化路")
    registry.clock.advance(timedelta(minutes=1))
    erqi_ids = await _communities(registry, "zz-erqi")
    erqi = await _designate(registry, erqi_ids, actor=district("zz-erqi"))
    read = await registry.run(lambda s: areas.get_area(s, district("zz-jinshui"), jinshui.id))
    assert (read.note, read.district_code, read.community_ids) == (
        "东至文化路",
        "zz-jinshui",
        sorted(jinshui_ids),
    )
    with pytest.raises(NotFoundError, match=f"^no demonstration area {jinshui.id}$"):
        await registry.run(lambda s: areas.get_area(s, district("zz-erqi"), jinshui.id))
    page, total = await _list(registry)
    assert ([(a.id, a.community_ids) for a in page], total) == (
        [(jinshui.id, sorted(jinshui_ids)), (erqi.id, sorted(erqi_ids))],
        2,
    )
    assert [a.id for a in (await _list(registry, programme_code=PROGRAMME))[0]] == [jinshui.id, erqi.id]
    assert await _list(registry, programme_code="kaifeng-2019") == ([], 0)
    page, total = await _list(registry, district_code="zz-erqi")
    assert ([a.id for a in page], total) == ([erqi.id], 1)
    page, total = await _list(registry, actor=district("zz-erqi"))
    assert ([a.id for a in page], total) == ([erqi.id], 1)
    page, total = await _list(registry, limit=1, offset=1)
    assert ([a.id for a in page], total) == ([erqi.id], 2)
    page, total = await _list(registry, limit=1)
    assert ([a.id for a in page], total) == ([jinshui.id], 2)


async def test_areas_are_listed_oldest_first_and_the_id_breaks_ties(registry) -> None:  # type: ignore[no-untyped-def]
    async def area() -> Any:
        return await _designate(registry, await _communities(registry))

    made = await against_their_ids(area, registry.clock)
    page, total = await _list(registry)
    assert ([a.id for a in page], total) == ([a.id for a in made], len(made))


async def test_an_area_is_refused_in_words(registry) -> None:  # type: ignore[no-untyped-def]
    ids = await _communities(registry, n=4)
    with pytest.raises(Forbidden) as forbidden:
        await _designate(registry, ids[:3], actor=office())
    assert forbidden.value.detail == "a district designates the demonstration areas of its own ledger"
    unknown = uuid.uuid4()
    with pytest.raises(RuleViolation) as refused:
        await _designate(registry, [*ids[:3], unknown])
    assert refused.value.detail == "the area's communities must be in your district's ledger"
    assert refused.value.errors == [
        FieldProblem("community_ids.3", "exists", "no such community in your district")
    ]
    await _designate(registry, ids[:3])
    with pytest.raises(Conflict) as conflict:
        await _designate(registry, [ids[3], ids[2], ids[1]])
    assert conflict.value.detail == "a community is in one demonstration area at most"
    assert conflict.value.errors == [
        FieldProblem("community_ids.1", "one_area_per_community", str(ids[2])),
        FieldProblem("community_ids.2", "one_area_per_community", str(ids[1])),
    ]


async def test_a_designation_is_audited_under_the_area_with_its_body(registry) -> None:  # type: ignore[no-untyped-def]
    ids = await _communities(registry)
    area = await _designate(registry, ids, area_km2="0.98")
    [entry] = [e for e in await registry.all(AuditEntry) if e.action == "demonstration_area.designated"]
    assert (entry.record_type, entry.record_id, entry.actor_org) == (
        "demonstration_area",
        str(area.id),
        "zz-jinshui",
    )
    assert json.loads(entry.after) == {
        "name": "绿城广场示范区",
        "community_ids": [str(i) for i in ids],
        "area_km2": "0.98",
        "note": None,
    }


STREET = {
    "code": "zz-jinshui-wenhualu",
    "kind": "street_office",
    "name_zh": "文化路街道",
    "name_en": "Wenhualu",
    "parent_code": "zz-jinshui",
}


async def test_seeding_adds_each_organisation_the_profiles_name_once(registry) -> None:  # type: ignore[no-untyped-def]
    named = {o.code for o in seed_directory(bundled_profiles())}
    assert await registry.run(directory.seed_organisations) == len(named)
    stored = await registry.all(Organisation)
    assert {o.code for o in stored} == named and {o.source for o in stored} == {"seed"}
    assert await registry.run(directory.seed_organisations) == 0
    assert len(await registry.all(Organisation)) == len(named)


async def test_an_organisation_is_refused_in_words_and_audited_when_added(registry) -> None:  # type: ignore[no-untyped-def]
    await registry.run(directory.seed_organisations)
    street = OrganisationCreate.model_validate(STREET)
    await registry.run(lambda s: directory.add_organisation(s, office(), street))
    [entry] = [e for e in await registry.all(AuditEntry) if e.action == "organisation.added"]
    assert (entry.record_type, entry.record_id) == ("organisation", "zz-jinshui-wenhualu")
    assert json.loads(entry.after) == STREET
    with pytest.raises(ConflictError) as taken:
        await registry.run(lambda s: directory.add_organisation(s, office(), street))
    assert taken.value.detail == "organisation zz-jinshui-wenhualu exists"
    assert taken.value.errors == [FieldProblem("code", "unique", "choose another code")]
    for parent in (None, "office", "zz-nowhere"):  # no parent, one that is not a district, none such
        orphan = street.model_copy(update={"code": "zz-orphan", "parent_code": parent})
        with pytest.raises(RuleViolation) as refused:
            await registry.run(lambda s, o=orphan: directory.add_organisation(s, office(), o))
        assert refused.value.detail == "a street office belongs to an existing district"
        assert refused.value.errors == [
            FieldProblem("parent_code", "existing_district", "give the district's code")
        ]


async def test_organisations_are_listed_by_kind_and_code_and_read_one_by_one(registry) -> None:  # type: ignore[no-untyped-def]
    await registry.run(directory.seed_organisations)
    added = OrganisationCreate.model_validate(  # added last, listed first of the districts
        {"code": "aa-xinqu", "kind": "district", "name_zh": "新区", "name_en": "Xinqu"}
    )
    await registry.run(lambda s: directory.add_organisation(s, office(), added))
    named: list[Any] = [*seed_directory(bundled_profiles()), added]
    listed = await registry.run(lambda s: directory.list_organisations(s, None))
    assert [(o.kind, o.code) for o in listed] == sorted((str(o.kind), o.code) for o in named)
    districts = await registry.run(lambda s: directory.list_organisations(s, OrganisationKind.DISTRICT))
    expected = sorted(o.code for o in named if o.kind is OrganisationKind.DISTRICT)
    assert [o.code for o in districts] == expected and expected[0] == "aa-xinqu"
    found = await registry.run(lambda s: directory.get_organisation(s, "kf-gulou"))
    assert (found.code, found.kind) == ("kf-gulou", OrganisationKind.DISTRICT)
    with pytest.raises(NotFoundError, match="^no organisation zz-nowhere$"):
        await registry.run(lambda s: directory.get_organisation(s, "zz-nowhere"))


class _Connection:
    def __init__(self, dialect: str) -> None:
        self.dialect = SimpleNamespace(name=dialect)
        self.executed: list[tuple[str, Any]] = []

    async def execute(self, statement: Any, parameters: Any = None) -> None:
        self.executed.append((str(statement), parameters))


class _Session:
    def __init__(self, connection: _Connection) -> None:
        self._connection = connection

    async def connection(self) -> _Connection:
        return self._connection


def test_the_central_fund_list_key_is_fixed_per_programme() -> None:
    """Every writer of the list (classification, the import; any version of the service during a
    rolling deploy) must wait on the same key: the first eight bytes of the SHA-256 of
    `central-fund-list:<programme>`, big-endian and signed (PostgreSQL's bigint)."""
    digest = hashlib.sha256(b"central-fund-list:kaifeng-2019").digest()
    assert central_fund_lock_key("kaifeng-2019") == int.from_bytes(digest[:8], "big", signed=True)
    assert central_fund_lock_key("kaifeng-2019") != central_fund_lock_key("zhengzhou-2019")
    keys = [central_fund_lock_key(code) for code in bundled_profiles()]
    assert all(-(2**63) <= k < 2**63 for k in keys)


async def test_postgresql_takes_the_programmes_advisory_lock_and_sqlite_takes_none() -> None:
    postgres = _Connection("postgresql")
    await lock_central_fund_list(_Session(postgres), "kaifeng-2019")  # type: ignore[arg-type]
    assert postgres.executed == [
        ("SELECT pg_advisory_xact_lock(:key)", {"key": central_fund_lock_key("kaifeng-2019")})
    ]
    sqlite = _Connection("sqlite")
    await lock_central_fund_list(_Session(sqlite), "kaifeng-2019")  # type: ignore[arg-type]
    assert sqlite.executed == []
