"""汴政办〔2019〕99号 (Kaifeng 2019): each test names the clause it checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import load_mutated

from shared.policy import (
    Activity,
    Match,
    Party,
    Reading,
    RuleAbsentError,
    StageCode,
    Strictness,
    award_applies,
    award_fen,
    catalogue_item,
    deadlines,
    get_profile,
    indicator,
    indicator_threshold,
    is_eligible,
    is_signed_off,
    items_in_category,
    may_exempt_from_permit,
    meets_indicator,
    missing_sign_offs,
    next_steps,
    permit_exemption,
    property_subsidy_fen,
    responsible_departments,
    responsible_utilities,
    sign_offs,
    stage_codes,
    step_modes,
    target_share,
    weekly_report_weekday,
)

KF = get_profile("kaifeng-2019")


def test_kf2019_metadata() -> None:
    """文头: 开封市人民政府办公室, 汴政办〔2019〕99号, 2019年12月29日."""
    assert KF.document_number == "汴政办〔2019〕99号"
    assert KF.issued_on == date(2019, 12, 29)


def test_kf2019_built_before_2000_strictly() -> None:
    """四: 建成于2000年以前 — read as strictly before 2000 (inclusive: false)."""
    rule = KF.eligibility.built_before
    assert rule is not None and (rule.year, rule.inclusive) == (2000, False)
    assert is_eligible(KF, 1999).eligible
    assert not is_eligible(KF, 2000).eligible
    assert not is_eligible(KF, 2001).eligible


def test_kf2019_exclusions() -> None:
    """四: 棚户区改造计划、以居民自建住房为主的区域和城中村、已实施“三供一业”改造的小区."""
    assert [e.code for e in KF.eligibility.exclusions] == [
        "shanty-town-programme",
        "self-built-housing-area",
        "urban-village",
        "three-supplies-one-property",
    ]
    decision = is_eligible(KF, 1990, {"urban-village", "three-supplies-one-property"})
    assert not decision.eligible
    assert {r.code for r in decision.reasons} == {"urban-village", "three-supplies-one-property"}


def test_kf2019_demolition_is_not_a_kaifeng_exclusion() -> None:
    """四 has no "三年内征收拆迁" exclusion: that code belongs to Zhengzhou 2019."""
    with pytest.raises(ValueError, match="demolition-within-three-years"):
        is_eligible(KF, 1990, {"demolition-within-three-years"})


def test_kf2019_conditions_are_left_to_confirm() -> None:
    """四: 基础设施严重老旧、缺失，房屋结构安全较好，居民改造意愿强烈 — a person confirms these."""
    decision = is_eligible(KF, 1990)
    assert [c.code for c in decision.to_confirm] == [
        "urban-or-county-town",
        "facilities-dilapidated",
        "structure-sound",
        "residents-willing",
    ]


def test_kf2019_basic_and_improvement_renovation() -> None:
    """五: 基础性改造 and 优化提升性改造 (numbered here in document order)."""
    assert [c.code for c in KF.catalogue.categories] == ["basic", "improvement"]
    assert not KF.catalogue.numbered_by_document
    assert len(items_in_category(KF, "basic")) == 20
    assert len(items_in_category(KF, "improvement")) == 10
    assert all(item.clause == "五" for item in KF.catalogue.items)


def test_kf2019_greening_at_least_25_percent_is_an_aim() -> None:
    """五: 力争使改造后的老旧小区绿地率不低于25%."""
    rule = indicator(KF, "green-space-ratio")
    assert rule.clause == "五"
    assert not rule.binding
    assert indicator_threshold(KF, "green-space-ratio", date(2020, 1, 1)) == Decimal("0.25")
    assert meets_indicator(KF, "green-space-ratio", Decimal("0.25"), date(2020, 1, 1))
    assert not meets_indicator(KF, "green-space-ratio", Decimal("0.249"), date(2020, 1, 1))


def test_kf2019_departments_by_duty() -> None:
    """七(二): 城市管理 协调督促供水、供气、供暖改造; 民政、教育体育 养老托幼; 卫生健康 社区医疗;
    规划 违建认定 + 城市管理 违建拆除; 消防 消防设施."""
    assert responsible_departments(KF, "gas-supply") == ("urban-management",)
    assert responsible_utilities(KF, "gas-supply") == ("gas",)
    assert responsible_departments(KF, "elderly-childcare") == ("civil-affairs", "education-sports")
    assert responsible_departments(KF, "community-medical") == ("health",)
    assert responsible_departments(KF, "illegal-structures-clutter") == (
        "urban-management",
        "planning",
    )
    assert responsible_departments(KF, "fire-facilities") == ("fire",)
    assert catalogue_item(KF, "fire-facilities").cited_responsibility == "七(二)"


def test_kf2019_pipeline_units_tidy_their_own_lines() -> None:
    """七(三): 供水、供电、燃气、热力、通信等管线单位…同步完成相关改造."""
    assert set(responsible_utilities(KF, "pipelines-cables")) == {
        "water",
        "power",
        "gas",
        "heating",
        "telecom",
    }
    assert KF.funding is not None and KF.funding.utility_works is not None
    assert KF.funding.utility_works.clause == "七(三)"


def test_kf2019_office_in_housing_and_construction_bureau() -> None:
    """七(一): 办公室设在市住房和城乡建设局."""
    assert KF.office is not None and KF.office.host == "housing"
    assert KF.office.clause == "七(一)"


def test_kf2019_no_award_ratio() -> None:
    """七(三): funds are allocated per project, with no ratio: award_fen has nothing to apply."""
    assert KF.funding is not None and KF.funding.award is None
    with pytest.raises(RuleAbsentError, match="kaifeng-2019"):
        award_fen(KF, 100)
    assert not award_applies(KF, "kf-gulou")


def test_kf2019_central_subsidy_for_117_communities() -> None:
    """三: 列入2019年中央资金补助的117个老旧小区; 七(二): 住建 proposes, 财政 allocates;
    七(三): 落实到具体项目，对前期工作推进快、审批手续完善的项目优先支持."""
    assert KF.funding is not None and KF.funding.central_subsidy is not None
    subsidy = KF.funding.central_subsidy
    assert (subsidy.year, subsidy.funded_communities, subsidy.clause) == (2019, 117, "三")
    assert subsidy.roles is not None
    assert (subsidy.roles.proposer_department, subsidy.roles.allocator_department) == (
        "housing",
        "finance",
    )
    assert subsidy.roles.clause == "七(二)"
    assert [a.code for a in subsidy.allocation] == [
        "per-project",
        "priority-fast-progress",
        "priority-complete-approvals",
    ]


def test_kf2019_beneficiary_pays() -> None:
    """七(三): 按照资产归属和“谁受益、谁出资”的原则，明确居民出资责任."""
    assert KF.funding is not None and KF.funding.beneficiary_pays is not None
    assert "谁受益、谁出资" in KF.funding.beneficiary_pays.scope_zh


def test_kf2019_property_subsidy_is_discretionary_without_rate() -> None:
    """六(五): 市、县（区）财政可对接管的物业企业给予一定资金补助 — no rate, so no amount."""
    assert KF.funding is not None and KF.funding.property_subsidy is not None
    subsidy = KF.funding.property_subsidy
    assert not subsidy.mandatory
    assert subsidy.strictness is Strictness.DISCRETIONARY
    assert subsidy.qualifier_zh == "可"
    assert subsidy.payers == (Party.CITY, Party.DISTRICT)
    assert subsidy.min_fen_per_m2_month is None
    with pytest.raises(RuleAbsentError):
        property_subsidy_fen(KF, Decimal("100"), 12)


def test_kf2019_weekly_report_on_friday() -> None:
    """七(六): 每周五各县（区）、各单位按时准确、完整上报项目建设相关信息."""
    assert weekly_report_weekday(KF) == 5
    assert KF.supervision.weekly_report is not None
    assert KF.supervision.weekly_report.reporters == (Party.DISTRICT, Party.DEPARTMENT)


def test_kf2019_daily_supervision_weekly_bulletin_monthly_evaluation() -> None:
    """七(七): 日督导，周通报，月考评."""
    cadence = KF.supervision.cadence
    assert cadence is not None
    assert (cadence.daily, cadence.weekly, cadence.monthly) == (
        Activity.SUPERVISION,
        Activity.BULLETIN,
        Activity.EVALUATION,
    )


def test_kf2019_sanctions() -> None:
    """七(七): 通报批评，视情扣发文明奖，降低或撤销文明单位、文明城市资格."""
    enforcement = KF.supervision.enforcement
    assert enforcement is not None
    assert [s.code for s in enforcement.sanctions] == [
        "public-criticism",
        "withhold-civilisation-bonus",
        "revoke-civilisation-title",
    ]


def test_kf2019_deadlines() -> None:
    """三: 117 communities ready to start by end Dec 2019, renovated by end June 2020, all by
    end June 2021; 六(三): implementation plans by 15 Dec 2019, three-year plan by end 2019,
    demonstration communities by end March 2020."""
    due = {d.code: (d.due_on, d.clause) for d in deadlines(KF)}
    assert due == {
        "county-implementation-plan": (date(2019, 12, 15), "六(三)"),
        "three-year-action-plan": (date(2019, 12, 31), "六(三)"),
        "funded-communities-ready": (date(2019, 12, 31), "三"),
        "demonstration-communities": (date(2020, 3, 31), "六(三)"),
        "funded-communities-complete": (date(2020, 6, 30), "三"),
        "programme-complete": (date(2021, 6, 30), "三"),
    }


def test_kf2019_no_yearly_shares() -> None:
    """三 sets dated milestones, not yearly shares: target_share has nothing to apply."""
    assert KF.supervision.yearly_targets is None
    with pytest.raises(RuleAbsentError):
        target_share(KF, 2020)


def test_kf2019_steps_include_approval_design_cost_review_and_tender() -> None:
    """六(一)–(五) with 七(五) 项目投资立项、设计审核、造价评审、公开招标, in that order; no
    eligibility step (四 is an assessment of the community)."""
    assert stage_codes(KF) == (
        StageCode.SURVEY,
        StageCode.CONSULTATION,
        StageCode.PLANNING,
        StageCode.APPROVAL,
        StageCode.DESIGN_REVIEW,
        StageCode.COST_REVIEW,
        StageCode.TENDER,
        StageCode.CONSTRUCTION,
        StageCode.ACCEPTANCE,
        StageCode.PROPERTY_TAKEOVER,
    )
    for step in (StageCode.APPROVAL, StageCode.DESIGN_REVIEW, StageCode.COST_REVIEW, StageCode.TENDER):
        stage = KF.lifecycle.stage(step)
        assert stage is not None and stage.clause == "七(五)"
    assert next_steps(KF, StageCode.PLANNING) == (StageCode.APPROVAL,)
    assert next_steps(KF, StageCode.TENDER) == (StageCode.CONSTRUCTION,)


def test_kf2019_funded_communities_ready_after_tender() -> None:
    """三: 立项、设计、预算、评审、公开招标 … 具备开工条件 by end 2019: the date sits on the last of them."""
    tender = KF.lifecycle.stage(StageCode.TENDER)
    assert tender is not None
    assert [d.code for d in tender.deadlines] == ["funded-communities-ready"]


def test_kf2019_joint_acceptance_by_owners_committee_or_representatives() -> None:
    """六(四): 县（区）政府组织业主委员会（或业主代表）及施工、监理、设计和勘察等单位共同验收."""
    stage = KF.lifecycle.stage("acceptance")
    assert stage is not None and stage.organiser == "district"
    owners, *units = sign_offs(KF, "acceptance")
    assert owners.any_of == ("owners-committee", "owners-representatives")
    assert [u.any_of for u in units] == [("contractor",), ("supervisor",), ("designer",), ("surveyor",)]
    everyone_but_owners = {role for u in units for role in u.any_of}
    assert missing_sign_offs(KF, "acceptance", everyone_but_owners) == (owners,)
    for owner_role in owners.any_of:
        assert is_signed_off(KF, "acceptance", everyone_but_owners | {owner_role})


def test_kf2019_acceptance_without_an_owners_committee() -> None:
    """六(四) "或业主代表": a community with no owners' committee is accepted on its representatives."""
    roles = {s.any_of[-1] for s in sign_offs(KF, "acceptance")}
    assert "owners-committee" not in roles
    assert is_signed_off(KF, "acceptance", roles)


def test_kf2019_unknown_signer_is_refused() -> None:
    with pytest.raises(ValueError, match="residents-committee"):
        missing_sign_offs(KF, "acceptance", {"residents-committee"})


def test_kf2019_project_library_tiers() -> None:
    """六(三): 实施一批、谋划一批、储备一批."""
    tiers = KF.lifecycle.project_tiers
    assert tiers is not None and tiers.clause == "六(三)"
    assert [t.name_zh for t in tiers.tiers] == ["实施一批", "谋划一批", "储备一批"]


def test_kf2019_three_departments_lead_four_facility_kinds() -> None:
    """七(二): 民政、教育体育、卫生健康部门分别牵头负责养老、托幼、文化健身和社区医疗设施的改造 —
    three departments for four kinds, so the mapping is this platform's reading, with a note."""
    mapped = [i for i in KF.catalogue.items if i.responsibility_reading is Reading.PLATFORM]
    assert {i.code for i in mapped} == {"elderly-childcare", "culture-fitness"}
    for item in mapped:
        assert item.note is not None and "分别" in item.note
        assert item.cited_responsibility == "七(二)"
    led = {d for i in mapped for d in i.responsible_departments} | set(
        responsible_departments(KF, "community-medical")
    )
    assert led == {"civil-affairs", "education-sports", "health"}


def test_kf2019_construction_permit_exemption_is_discretionary() -> None:
    """六(四): 对不涉及建筑主体和承重结构变动或不超过设计标准增加楼面荷载的项目，以及不涉及建筑物外立面
    装修改造、不在屋顶增加附着物、不改变原规划许可条件的项目，可实行施工许可豁免制度."""
    rule = permit_exemption(KF)
    assert rule.clause == "六(四)"
    assert (rule.strictness, rule.qualifier_zh, rule.reading) == (
        Strictness.DISCRETIONARY,
        "可",
        Reading.PLATFORM,
    )
    every = {c.code for g in rule.groups for c in g.conditions}
    assert len(every) == 5
    assert may_exempt_from_permit(KF, every)
    for missing in every:
        assert may_exempt_from_permit(KF, every - {missing}) is (rule.match is Match.ANY)
    with pytest.raises(ValueError, match="unknown exemption"):
        may_exempt_from_permit(KF, {"no-basement"})


def test_kf2019_literal_reading_of_the_exemption_is_one_edit_away(tmp_path: Path) -> None:
    """The office can take "或 … 以及" literally by setting match: any, with no code change."""

    def literal(data: dict[str, Any]) -> None:
        rule = data["lifecycle"]["permit_exemption"]
        rule["match"] = "any"
        rule["groups"][0]["match"] = "any"

    profile = load_mutated(tmp_path, "kaifeng-2019", literal)
    structure, appearance = permit_exemption(profile).groups
    assert may_exempt_from_permit(profile, {structure.conditions[0].code})
    assert not may_exempt_from_permit(profile, {c.code for c in appearance.conditions[:-1]})
    assert may_exempt_from_permit(profile, {c.code for c in appearance.conditions})


def test_kf2019_counties_assess_street_offices_and_townships() -> None:
    """七(七): 各县（区）要加强对街道办事处、乡镇人民政府的督查考核; the city assesses counties."""
    by_assessor = {a.assessor: a for a in KF.supervision.assessments}
    assert by_assessor[Party.DISTRICT].assessed == (Party.STREET_OFFICE, Party.TOWNSHIP)
    assert by_assessor[Party.DISTRICT].clause == "七(七)"
    assert by_assessor[Party.CITY].assessed == (Party.DISTRICT,)


def test_kf2019_takeover_modes() -> None:
    """六(五): 连片打包引入物业服务企业; 难以实行市场化物业管理的，业主自治管理."""
    modes = step_modes(KF, StageCode.PROPERTY_TAKEOVER)
    assert [m.code for m in modes] == ["property-company", "owner-self-management"]
    assert all(m.clause == "六(五)" and m.when_zh for m in modes)
