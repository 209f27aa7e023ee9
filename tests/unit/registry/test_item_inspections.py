"""A department that inspects an item of the plan signs its acceptance (#8 "Acceptance is joint":
the department responsible for an item where the plan names one, e.g. Fire for fire facilities).

Zhengzhou 2019 四(五) has the district organise 相关单位 to accept the works; 六 gives the fire
brigade (市消防支队) the inspection of fire facilities and fire lanes: items 8
(fire-surveillance-security), 18 (fire-lanes) and 23 (parking-ebike-fire-facilities).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from pypdf import PdfReader

from services.registry.domain.acceptance import check_defect_roles, check_sign_offs, signing_roles
from services.registry.domain.acceptance_form import FormFacts, render
from shared.errors import RuleViolation
from shared.policy import ProgrammeProfile, StageCode, get_profile, item_sign_offs

ZZ = "zhengzhou-2019"
ON = date(2026, 10, 15)
FIRE_ITEMS = ["fire-surveillance-security", "fire-lanes", "parking-ebike-fire-facilities"]


@pytest.mark.parametrize("item", FIRE_ITEMS)
def test_each_fire_item_brings_the_fire_brigade_to_the_acceptance(item: str) -> None:
    (fire,) = item_sign_offs(get_profile(ZZ), ["roads-kerbs", item])
    assert (fire.any_of, fire.round, fire.clause, fire.see_also) == (("fire",), 1, "六", ("四(五)",))
    assert fire.description_zh == "市消防支队（消防设施、消防通道）"


def test_several_fire_items_need_the_brigade_once() -> None:
    assert [s.any_of for s in item_sign_offs(get_profile(ZZ), FIRE_ITEMS)] == [("fire",)]


@pytest.mark.parametrize(
    ("code", "items"),
    [
        (ZZ, ["roads-kerbs", "notice-boards"]),  # 24's 火灾疏散示意图 is a sign, not a facility
        (ZZ, []),
        (
            "kaifeng-2019",
            ["fire-facilities"],
        ),  # 七(二): the brigade leads the works; 六(四) names the signers
        ("zhengzhou-2018", ["old-communities"]),
        ("zhongyuan-2013", []),
    ],
)
def test_no_inspecting_department_signs_where_the_plan_gives_none(code: str, items: list[str]) -> None:
    assert item_sign_offs(get_profile(code), items) == ()


def test_the_form_is_refused_until_the_brigade_signs_for_a_fire_item() -> None:
    profile = get_profile(ZZ)
    with pytest.raises(RuleViolation) as refused:
        check_sign_offs(profile, [], ON, ["fire-lanes"])
    assert [(p.field, p.rule, p.message) for p in refused.value.errors] == [
        ("sign_offs", "all_parties_sign", "missing: fire (六)")
    ]
    check_sign_offs(profile, [("fire", ON)], ON, ["fire-lanes"])
    check_sign_offs(profile, [], ON, ["roads-kerbs"])  # no fire item: nobody is named


def test_the_brigade_is_no_party_to_a_plan_without_fire_items() -> None:
    profile = get_profile(ZZ)
    with pytest.raises(RuleViolation) as refused:
        check_sign_offs(profile, [("fire", ON)], ON, ["roads-kerbs"])
    assert [(p.field, p.rule) for p in refused.value.errors] == [("sign_offs.0.role", "acceptance_role")]
    assert signing_roles(profile, ["roads-kerbs"]) == set()
    assert signing_roles(profile, ["fire-lanes"]) == {"fire"}


def test_the_brigade_records_defects_on_a_plan_with_fire_items_only() -> None:
    profile = get_profile(ZZ)
    check_defect_roles(profile, ["fire", "district"], ["fire-lanes"])
    with pytest.raises(RuleViolation) as refused:
        check_defect_roles(profile, ["district", "fire"], ["roads-kerbs"])
    assert [(p.field, p.rule) for p in refused.value.errors] == [
        ("defects.1.recorded_by", "acceptance_party")
    ]


def test_the_printed_form_has_a_line_for_the_brigade_with_its_signature() -> None:
    form = {
        "accepted_on": "2026-10-15",
        "accepted_investment_fen": 100,
        "sign_offs": [{"role": "fire", "signatory": "张消防", "signed_on": "2026-10-14"}],
    }
    facts = FormFacts(
        project_id="p-1",
        project_name="纬五路小区整治",
        community_name="纬五路小区",
        address=None,
        district_code="zz-jinshui",
        street_office=None,
        started_on=None,
        completed_on=None,
        planned_investment_fen=100,
        steps=[("acceptance", ON, form)],
        plan_items=["fire-lanes"],
    )
    content = render(get_profile(ZZ), facts, datetime(2026, 10, 16, tzinfo=UTC))
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text().replace("\n", "")
    assert "市消防支队（消防设施、消防通道）" in text and "张消防" in text and "2026-10-14" in text
    assert "本计划未规定签字单位" not in text


def _acceptance_with(profile: ProgrammeProfile, **inspection: Any) -> dict[str, Any]:
    data = profile.model_dump(mode="json", exclude_none=True)
    stages = data["lifecycle"]["stages"]
    (stage,) = [s for s in stages if s["code"] == StageCode.ACCEPTANCE]
    stage["item_inspections"] = [{"clause": "六", **inspection}]
    return data


@pytest.mark.parametrize(
    ("inspection", "says"),
    [
        ({"department": "fire-brigade", "items": ["fire-lanes"]}, "unknown department code 'fire-brigade'"),
        ({"department": "fire", "items": ["fire-hydrants"]}, "unknown catalogue item 'fire-hydrants'"),
        ({"department": "fire", "items": ["fire-lanes", "fire-lanes"]}, "an item is listed twice"),
        ({"department": "fire", "items": []}, "at least 1 item"),
    ],
)
def test_an_inspection_naming_what_the_plan_does_not_declare_is_refused(
    inspection: dict[str, Any], says: str
) -> None:
    data = _acceptance_with(get_profile(ZZ), **inspection)
    with pytest.raises(ValidationError, match=says):
        ProgrammeProfile.model_validate(data)


def test_only_the_acceptance_step_is_signed_by_item_departments() -> None:
    data = get_profile(ZZ).model_dump(mode="json", exclude_none=True)
    (planning,) = [s for s in data["lifecycle"]["stages"] if s["code"] == "planning"]
    planning["item_inspections"] = [{"department": "fire", "items": ["fire-lanes"], "clause": "六"}]
    with pytest.raises(ValidationError, match="only the acceptance step is signed by item departments"):
        ProgrammeProfile.model_validate(data)
