"""The printable completion acceptance form (工程竣工验收单): a PDF that parses, in Chinese, with
the parties the profile names and who signed when, the defects and their rectification, the
result; another district's project is not found; nothing to print before an inspection."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from services.registry.handlers import SUBSCRIPTIONS, acceptance_form
from shared.errors import InvalidState, NotFoundError
from tests.handlers.registry.walk import act, district, office, open_project, walk


async def _pdf(harness, project_id, actor=None):  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    return await harness.run(
        lambda s: acceptance_form.acceptance_form_pdf(s, actor or office(), project_id, now)
    )


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


async def test_a_zhongyuan_form_shows_the_street_office_and_community_signatures_defects_and_result(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    await walk(harness, project.id, "construction-completion")
    await act(harness, project.id, "acceptance-failure")
    await act(harness, project.id, "rectification")
    await act(harness, project.id, "acceptance")
    name, content = await _pdf(harness, project.id)
    assert name == f"acceptance-form-{project.id}.pdf"
    assert content.startswith(b"%PDF-")
    text = _text(content)
    for expected in (
        "工程竣工验收单",
        "文化路3号院综合整治",
        "街道办事处负责人签字",
        "社区负责人签字",
        "street-office签字人",
        "2026-10-15",
        "雨水管接口渗漏",
        "整改完成",
        "验收合格",
        "中原政办〔2013〕12号",
        "1,000,000.00 元",
    ):
        assert expected in text, expected


async def test_a_failed_inspection_prints_as_being_rectified(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    await walk(harness, project.id, "construction-completion")
    await act(harness, project.id, "acceptance-failure")
    text = _text((await _pdf(harness, project.id))[1])
    assert "验收不合格，整改中" in text
    assert "业主委员会（或业主代表）" in text and "勘察单位" in text


async def test_another_district_gets_not_found_and_its_own_district_gets_the_form(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    await walk(harness, project.id, "acceptance")
    with pytest.raises(NotFoundError):
        await _pdf(harness, project.id, actor=district("zz-jinshui"))
    _, content = await _pdf(harness, project.id, actor=district("zz-zhongyuan"))
    assert len(PdfReader(io.BytesIO(content)).pages) >= 1


async def test_there_is_no_form_before_an_inspection(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    await walk(harness, project.id, "construction-completion")
    with pytest.raises(InvalidState) as caught:
        await _pdf(harness, project.id)
    assert caught.value.current == "construction"
    assert [(p.field, p.rule) for p in caught.value.errors] == [("project_id", "acceptance_recorded")]
