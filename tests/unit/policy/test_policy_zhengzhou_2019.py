"""郑政文〔2019〕62号 (Zhengzhou 2019): each test names the clause it checks and asserts the value
read from the document."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.policy import (
    AwardBasis,
    Party,
    Reading,
    StageCode,
    Strictness,
    UnknownItemError,
    audit_after,
    award_applies,
    award_approver,
    award_basis,
    award_fen,
    award_payer,
    award_rule,
    award_true_up_fen,
    award_trued_up_on_audit,
    catalogue_item,
    closes_out_in_ledger,
    cumulative_target_share,
    deadlines,
    first_step,
    get_profile,
    is_eligible,
    items_for_department,
    items_in_category,
    ledger_rules,
    minimum_subsidy_fen,
    next_stage,
    next_steps,
    property_subsidy_fen,
    responsible_departments,
    responsible_utilities,
    sign_offs,
    stage_codes,
    step_modes,
    target_share,
    weekly_report_weekday,
)

ZZ = get_profile("zhengzhou-2019")


def test_zz2019_metadata() -> None:
    """文头: 郑州市人民政府, 郑政文〔2019〕62号, 2019年4月3日."""
    assert ZZ.document_number == "郑政文〔2019〕62号"
    assert ZZ.issuer_zh == "郑州市人民政府"
    assert ZZ.issued_on == date(2019, 4, 3)
    assert ZZ.year == 2019


# --- 二 实施范围 -------------------------------------------------------------------------------


def test_zz2019_built_before_2002_strictly() -> None:
    """二: 2002年以前建成投入使用 — read as strictly before 2002 (inclusive: false)."""
    rule = ZZ.eligibility.built_before
    assert rule is not None
    assert (rule.year, rule.inclusive, rule.clause) == (2002, False, "二")
    assert is_eligible(ZZ, 2001).eligible
    assert not is_eligible(ZZ, 2002).eligible


def test_zz2019_inclusive_reading_admits_2002() -> None:
    """二: the other reading of 以前 is one flag away."""
    assert ZZ.eligibility.built_before is not None
    rule = ZZ.eligibility.built_before.model_copy(update={"inclusive": True})
    profile = ZZ.model_copy(update={"eligibility": ZZ.eligibility.model_copy(update={"built_before": rule})})
    assert is_eligible(profile, 2002).eligible
    assert not is_eligible(profile, 2003).eligible


def test_zz2019_three_exclusions() -> None:
    """二: 已列入棚户区改造、三年内征收拆迁、“三供一业”改造移交计划的老旧小区除外."""
    codes = [e.code for e in ZZ.eligibility.exclusions]
    assert codes == [
        "shanty-town-programme",
        "demolition-within-three-years",
        "three-supplies-one-property",
    ]
    for code in codes:
        decision = is_eligible(ZZ, 1995, {code})
        assert not decision.eligible
        assert [r.code for r in decision.reasons] == [code]
        assert decision.reasons[0].clause == "二"


def test_zz2019_decision_lists_every_check_with_its_clause() -> None:
    """二: an eligible decision still records why (built year, district, each exclusion)."""
    decision = is_eligible(ZZ, 1990, district="zz-jinshui")
    assert decision.eligible and decision.reasons == ()
    assert [c.code for c in decision.checks][:2] == ["built-year", "district"]
    assert all(c.passed and c.clause == "二" for c in decision.checks)


def test_zz2019_unknown_exclusion_code_is_an_error() -> None:
    """A misspelt exclusion must not silently admit a community."""
    with pytest.raises(ValueError, match="shanty-town"):
        is_eligible(ZZ, 1990, {"shanty-town"})


def test_zz2019_five_inner_districts_are_in_scope() -> None:
    """二: 郑州市市内五区."""
    mandatory = [d.code for d in ZZ.jurisdiction.districts if d.participation == "mandatory"]
    assert mandatory == ["zz-zhongyuan", "zz-erqi", "zz-jinshui", "zz-guancheng", "zz-huiji"]


def test_zz2019_other_areas_follow_by_reference_at_own_cost() -> None:
    """二: 航空港区、郑东新区…中牟县可参照本方案执行，所需资金自行解决."""
    others = [d for d in ZZ.jurisdiction.districts if d.participation == "by_reference"]
    assert len(others) == 11
    assert all(d.self_funded for d in others)
    decision = is_eligible(ZZ, 1990, district="zz-zhengdong")
    assert decision.eligible and "参照执行" in decision.checks[1].message
    assert award_applies(ZZ, "zz-jinshui")
    assert not award_applies(ZZ, "zz-zhengdong")


def test_zz2019_district_outside_jurisdiction_is_ineligible() -> None:
    """二: a Kaifeng district is not in the Zhengzhou plan."""
    decision = is_eligible(ZZ, 1990, district="kf-gulou")
    assert not decision.eligible
    assert decision.reasons[0].code == "district"


# --- 三 整治提升基本内容和标准 -------------------------------------------------------------------


def test_zz2019_catalogue_has_30_items_in_4_categories() -> None:
    """三(一)1–15, 三(二)16–22, 三(三)23–27, 三(四)28–30."""
    assert [i.number for i in ZZ.catalogue.items] == list(range(1, 31))
    sizes = {c.code: len(items_in_category(ZZ, c.code)) for c in ZZ.catalogue.categories}
    assert sizes == {
        "infrastructure": 15,
        "living-environment": 7,
        "facilities": 5,
        "property-management": 3,
    }
    assert [c.clause for c in ZZ.catalogue.categories] == ["三(一)", "三(二)", "三(三)", "三(四)"]


def test_zz2019_item_clauses_follow_the_documents_numbering() -> None:
    """三: item n of paragraph (k) is cited 三(k)n."""
    assert catalogue_item(ZZ, 1).clause == "三(一)1"
    assert catalogue_item(ZZ, 16).clause == "三(二)16"
    assert catalogue_item(ZZ, 23).clause == "三(三)23"
    assert catalogue_item(ZZ, 30).clause == "三(四)30"


def test_zz2019_item_8_fire_and_police() -> None:
    """三(一)8 消防设施、监控、智慧安防; 六: 市消防支队 (消防设施), 市公安局 (监控、智慧安防)."""
    item = catalogue_item(ZZ, 8)
    assert item.name_zh == "完善小区消防设施、监控、智慧安防系统"
    assert responsible_departments(ZZ, item) == ("fire", "police")
    assert item.cited_responsibility == "六"


def test_zz2019_item_2_lines_departments_and_utilities() -> None:
    """三(一)2 捆扎序化供电、通信、有线电视线路; 六: 工信局、通信办、文广旅局 coordinate the
    供电企业、通信企业、有线电视单位; 五(二): the utilities do their own lines."""
    assert responsible_departments(ZZ, 2) == (
        "industry-it",
        "telecom-office",
        "culture-broadcasting",
    )
    assert responsible_utilities(ZZ, "overhead-lines") == ("power", "telecom", "cable-tv")


@pytest.mark.parametrize(
    ("number", "departments"),
    [
        (16, ("urban-management",)),  # 六 市城管局: 违章建筑
        (19, ("urban-management",)),  # 六 市城管局: 小广告、违规户外广告
        (18, ("fire",)),  # 六 市消防支队: 消防通道
        (22, ("landscaping",)),  # 六 市园林局: 绿化提升
        (27, ("sports",)),  # 六 市体育局: 健身设施
        (28, ("housing",)),  # 六 市住房保障局: 业主管理组织
        (15, ("construction",)),  # 六 市城建局: 外墙美化
        (4, ()),  # no duty in 六 names activity space: the district does it
    ],
)
def test_zz2019_responsible_departments_from_clause_六(number: int, departments: tuple[str, ...]) -> None:
    """六 职责分工, as read into the catalogue."""
    assert responsible_departments(ZZ, number) == departments


def test_zz2019_items_for_fire() -> None:
    """六 市消防支队: 消防设施、消防通道 → items 8, 18, 23, 24."""
    assert [i.number for i in items_for_department(ZZ, "fire")] == [8, 18, 23, 24]


def test_zz2019_item_lookup_by_number_code_or_digit_string() -> None:
    assert catalogue_item(ZZ, "8") is catalogue_item(ZZ, 8)
    assert catalogue_item(ZZ, "fire-surveillance-security").number == 8
    with pytest.raises(UnknownItemError):
        catalogue_item(ZZ, 31)
    with pytest.raises(KeyError):
        catalogue_item(ZZ, "swimming-pool")


def test_zz2019_item_from_another_profile_is_refused() -> None:
    kaifeng_item = catalogue_item(get_profile("kaifeng-2019"), 1)
    with pytest.raises(UnknownItemError):
        responsible_departments(ZZ, kaifeng_item)


# --- 四 实施步骤 ----------------------------------------------------------------------------------


def test_zz2019_six_steps_of_section_四() -> None:
    """四(一)–(六) 调查摸底、宣传发动、制定方案、组织施工、工程验收、物业接管: the plan's six steps and
    nothing else (二 is an assessment of the community; 七(二) 销号 is a ledger rule)."""
    assert stage_codes(ZZ) == (
        StageCode.SURVEY,
        StageCode.CONSULTATION,
        StageCode.PLANNING,
        StageCode.CONSTRUCTION,
        StageCode.ACCEPTANCE,
        StageCode.PROPERTY_TAKEOVER,
    )
    assert [s.clause for s in ZZ.lifecycle.stages] == [
        "四(一)",
        "四(二)",
        "四(三)",
        "四(四)",
        "四(五)",
        "四(六)",
    ]
    assert first_step(ZZ) is StageCode.SURVEY
    assert next_steps(ZZ, StageCode.SURVEY) == (StageCode.CONSULTATION,)
    assert next_stage(ZZ, "acceptance") is StageCode.PROPERTY_TAKEOVER
    assert next_steps(ZZ, StageCode.PROPERTY_TAKEOVER) == ()
    with pytest.raises(ValueError):
        next_stage(ZZ, StageCode.APPROVAL)


def test_zz2019_close_out_is_a_ledger_rule() -> None:
    """七(二): 市、区要逐级建立老旧小区台账，实行整治改造项目登记和销号制度."""
    assert closes_out_in_ledger(ZZ)
    (rule,) = [r for r in ledger_rules(ZZ) if r.closes_out]
    assert rule.clause == "七(二)"
    assert rule.keepers == (Party.CITY, Party.DISTRICT)


def test_zz2019_final_accounts_audit_is_recorded_after_acceptance() -> None:
    """四(四) 统一组织竣工验收、统一实行决算审计: a record after acceptance, not a step."""
    after = audit_after(ZZ)
    assert after is StageCode.ACCEPTANCE
    assert ZZ.lifecycle.final_accounts_audit is not None
    assert ZZ.lifecycle.final_accounts_audit.clause == "四(四)"
    # the project is not held at acceptance while the audit runs
    assert next_steps(ZZ, after) == (StageCode.PROPERTY_TAKEOVER,)


def test_zz2019_acceptance_organised_by_the_district_with_rectification() -> None:
    """四(五): 由各区…组织相关单位验收，对存在问题进行整改 — rectification is part of acceptance."""
    stage = ZZ.lifecycle.stage(StageCode.ACCEPTANCE)
    assert stage is not None and stage.organiser == "district"
    assert "rectification" in [r.code for r in stage.requirements]
    assert sign_offs(ZZ, StageCode.ACCEPTANCE) == ()  # 相关单位 are not named


def test_zz2019_takeover_modes() -> None:
    """四(六): an existing company redraws its plan; otherwise one is chosen on its service plan;
    三(四)30: the street office where no professional company is feasible."""
    modes = step_modes(ZZ, StageCode.PROPERTY_TAKEOVER)
    assert [m.code for m in modes] == ["existing-company", "new-company", "street-office-fallback"]
    assert [m.clause for m in modes] == ["四(六)", "四(六)", "三(四)30"]


def test_zz2019_plans_due_15_april() -> None:
    """四(三): 整治计划方案连同整治台账4月15日前报市领导小组办公室."""
    (deadline,) = deadlines(ZZ)
    assert deadline.due_on == date(2019, 4, 15)
    assert deadline.clause == "四(三)"


def test_zz2019_five_unifieds() -> None:
    """四(四): 统一评审方案、统一内容和标准、统一招标和监理、统一竣工验收、统一决算审计."""
    stage = ZZ.lifecycle.stage("construction")
    assert stage is not None
    assert [r.code for r in stage.requirements] == [
        "unified-plan-review",
        "unified-standards",
        "unified-tender-supervision",
        "unified-acceptance",
        "unified-final-audit",
    ]


# --- 五 资金来源 ----------------------------------------------------------------------------------


def test_zz2019_award_ratio_is_40_percent() -> None:
    """五(一): 市级财政…按整治投资金额的40%进行奖补; 市财政局会同市发展改革委、市住房保障局制定奖补办法."""
    assert ZZ.funding is not None and ZZ.funding.award is not None
    award = ZZ.funding.award
    assert award.ratio == Decimal("0.40")
    assert award.clause == "五(一)"
    assert award.payer_department == "finance"
    assert award.rules_by == ("finance", "development-reform", "housing")


def test_zz2019_award_basis_is_the_accepted_investment_trued_up_on_audit() -> None:
    """五(一) never says "audited"; 四(四) puts 统一组织竣工验收 before 统一实行决算审计, so the award
    is paid on the investment stated at acceptance and trued up when the audit arrives."""
    award = award_rule(ZZ)
    assert award_basis(ZZ) is award.basis is AwardBasis.ACCEPTED_INVESTMENT
    assert award_trued_up_on_audit(ZZ) is award.true_up_on_audit is True
    assert award.basis_reading is Reading.PLATFORM
    assert award.note is not None and "四(四)" in award.note and "五(一)" in award.note


def test_zz2019_acceptance_comes_before_the_audit_in_the_five_unifieds() -> None:
    """四(四): the requirement list keeps the plan's order, which the basis reading relies on."""
    stage = ZZ.lifecycle.stage("construction")
    assert stage is not None
    codes = [r.code for r in stage.requirements]
    assert codes.index("unified-acceptance") < codes.index("unified-final-audit")


def test_zz2019_finance_approves_and_pays_the_award() -> None:
    """五(一) 市级财政 / 市财政局: the plan names Finance alone for the award money."""
    award = award_rule(ZZ)
    assert award_payer(ZZ) == award.payer_department
    assert award_approver(ZZ) == award.approver_department
    assert award_payer(ZZ) in ZZ.department_codes
    assert award_approver(ZZ) in ZZ.department_codes


def test_zz2019_award_fen() -> None:
    """五(一): ratio × the investment, half-up to the fen, on the accepted or the audited figure."""
    ratio = award_rule(ZZ).ratio
    assert award_fen(ZZ, 100_000_000) == int(100_000_000 * ratio)
    assert award_fen(ZZ, 100_000_000, basis=award_basis(ZZ)) == award_fen(ZZ, 100_000_000)
    assert award_fen(ZZ, 100_000_000, basis=AwardBasis.AUDITED_INVESTMENT) == award_fen(ZZ, 100_000_000)
    assert award_fen(ZZ, 3) == 1  # 1.2 fen → 1
    assert award_fen(ZZ, 4) == 2  # 1.6 fen → 2


def test_zz2019_award_on_the_approved_figure_is_refused() -> None:
    """The approved plan's figure is not what 五(一) pays on under this reading."""
    with pytest.raises(ValueError, match=award_basis(ZZ).value):
        award_fen(ZZ, 100, basis=AwardBasis.APPROVED_INVESTMENT)


def test_zz2019_award_true_up_is_signed() -> None:
    """The audited figure corrects the award either way: more owed, or overpaid."""
    paid = award_fen(ZZ, 100_000_000)
    assert award_true_up_fen(ZZ, paid, 100_000_000) == 0
    assert award_true_up_fen(ZZ, paid, 110_000_000) == award_fen(ZZ, 110_000_000) - paid > 0
    assert award_true_up_fen(ZZ, paid, 90_000_000) == award_fen(ZZ, 90_000_000) - paid < 0


def test_zz2019_award_refuses_float_and_negative() -> None:
    with pytest.raises(TypeError):
        award_fen(ZZ, 100.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        award_fen(ZZ, -1)


def test_zz2019_districts_pay_owners_and_property_units_may_co_fund() -> None:
    """五(一): 所需资金由各区承担…政府、业主、产权单位多方出资."""
    assert ZZ.funding is not None and ZZ.funding.co_funding is not None
    assert ZZ.funding.co_funding.primary_payer is Party.DISTRICT
    assert [s.code for s in ZZ.funding.co_funding.sources] == [
        "government",
        "owners",
        "property-right-units",
    ]


def test_zz2019_utilities_do_their_own_lines() -> None:
    """五(二): 规整管线和刷新各类仪表箱体，由各专业经营单位负责."""
    assert ZZ.funding is not None and ZZ.funding.utility_works is not None
    assert ZZ.funding.utility_works.self_funded
    assert ZZ.funding.utility_works.clause == "五(二)"


def test_zz2019_property_subsidy_030_yuan_for_36_months() -> None:
    """五(三): 按建筑面积每月每平方米不低于0.3元，补贴期限不少于3年."""
    assert ZZ.funding is not None and ZZ.funding.property_subsidy is not None
    subsidy = ZZ.funding.property_subsidy
    assert subsidy.min_fen_per_m2_month == 30  # 0.3 yuan = 30 fen
    assert subsidy.min_months == 36
    assert subsidy.payers == (Party.DISTRICT,)


def test_zz2019_property_subsidy_standard_is_in_principle() -> None:
    """五(三): 补贴标准原则上按…不低于0.3元 — "原则上", so not strictly mandatory."""
    assert ZZ.funding is not None and ZZ.funding.property_subsidy is not None
    subsidy = ZZ.funding.property_subsidy
    assert subsidy.strictness is Strictness.IN_PRINCIPLE
    assert not subsidy.mandatory
    assert subsidy.qualifier_zh == "原则上"
    assert subsidy.note is not None and subsidy.qualifier_zh in subsidy.note


def test_zz2019_property_subsidy_fen() -> None:
    """五(三): 10,000 m² for a year at 30 fen/m²/month = 3,600,000 fen (36,000 yuan)."""
    assert property_subsidy_fen(ZZ, Decimal("10000"), 12) == 3_600_000
    assert property_subsidy_fen(ZZ, 10000, 12) == 3_600_000
    assert minimum_subsidy_fen(ZZ, Decimal("10000")) == 10_800_000  # 3 years
    assert property_subsidy_fen(ZZ, Decimal("0.05"), 1) == 2  # 1.5 fen rounds half up
    assert property_subsidy_fen(ZZ, Decimal("0.01"), 1) == 0  # 0.3 fen


def test_zz2019_property_subsidy_refuses_float_and_negative() -> None:
    with pytest.raises(TypeError):
        property_subsidy_fen(ZZ, 100.5, 12)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        property_subsidy_fen(ZZ, Decimal("-1"), 12)
    with pytest.raises(ValueError):
        property_subsidy_fen(ZZ, Decimal("1"), -1)


# --- 六 / 七 组织领导、有关要求 ---------------------------------------------------------------


def test_zz2019_office_sits_in_housing() -> None:
    """六: 领导小组下设办公室…办公室设在市住房保障局."""
    assert ZZ.office is not None
    assert ZZ.office.host == "housing"
    assert ZZ.office.clause == "六"


def test_zz2019_districts_lead_the_work() -> None:
    """六: 市内五区人民政府为老旧小区整治提升工作的责任主体."""
    assert ZZ.catalogue.lead.party is Party.DISTRICT


def test_zz2019_weekly_report_on_friday() -> None:
    """七(二): 各区政府…每周五向市领导小组办公室报送周整治工作开展情况."""
    assert weekly_report_weekday(ZZ) == 5
    assert ZZ.supervision.weekly_report is not None
    assert ZZ.supervision.weekly_report.clause == "七(二)"
    assert ZZ.supervision.weekly_report.reporters == (Party.DISTRICT,)


def test_zz2019_half_in_2019_half_in_2020() -> None:
    """一(三): 2019年、2020年各完成整治任务（个数）的50%."""
    assert ZZ.supervision.yearly_targets is not None
    assert ZZ.supervision.yearly_targets.basis == "community_count"
    assert target_share(ZZ, 2019) == Decimal("0.5")
    assert target_share(ZZ, 2020) == Decimal("0.5")
    assert target_share(ZZ, 2021) == 0
    assert cumulative_target_share(ZZ, 2019) == Decimal("0.5")
    assert cumulative_target_share(ZZ, 2020) == Decimal("1.0")


def test_zz2019_laggards_are_named_citywide() -> None:
    """七(四): 对表现优异的给予表彰奖励；对行动迟缓的单位在全市进行通报批评."""
    enforcement = ZZ.supervision.enforcement
    assert enforcement is not None
    assert enforcement.rewards
    assert [s.code for s in enforcement.sanctions] == ["public-criticism"]


def test_zz2019_has_no_rules_it_does_not_state() -> None:
    """No monthly report, cadence, numeric indicators, central subsidy or service levels."""
    assert ZZ.supervision.monthly_report is None
    assert ZZ.supervision.cadence is None
    assert all(i.milestones == () for i in ZZ.supervision.indicators)
    assert ZZ.funding is not None and ZZ.funding.central_subsidy is None
    assert ZZ.funding.beneficiary_pays is None
    assert ZZ.service_levels == ()


def test_zz2019_ten_goals() -> None:
    """一(三): 基本达到“园区道路平整 … 物业服务规范”十项目标 — "基本", so in principle."""
    (goals,) = [s for s in ZZ.standards if s.code == "ten-goals"]
    assert goals.clause == "一(三)"
    assert len(goals.items) == 10
    assert goals.items[0].name_zh == "园区道路平整" and goals.items[-1].name_zh == "物业服务规范"
    assert goals.strictness is Strictness.IN_PRINCIPLE and goals.qualifier_zh == "基本达到"


def test_zz2019_item_23_is_parking_and_e_bike_fire_facilities() -> None:
    """三(三)23: … 非机动车停车位，完善电动自行车消防设施 — the text says nothing of charging."""
    item = catalogue_item(ZZ, 23)
    assert item.name_zh.endswith("完善电动自行车消防设施")
    assert "charging" not in item.code and "charging" not in item.name_en.lower()
    assert "park" in item.code and "fire" in item.code


def test_zz2019_office_assesses_districts_and_convenes_joint_meetings() -> None:
    """七(四) 以各区政府为主要考核对象; 七(二) 联席会议 convened by the office."""
    (assessment,) = ZZ.supervision.assessments
    assert (assessment.assessor, assessment.assessed, assessment.clause) == (
        Party.OFFICE,
        (Party.DISTRICT,),
        "七(四)",
    )
    (meeting,) = ZZ.supervision.meetings
    assert ZZ.office is not None and meeting.convener == ZZ.office.code
    assert meeting.clause == "七(二)"
