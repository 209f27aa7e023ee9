"""Step deadlines and the printed acceptance form, pinned where mutants survived: a demonstration
deadline binds only projects on demonstration communities, the overdue list's filters, paging and
order (due date, then the project's age, then its id), each listed field; and the form's basic
facts (community, address, street office, start and completion dates, planned investment)."""

from __future__ import annotations

import io
import uuid
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader

from services.registry.handlers import SUBSCRIPTIONS, acceptance_form, communities, deadlines, projects
from services.registry.models.acceptance import AcceptanceFailure
from services.registry.models.communities import Classification
from services.registry.models.projects import ProjectCreate
from shared.errors import InvalidState, NotFoundError
from tests.handlers.harness import ServiceHarness
from tests.handlers.registry.test_areas_and_directory_mutants import against_their_ids
from tests.handlers.registry.test_fire_signs_acceptance import PLAN as FIRE_LANE_PLAN
from tests.handlers.registry.walk import (
    DISTRICTS,
    INVESTMENT_FEN,
    act,
    community_create,
    district,
    office,
    walk,
)

TODAY = date(2026, 11, 20)
"""The harness's day in Asia/Shanghai."""


async def _project(harness: ServiceHarness, programme: str, **community: Any) -> Any:
    """A project on a community of its own (a fresh name, so the ledger takes it)."""
    actor = district(DISTRICTS[programme])
    harness.programme = programme  # type: ignore[attr-defined]
    harness.actor = actor  # type: ignore[attr-defined]
    now = harness.clock.now()
    fields = {"name": f"小区{uuid.uuid4().hex[:8]}", **community}
    body = community_create(programme, **fields)
    created = await harness.run(lambda s: communities.register_community(s, actor, body, now))
    create = ProjectCreate(name="综合整治工程", investment_fen=INVESTMENT_FEN, community_id=created.id)
    return await harness.run(lambda s: projects.register_project(s, actor, create, now))


async def _overdue(harness: ServiceHarness, actor: Any = None, **filters: Any) -> Any:
    now = harness.clock.now()
    args = {"programme_code": None, "district_code": None, "limit": 100, "offset": 0, **filters}
    return await harness.run(lambda s: deadlines.overdue_steps(s, actor or office(), now, **args))


async def _deadlines(harness: ServiceHarness, project_id: uuid.UUID, actor: Any = None) -> dict[str, Any]:
    now = harness.clock.now()
    rows = await harness.run(lambda s: deadlines.project_deadlines(s, actor or office(), project_id, now))
    return {r.code: r for r in rows}


async def test_a_kaifeng_demonstration_deadline_binds_the_demonstration_community_only(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Kaifeng 六(三): the districts build demonstration communities by 2020-03-31. The deadline
    binds a project on a community flagged demonstration, and no other project of the programme."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    shown = await _project(harness, "kaifeng-2019")
    plain = await _project(harness, "kaifeng-2019")
    now = harness.clock.now()
    flag = Classification(demonstration=True)
    await harness.run(lambda s: communities.classify(s, district("kf-gulou"), shown.community_id, flag, now))
    assert set(await _deadlines(harness, shown.id)) == {"demonstration-communities", "programme-complete"}
    assert set(await _deadlines(harness, plain.id)) == {"programme-complete"}
    page, total = await _overdue(harness, programme_code="kaifeng-2019")
    assert {(r.project_id, r.deadline_code) for r in page} == {
        (shown.id, "demonstration-communities"),
        (shown.id, "programme-complete"),
        (plain.id, "programme-complete"),
    }
    assert total == 3
    [listed] = [r for r in page if r.deadline_code == "demonstration-communities"]
    assert (listed.due_on, listed.days_overdue) == (date(2020, 3, 31), (TODAY - date(2020, 3, 31)).days)
    assert listed.clause.endswith(" 六(三)")


async def test_a_projects_deadlines_carry_their_window_and_days_overdue_and_its_district_reads_them(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """Zhongyuan 三(一)–(三): the acceptance window opens 2013-10-01; construction was due to
    start by 2013-07-31, so today it is that many days overdue. The project's own district reads
    them; another district is told there is no such project."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await _project(harness, "zhongyuan-2013")
    rows = await _deadlines(harness, project.id, actor=district("zz-zhongyuan"))
    assert (rows["acceptance-window"].starts_on, rows["acceptance-window"].due_on) == (
        date(2013, 10, 1),
        date(2013, 11, 30),
    )
    assert rows["construction-start"].starts_on is None
    assert rows["construction-start"].days_overdue == (TODAY - date(2013, 7, 31)).days
    assert rows["budget-and-tender"].days_overdue is None  # past at issue: not the project's delay
    with pytest.raises(NotFoundError, match=f"^no project {project.id}$"):
        await _deadlines(harness, project.id, actor=district("zz-jinshui"))


async def test_the_overdue_list_names_the_street_office_and_clause_and_filters_by_district(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    zhongyuan = await _project(harness, "zhongyuan-2013")
    await _project(harness, "zhengzhou-2019")
    page, total = await _overdue(harness, district_code="zz-zhongyuan")
    assert {r.project_id for r in page} == {zhongyuan.id} and total == 3
    start = page[0]
    assert (start.deadline_code, start.street_office, start.clause) == (
        "construction-start",
        "文化路街道",
        "中原政办〔2013〕12号 三(一)",
    )
    assert (start.deadline_step, start.project_step, start.project_status) == (
        "construction",
        zhongyuan.step,
        zhongyuan.status,
    )
    page, total = await _overdue(harness, district_code="zz-zhongyuan", limit=1)
    assert ([r.deadline_code for r in page], total) == (["construction-start"], 3)


async def test_the_overdue_list_puts_older_projects_first_and_breaks_ties_by_id(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Under one deadline, the projects opened earlier come first; projects opened at the same
    instant come in id order."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    made = await against_their_ids(lambda: _project(harness, "zhongyuan-2013"), harness.clock)
    page, _ = await _overdue(harness)
    listed = [r.project_id for r in page if r.deadline_code == "construction-start"]
    assert listed == [p.id for p in made]


def _facts(content: bytes) -> dict[str, str]:
    """The form's basic-facts table as label → value (each cell is one line of the text)."""
    reader = PdfReader(io.BytesIO(content))
    lines = "".join(page.extract_text() for page in reader.pages).split("\n")
    labels = ("项目编号", "小区名称", "小区地址", "街道办事处", "开工日期", "竣工日期", "计划投资")
    return {label: lines[lines.index(label) + 1] for label in labels}


async def test_the_form_prints_the_community_address_street_office_dates_and_planned_investment(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """Zhongyuan 五(二)8's form: the community's name and address from the ledger, the project's
    street office, the days construction started (2026-04-01) and was completed (2026-09-01), and
    the approved plan's investment (two items of half of 1,000,000.00 元)."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await _project(harness, "zhongyuan-2013", name="建设路7号院", address="建设路7号")
    await walk(harness, project.id, "construction-completion")
    await act(harness, project.id, "acceptance-failure")
    now = harness.clock.now()
    _, content = await harness.run(
        lambda s: acceptance_form.acceptance_form_pdf(s, office(), project.id, now)
    )
    assert _facts(content) == {
        "项目编号": str(project.id),
        "小区名称": "建设路7号院",
        "小区地址": "建设路7号",
        "街道办事处": "文化路街道",
        "开工日期": "2026-04-01",
        "竣工日期": "2026-09-01",
        "计划投资": "1,000,000.00 元",
    }


async def test_the_form_is_refused_in_words_before_an_inspection_and_unknown_elsewhere(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await _project(harness, "zhongyuan-2013")
    await walk(harness, project.id, "construction-completion")
    now = harness.clock.now()
    with pytest.raises(InvalidState) as caught:
        await harness.run(lambda s: acceptance_form.acceptance_form_pdf(s, office(), project.id, now))
    assert caught.value.detail == (
        "a project at step 'construction' (construction_completed) has no acceptance form yet"
    )
    assert [p.message for p in caught.value.errors] == ["record the acceptance first"]
    with pytest.raises(NotFoundError, match=f"^no project {project.id}$"):
        await harness.run(
            lambda s: acceptance_form.acceptance_form_pdf(s, district("kf-gulou"), project.id, now)
        )


async def test_the_form_of_a_fire_lane_plan_has_the_brigades_line_and_names_it_on_its_defect(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """Zhengzhou 2019 四(五) with 六: the fire brigade (市消防支队) inspects fire lanes, so a plan with
    them puts the brigade among the form's signatures and names it as the recorder of its defect."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await _project(harness, "zhengzhou-2019")
    await act(harness, project.id, "residents-consultation")
    await act(harness, project.id, "plan-submission", FIRE_LANE_PLAN)
    await act(harness, project.id, "plan-approval")
    await walk(harness, project.id, "construction-completion")
    failed = AcceptanceFailure.model_validate(
        {
            "inspected_on": "2026-09-10",
            "defects": [{"description": "消防通道被占用", "recorded_by": "fire", "item_code": "fire-lanes"}],
        }
    )
    await act(harness, project.id, "acceptance-failure", failed)
    now = harness.clock.now()
    _, content = await harness.run(
        lambda s: acceptance_form.acceptance_form_pdf(s, office(), project.id, now)
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    signatures = text[text.index("二、验收签字") : text.index("三、验收问题及整改情况")]
    defects = text[text.index("三、验收问题及整改情况") : text.index("四、验收结论")]
    assert "市消防支队" in signatures.replace("\n", "")
    assert "市消防支队" in defects.replace("\n", "") and "fire\n" not in defects
