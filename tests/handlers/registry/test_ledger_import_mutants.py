"""The ledger import's job, driven on the handler tier where mutants survived: counts that add up
across chunks (imported, unchanged, the first row numbers kept), a conflicting row moved from valid
to invalid, the per-district advisory lock each write takes, a failure that cannot even be recorded
is logged and never raised, and the job list (own district, newest first with the id breaking
ties, paged, stale jobs shown interrupted in the caller's language)."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from services.registry.domain.ledger_import import map_headings, read_sheet, sniff
from services.registry.handlers import SUBSCRIPTIONS, communities, ledger_import
from services.registry.models.communities import Community
from services.registry.models.ledger_import import ImportMode
from shared.audit import AuditEntry
from shared.errors import Forbidden
from tests.handlers.harness import ServiceHarness
from tests.handlers.registry.test_areas_and_directory_mutants import against_their_ids
from tests.handlers.registry.test_ledger_import import XLSX, row, xlsx
from tests.handlers.registry.walk import community_create, district, office

KAIFENG = "kaifeng-2019"
GULOU = district("kf-gulou")


async def _create(
    harness: ServiceHarness,
    actor: Any = GULOU,
    mode: ImportMode = ImportMode.VALID_ROWS,
    programme_code: str = KAIFENG,
) -> Any:
    now = harness.clock.now()
    return await harness.run(
        lambda s: ledger_import.create_import(
            s,
            actor,
            programme_code=programme_code,
            district_code=None,
            mode=mode,
            file_format="xlsx",
            filename="台账.xlsx",
            sha256="0" * 64,
            now=now,
        )
    )


async def _import(
    harness: ServiceHarness,
    rows: list[dict[str, Any]],
    mode: ImportMode = ImportMode.VALID_ROWS,
    actor: Any = GULOU,
    programme_code: str = KAIFENG,
) -> Any:
    """Create and run one import job of `rows` (row 1 holds the headings), then read it."""
    content = xlsx(rows)
    sheet = read_sheet(content, sniff(content, XLSX))
    job = await _create(harness, actor=actor, mode=mode, programme_code=programme_code)
    await ledger_import.run_import(
        harness.unit_of_work, job.id, sheet, map_headings(sheet), actor, harness.clock
    )
    now = harness.clock.now()
    return await harness.run(lambda s: ledger_import.get_import(s, actor, job.id, language="en", now=now))


@pytest.fixture
async def registry(harness_for):  # type: ignore[no-untyped-def]
    return await harness_for("registry", SUBSCRIPTIONS)


async def test_counts_add_up_across_chunks_and_only_the_first_row_numbers_are_kept(
    registry, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Five rows in chunks of two (three transactions): all five are imported; imported again,
    all five are unchanged, and the job keeps the first three row numbers (the report's bound,
    here three)."""
    monkeypatch.setattr(ledger_import, "CHUNK_ROWS", 2)
    monkeypatch.setattr(ledger_import, "MAX_REPORTED", 3)
    rows = [row(f"{n}号院") for n in range(1, 6)]
    first = await _import(registry, rows)
    assert (first.status.value, first.rows_valid, first.rows_imported) == ("done", 5, 5)
    again = await _import(registry, rows)
    assert (again.rows_imported, again.rows_unchanged, again.unchanged) == (0, 5, [2, 3, 4])


async def test_a_row_the_ledger_holds_with_other_facts_moves_from_valid_to_invalid(registry) -> None:  # type: ignore[no-untyped-def]
    await _import(registry, [row("一号院"), row("二号院")])
    changed = await _import(registry, [row("一号院", 户数=999), row("二号院")])
    assert (changed.rows_read, changed.rows_valid, changed.rows_invalid) == (2, 1, 1)
    assert (changed.rows_imported, changed.rows_unchanged) == (0, 1)
    assert [(p.row, p.rule) for p in changed.report] == [(2, "ledger_conflict")]


@pytest.mark.parametrize("mode", list(ImportMode))
async def test_each_write_holds_the_lock_of_its_programme_and_districts_ledger(
    registry, monkeypatch, mode
) -> None:  # type: ignore[no-untyped-def]
    taken: list[tuple[str, str]] = []

    async def lock(session: Any, programme_code: str, district_code: str) -> None:
        taken.append((programme_code, district_code))

    monkeypatch.setattr(ledger_import, "_lock_ledger", lock)
    monkeypatch.setattr(ledger_import, "CHUNK_ROWS", 2)
    job = await _import(registry, [row("一号院"), row("二号院"), row("三号院")], mode=mode)
    assert job.rows_imported == 3
    chunks = 2 if mode is ImportMode.VALID_ROWS else 1
    assert taken == [(KAIFENG, "kf-gulou")] * chunks


class _Connection:
    def __init__(self, dialect: str) -> None:
        self.dialect = SimpleNamespace(name=dialect)
        self.executed: list[tuple[str, Any]] = []

    async def execute(self, statement: Any, parameters: Any = None) -> None:
        self.executed.append((str(statement), parameters))


async def test_postgresql_serialises_imports_per_programme_and_district_and_sqlite_needs_nothing() -> None:
    for dialect, expected in (
        (
            "postgresql",
            [
                (
                    "SELECT pg_advisory_xact_lock(hashtext(:key))",
                    {"key": "ledger-import:kaifeng-2019:kf-gulou"},
                )
            ],
        ),
        ("sqlite", []),
    ):
        connection = _Connection(dialect)

        async def connect(c: _Connection = connection) -> _Connection:
            return c

        await ledger_import._lock_ledger(SimpleNamespace(connection=connect), KAIFENG, "kf-gulou")  # type: ignore[arg-type]
        assert connection.executed == expected, dialect


async def test_a_failure_that_cannot_be_recorded_is_logged_and_not_raised(registry, caplog) -> None:  # type: ignore[no-untyped-def]
    job = await _create(registry)
    content = xlsx([row("一号院")])
    sheet = read_sheet(content, sniff(content, XLSX))

    def unavailable() -> Any:
        raise RuntimeError("the database is unavailable")

    with caplog.at_level(logging.ERROR, logger=ledger_import.log.name):
        await ledger_import.run_import(unavailable, job.id, sheet, map_headings(sheet), GULOU, registry.clock)  # type: ignore[arg-type]
    assert [r.getMessage() for r in caplog.records if r.name == ledger_import.log.name] == [
        f"ledger import {job.id} failed",
        f"ledger import {job.id}: could not record its failure",
    ]


async def _list(harness: ServiceHarness, actor: Any, now: Any = None, **page: Any) -> tuple[list[Any], int]:
    at = now or harness.clock.now()
    args = {"limit": 100, "offset": 0, **page}
    return await harness.run(lambda s: ledger_import.list_imports(s, actor, language="en", now=at, **args))


async def test_the_job_list_is_the_callers_newest_first_with_the_id_breaking_ties(registry) -> None:  # type: ignore[no-untyped-def]
    made = await against_their_ids(lambda: _create(registry), registry.clock)
    older, newer = made[:3], made[3:]
    expected = [j.id for j in (*newer, *older)]  # newest first; one instant's jobs in id order
    longting = await _create(registry, actor=district("kf-longting"))
    page, total = await _list(registry, GULOU)
    assert ([j.id for j in page], total) == (expected, len(expected))
    page, total = await _list(registry, office())
    assert (sorted(j.id for j in page), total) == (sorted([*expected, longting.id]), len(expected) + 1)
    page, total = await _list(registry, GULOU, limit=2, offset=1)
    assert ([j.id for j in page], total) == (expected[1:3], len(expected))


async def test_a_listed_job_left_queued_by_a_stopped_service_shows_as_interrupted_in_the_callers_language(
    registry,
) -> None:  # type: ignore[no-untyped-def]
    job = await _create(registry)
    [fresh], _ = await _list(registry, GULOU)
    assert (fresh.id, fresh.status.value, fresh.failure) == (job.id, "queued", None)
    later = registry.clock.now() + ledger_import.STALE_AFTER + timedelta(seconds=1)
    [stale], _ = await _list(registry, GULOU, now=later)
    assert stale.status.value == "failed"
    assert (stale.failure.rule, stale.failure.message) == ("import_interrupted", "the service stopped")


async def test_starting_an_import_is_audited_under_the_job(registry) -> None:  # type: ignore[no-untyped-def]
    job = await _create(registry)
    [entry] = [e for e in await registry.all(AuditEntry) if e.action == "ledger.import_started"]
    assert (entry.record_type, entry.record_id, entry.actor_org) == ("ledger_import", str(job.id), "kf-gulou")
    assert json.loads(entry.after) == {
        "programme_code": KAIFENG,
        "district_code": "kf-gulou",
        "mode": "valid_rows",
        "sha256": "0" * 64,
    }


async def test_all_or_nothing_refuses_the_whole_file_for_a_row_the_ledger_holds_otherwise(registry) -> None:  # type: ignore[no-untyped-def]
    await _import(registry, [row("一号院")])
    refused = await _import(
        registry, [row("一号院", 户数=999), row("三号院")], mode=ImportMode.ALL_OR_NOTHING
    )
    assert (refused.status.value, refused.rows_imported, refused.rows_invalid) == ("failed", 0, 1)
    assert refused.failure.message == "1 rows are invalid; nothing was imported (mode all_or_nothing)"
    assert [c.name for c in await registry.all(Community)] == ["一号院"]


async def test_an_imported_community_is_audited_as_registered_with_its_classification(registry) -> None:  # type: ignore[no-untyped-def]
    """Like a registration: one `community.registered` entry per community, under it, its facts
    and eligibility after (JSON text with sorted keys, Chinese kept); a row that sets a tier is
    entered classified, in the same entry."""
    await _import(registry, [row("一号院", 项目库批次="谋划一批"), row("二号院")])
    ids = {c.name: str(c.id) for c in await registry.all(Community)}
    entries = [e for e in await registry.all(AuditEntry) if e.action == "community.registered"]
    assert sorted(e.record_id for e in entries) == sorted(ids.values())
    after = {}
    for entry in entries:
        assert entry.record_type == "community"
        facts = json.loads(entry.after)
        assert entry.after == json.dumps(facts, ensure_ascii=False, sort_keys=True)
        assert ids[facts["name"]] == entry.record_id
        after[facts["name"]] = facts
    assert after["一号院"]["eligible"] is True and after["二号院"]["eligible"] is True  # built 1995
    assert (after["一号院"]["tier"], after["一号院"]["centrally_funded"]) == ("plan", False)
    assert "tier" not in after["二号院"] and "centrally_funded" not in after["二号院"]


async def test_a_blank_district_cell_means_the_imports_own_district(registry) -> None:  # type: ignore[no-untyped-def]
    job = await _import(registry, [row("一号院", 区=None)])
    assert (job.rows_invalid, job.rows_imported) == (0, 1)
    assert [c.district_code for c in await registry.all(Community)] == ["kf-gulou"]


def _failing_second_unit(harness: ServiceHarness, error: BaseException) -> Any:
    """The harness's unit of work, except that the second one asked for (the write after
    validation) raises `error`; the ones after it work again."""
    calls = 0

    def unit_of_work() -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise error
        return harness.unit_of_work()

    return unit_of_work


async def _run_failing(harness: ServiceHarness, error: BaseException) -> Any:
    job = await _create(harness)
    content = xlsx([row("一号院")])
    sheet = read_sheet(content, sniff(content, XLSX))
    unit_of_work = _failing_second_unit(harness, error)
    await ledger_import.run_import(unit_of_work, job.id, sheet, map_headings(sheet), GULOU, harness.clock)
    return job


async def test_a_stopped_service_leaves_the_job_failed_as_interrupted_and_the_cancellation_goes_on(
    registry,
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(asyncio.CancelledError):
        await _run_failing(registry, asyncio.CancelledError())
    [job] = (await _list(registry, GULOU))[0]
    assert (job.status.value, job.rows_imported) == ("failed", 0)
    assert (job.failure.rule, job.failure.message) == ("import_interrupted", "the service stopped")
    assert await registry.all(Community) == []


async def test_an_unexpected_error_leaves_the_job_failed_with_nothing_more_written(registry) -> None:  # type: ignore[no-untyped-def]
    await _run_failing(registry, RuntimeError("disk full"))
    [job] = (await _list(registry, GULOU))[0]
    assert job.status.value == "failed"
    assert (job.failure.rule, job.failure.message) == (
        "import_error",
        "the import failed; nothing more was written",
    )


async def test_a_conflicting_row_is_reported_on_its_name_naming_each_differing_fact(registry) -> None:  # type: ignore[no-untyped-def]
    await _import(registry, [row("一号院")])
    changed = await _import(registry, [row("一号院", 户数=999, 楼栋数=7)])
    [problem] = changed.report
    assert (problem.row, problem.column, problem.field, problem.rule) == (
        2,
        "名称",
        "name",
        "ledger_conflict",
    )
    assert problem.message == (
        "already in the ledger with other buildings, households: correct it there "
        "(re-assessment or classification), not by import"
    )


async def _register(
    harness: ServiceHarness, programme: str, district_code: str, name: str, address: str
) -> None:
    body = community_create(programme, name=name, address=address, district_code=district_code)
    now = harness.clock.now()
    await harness.run(lambda s: communities.register_community(s, district(district_code), body, now))


async def test_the_same_name_and_address_in_another_district_or_programme_is_another_community(
    registry,
) -> None:  # type: ignore[no-untyped-def]
    """The natural key is programme, district, name and address: a namesake of Longting's ledger
    (Kaifeng) or of Zhengzhou 2018's ledger in Jinshui is not the community a row names."""
    await _register(registry, KAIFENG, "kf-longting", "一号院", "鼓楼区一号院路1号")
    job = await _import(registry, [row("一号院")])
    assert (job.rows_imported, job.rows_unchanged, job.rows_invalid) == (1, 0, 0)
    await _register(registry, "zhengzhou-2018", "zz-jinshui", "文化路3号院", "金水区文化路3号")
    jinshui = district("zz-jinshui")
    zhengzhou = row("文化路3号院", 区="金水区", 地址="金水区文化路3号")
    job = await _import(registry, [zhengzhou], actor=jinshui, programme_code="zhengzhou-2019")
    assert (job.rows_imported, job.rows_unchanged, job.rows_invalid) == (1, 0, 0)


async def test_only_communities_on_the_list_count_against_the_central_fund_list(
    registry, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Kaifeng 三 lists 117 communities: 117 communities off the list leave all of its room, and
    the count is taken under the programme's list lock."""
    locked: list[str] = []

    async def lock(session: Any, programme_code: str) -> None:
        locked.append(programme_code)

    monkeypatch.setattr(ledger_import, "lock_central_fund_list", lock)
    unlisted = await _import(registry, [row(f"普通{i:03d}院") for i in range(117)])
    assert (unlisted.rows_imported, locked) == (117, [])
    flagged = await _import(registry, [row("补助院", 中央补助名单="是")])
    assert (flagged.rows_imported, flagged.rows_invalid) == (1, 0)
    assert locked == [KAIFENG]


async def test_problems_are_counted_in_full_across_chunks_and_reported_up_to_the_bound(
    registry, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Two rows fail validation (rows 3 and 5), then the first chunk of valid rows (2 and 4)
    conflicts with the ledger: four problems in all; the report keeps the first three found (its
    bound, here three): the validation's two, then the first conflict."""
    monkeypatch.setattr(ledger_import, "CHUNK_ROWS", 2)
    monkeypatch.setattr(ledger_import, "MAX_REPORTED", 3)
    await _import(registry, [row("一号院"), row("二号院")])
    rows = [
        row("一号院", 户数=999),
        row("坏院一", 楼栋数="六"),
        row("二号院", 户数=998),
        row("坏院二", 楼栋数="七"),
    ]
    job = await _import(registry, [*rows, row("三号院")])
    assert (job.problems_total, [p.row for p in job.report]) == (4, [3, 5, 2])
    assert (job.rows_valid, job.rows_invalid, job.rows_imported) == (1, 4, 1)


async def _read(harness: ServiceHarness, job_id: Any, language: str, now: Any) -> Any:
    return await harness.run(lambda s: ledger_import.get_import(s, GULOU, job_id, language=language, now=now))


async def test_a_job_read_is_stale_only_once_untouched_for_longer_than_the_limit(registry) -> None:  # type: ignore[no-untyped-def]
    job = await _create(registry)
    at_limit = await _read(registry, job.id, "en", registry.clock.now() + ledger_import.STALE_AFTER)
    assert (at_limit.status.value, at_limit.failure) == ("queued", None)
    past = registry.clock.now() + ledger_import.STALE_AFTER + timedelta(seconds=1)
    stale = await _read(registry, job.id, "en", past)
    assert (stale.status.value, stale.failure.rule, stale.failure.message) == (
        "failed",
        "import_interrupted",
        "the service stopped",
    )
    chinese = await _read(registry, job.id, "zh-CN", past)
    assert chinese.failure.message == "导入被中断，请重新上传文件。（the service stopped）"


async def test_a_finished_job_records_when_it_finished(registry) -> None:  # type: ignore[no-untyped-def]
    job = await _import(registry, [row("一号院")])
    assert (job.status.value, job.finished_at) == ("done", registry.clock.now())


def test_another_districts_ledger_is_refused_in_words() -> None:
    with pytest.raises(Forbidden) as caught:
        ledger_import.check_importer(district("kf-longting"), KAIFENG, "kf-gulou")
    assert caught.value.detail == "a district imports its own ledger only"
