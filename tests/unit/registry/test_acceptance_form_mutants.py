"""The printed acceptance form (工程竣工验收单), read back from the PDF: what each section says, in
which order, and how the page is laid out (A4, 18 mm margins, ruled tables, shaded labels).

The PDF is read with `tests.support.pdf_reading`, a small interpreter of the operators reportlab
writes (text, rectangles, rules), rather than pypdf's text extraction alone, so a test can tell a cell
from its neighbour, a label's row from the next one, and where on the page something is printed.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from services.registry.domain.acceptance_form import FONT, FormFacts, has_acceptance_record, render
from shared.policy import ProgrammeProfile, StageCode, get_profile
from tests.support.pdf_reading import Fill, Page, Para, Rule, read

D = date
NOW = datetime(2026, 10, 2, 16, 30, tzinfo=UTC)
"""Printed at 00:30 on 3 October in Beijing: the date differs from UTC's."""
PAGE_WIDTH, PAGE_HEIGHT = 210 * mm, 297 * mm
MARGIN = 18 * mm
FRAME_PADDING = 6  # points: reportlab's frame keeps this much inside the margins
BLACK = (0.0, 0.0, 0.0)
GREY = (0.501961, 0.501961, 0.501961)
HEADER_SHADE = (0.933333, 0.933333, 0.933333)  # #eeeeee
LABEL_SHADE = (0.956863, 0.956863, 0.956863)  # #f4f4f4


# --- reading the PDF back -------------------------------------------------------------------------


def pages(content: bytes) -> list[Page]:
    return read(content, cid_font=FONT).pages


def texts(content: bytes) -> list[str]:
    """Every paragraph's text, in the order printed (tables row by row, left to right)."""
    return read(content, cid_font=FONT).texts()


def section(printed: list[str], heading: str, columns: int) -> list[tuple[str, ...]]:
    """The table under `heading`, as rows of `columns` cells (up to the next heading or the end)."""
    start = printed.index(heading) + 1
    end = next(
        (i for i in range(start, len(printed)) if printed[i][:2] in ("二、", "三、", "四、")), len(printed)
    )
    cells = printed[start:end]
    assert len(cells) % columns == 0, cells
    return [tuple(cells[i : i + columns]) for i in range(0, len(cells), columns)]


def labelled(printed: list[str], heading: str) -> dict[str, str]:
    """The two-column table under `heading`, label to value."""
    return {label: value for label, value in section(printed, heading, 2)}


# --- the facts and programmes the tests print -----------------------------------------------------


def facts(**changes: Any) -> FormFacts:
    values: dict[str, Any] = {
        "project_id": "p-7",
        "project_name": "文化路3号院综合整治",
        "community_name": "文化路3号院",
        "address": "文化路3号",
        "district_code": "zz-zhongyuan",
        "street_office": "建设路街道",
        "started_on": D(2026, 3, 2),
        "completed_on": D(2026, 8, 31),
        "planned_investment_fen": 1_000_000_00,
        "steps": (),
    }
    values.update(changes)
    return FormFacts(**values)


ACCEPTED_ON = D(2026, 10, 15)


def accepted(on: date = ACCEPTED_ON, **data: Any) -> tuple[str, date, Mapping[str, Any]]:
    return ("acceptance", on, {"accepted_on": on.isoformat(), **data})


def failed(on: date, *defects: Mapping[str, Any]) -> tuple[str, date, Mapping[str, Any]]:
    return ("acceptance-failure", on, {"defects": list(defects)})


def rectified(on: date, **data: Any) -> tuple[str, date, Mapping[str, Any]]:
    return ("rectification", on, data)


ZHONGYUAN = get_profile("zhongyuan-2013")
KAIFENG = get_profile("kaifeng-2019")
ZHENGZHOU_2019 = get_profile("zhengzhou-2019")  # names no signing parties


def without_description(profile: ProgrammeProfile, role: str) -> ProgrammeProfile:
    """`profile` with the acceptance sign-off that `role` gives left without a Chinese description."""
    stages = tuple(
        stage.model_copy(
            update={
                "sign_offs": tuple(
                    s.model_copy(update={"description_zh": None}) if role in s.any_of else s
                    for s in stage.sign_offs
                )
            }
        )
        if stage.code == StageCode.ACCEPTANCE
        else stage
        for stage in profile.lifecycle.stages
    )
    return profile.model_copy(update={"lifecycle": profile.lifecycle.model_copy(update={"stages": stages})})


def form(profile: ProgrammeProfile = ZHONGYUAN, now: datetime = NOW, **changes: Any) -> bytes:
    return render(profile, facts(**changes), now)


# --- whether there is a form at all ---------------------------------------------------------------


def test_there_is_something_to_print_once_an_inspection_passed_or_failed() -> None:
    assert not has_acceptance_record([])
    assert not has_acceptance_record([rectified(D(2026, 9, 1))])
    assert not has_acceptance_record([("construction-completion", D(2026, 8, 31), {})])
    assert has_acceptance_record([accepted()])
    assert has_acceptance_record([failed(D(2026, 9, 1))])
    assert has_acceptance_record([rectified(D(2026, 9, 1)), failed(D(2026, 9, 2))])


# --- section one: the project ---------------------------------------------------------------------


def test_section_one_lists_the_project_facts_under_their_labels_in_order() -> None:
    printed = texts(form(steps=[accepted(accepted_investment_fen=987_654_32)]))
    assert section(printed, "一、项目基本情况", 2) == [
        ("项目名称", "文化路3号院综合整治"),
        ("项目编号", "p-7"),
        ("小区名称", "文化路3号院"),
        ("小区地址", "文化路3号"),
        ("所在区县", "中原区"),
        ("街道办事处", "建设路街道"),
        ("开工日期", "2026-03-02"),
        ("竣工日期", "2026-08-31"),
        ("计划投资", "1,000,000.00 元"),
        ("验收投资", "987,654.32 元"),
    ]


def test_facts_not_known_yet_print_as_a_dash_and_an_unknown_district_as_its_code() -> None:
    printed = texts(
        form(
            address=None,
            street_office="",
            started_on=None,
            completed_on=None,
            district_code="zz-nowhere",
            steps=[failed(D(2026, 9, 1))],
        )
    )
    rows = labelled(printed, "一、项目基本情况")
    assert rows["小区地址"] == "—"
    assert rows["街道办事处"] == "—"
    assert rows["开工日期"] == "—"
    assert rows["竣工日期"] == "—"
    assert rows["所在区县"] == "zz-nowhere"
    assert rows["验收投资"] == "—"  # no acceptance yet: nothing accepted


@pytest.mark.parametrize(
    ("fen", "printed"),
    [
        (0, "0.00 元"),
        (5, "0.05 元"),
        (100, "1.00 元"),
        (123_456_78, "123,456.78 元"),
        (-150, "-1.50 元"),
        (-1_234_567_89, "-1,234,567.89 元"),
    ],
)
def test_amounts_print_in_yuan_with_thousands_separators_and_their_sign(fen: int, printed: str) -> None:
    rows = labelled(
        texts(form(planned_investment_fen=fen, steps=[accepted(accepted_investment_fen=fen)])),
        "一、项目基本情况",
    )
    assert rows["计划投资"] == printed
    assert rows["验收投资"] == printed


def test_the_accepted_investment_is_the_latest_acceptances() -> None:
    steps = [
        accepted(D(2026, 10, 1), accepted_investment_fen=100),
        accepted(D(2026, 10, 20), accepted_investment_fen=200),
    ]
    rows = labelled(texts(form(steps=steps)), "一、项目基本情况")
    assert rows["验收投资"] == "2.00 元"


# --- section two: who signed ----------------------------------------------------------------------


SIGN_OFF_HEADER = ("验收单位", "轮次", "签字人", "签字日期", "依据")


def test_each_party_the_programme_names_is_listed_by_round_with_who_signed_and_when() -> None:
    signatures = [
        {"role": "community", "signatory": "王五", "signed_on": "2026-10-14"},
        {"role": "district-headquarters", "signatory": "赵六", "signed_on": "2026-10-15"},
    ]
    printed = texts(form(steps=[accepted(sign_offs=signatures)]))
    assert section(printed, "二、验收签字", 5) == [
        SIGN_OFF_HEADER,
        ("街道办事处负责人签字", "第1轮", "—", "—", "五(二)8"),
        ("社区负责人签字", "第1轮", "王五", "2026-10-14", "五(二)8"),
        ("区老旧小区物业基础设施整治改造指挥部检查验收", "第2轮", "赵六", "2026-10-15", "五(二)8"),
    ]


def test_a_party_with_alternatives_is_signed_by_either_and_a_missing_name_or_date_is_a_dash() -> None:
    signatures = [
        {"role": "owners-representatives", "signatory": "业主代表李四", "signed_on": "2026-10-12"},
        {"role": "contractor", "signed_on": "2026-10-13"},
        {"role": "supervisor", "signatory": "监理张三"},
    ]
    rows = section(
        texts(form(KAIFENG, district_code="kf-longting", steps=[accepted(sign_offs=signatures)])),
        "二、验收签字",
        5,
    )
    assert rows == [
        SIGN_OFF_HEADER,
        ("业主委员会（或业主代表）", "第1轮", "业主代表李四", "2026-10-12", "六(四)"),
        ("施工单位", "第1轮", "—", "2026-10-13", "六(四)"),
        ("监理单位", "第1轮", "监理张三", "—", "六(四)"),
        ("设计单位", "第1轮", "—", "—", "六(四)"),
        ("勘察单位", "第1轮", "—", "—", "六(四)"),
    ]


def test_the_signatures_are_those_of_the_latest_acceptance() -> None:
    steps = [
        accepted(
            D(2026, 10, 1),
            sign_offs=[{"role": "community", "signatory": "旧签字", "signed_on": "2026-10-01"}],
        ),
        failed(D(2026, 10, 5)),
        accepted(
            D(2026, 10, 20),
            sign_offs=[{"role": "street-office", "signatory": "新签字", "signed_on": "2026-10-20"}],
        ),
    ]
    rows = section(texts(form(steps=steps)), "二、验收签字", 5)
    assert rows[1] == ("街道办事处负责人签字", "第1轮", "新签字", "2026-10-20", "五(二)8")
    assert rows[2] == ("社区负责人签字", "第1轮", "—", "—", "五(二)8")


def test_a_party_without_a_chinese_description_is_named_by_its_roles() -> None:
    profile = without_description(KAIFENG, "owners-committee")
    page = pages(render(profile, facts(district_code="kf-longting", steps=[accepted()]), NOW))[0]
    rows = section(page.texts(), "二、验收签字", 5)
    party = page.paras[page.texts().index(rows[1][0])]
    assert " ".join(party.lines) == "owners-committee / owners-representatives"  # wrapped at the space
    assert rows[1][1:] == ("第1轮", "—", "—", "六(四)")


def test_a_programme_naming_no_parties_prints_one_row_saying_so_with_its_clause() -> None:
    rows = section(
        texts(form(ZHENGZHOU_2019, district_code="zz-jinshui", steps=[accepted()])), "二、验收签字", 5
    )
    assert rows == [SIGN_OFF_HEADER, ("本计划未规定签字单位", "—", "—", "—", "四(五)")]


# --- section three: defects and rectification -----------------------------------------------------


DEFECT_HEADER = ("日期", "事项", "记录单位", "内容")


def test_defects_and_rectifications_are_listed_in_the_order_they_happened() -> None:
    steps = [
        failed(
            D(2026, 9, 10),
            {"description": "雨水管接口渗漏", "recorded_by": "street-office", "item_code": "water-pipes"},
            {"description": "路面破损", "recorded_by": "community"},
        ),
        rectified(D(2026, 9, 20), note="已更换接口"),
        failed(
            D(2026, 9, 25),
            {"description": "路灯不亮", "recorded_by": "district-headquarters", "item_code": 3},
        ),
        rectified(D(2026, 9, 28)),
        accepted(D(2026, 10, 1)),
    ]
    assert section(texts(form(steps=steps)), "三、验收问题及整改情况", 4) == [
        DEFECT_HEADER,
        ("2026-09-10", "验收发现问题", "街道办事处负责人签字", "雨水管接口渗漏（改造、疏通上下水）"),
        ("2026-09-10", "验收发现问题", "社区负责人签字", "路面破损"),
        ("2026-09-20", "整改完成", "—", "已更换接口"),
        (
            "2026-09-25",
            "验收发现问题",
            "区老旧小区物业基础设施整治改造指挥部检查验收",
            "路灯不亮（改造供电设施，维修、增设路灯）",
        ),
        ("2026-09-28", "整改完成", "—", "—"),
    ]


def test_a_defect_names_its_recorder_item_and_description_as_far_as_they_are_known() -> None:
    steps = [
        failed(
            D(2026, 9, 10),
            {"description": "外墙脱落", "recorded_by": "residents", "item_code": "no-such-item"},
            {"recorded_by": "street-office", "item_code": "road-surface"},
            {"description": "井盖缺失"},
        )
    ]
    assert section(texts(form(steps=steps)), "三、验收问题及整改情况", 4)[1:] == [
        ("2026-09-10", "验收发现问题", "residents", "外墙脱落（no-such-item）"),
        ("2026-09-10", "验收发现问题", "街道办事处负责人签字", "（整修路面）"),
        ("2026-09-10", "验收发现问题", "—", "井盖缺失"),
    ]


def test_a_recorder_whose_party_has_no_chinese_description_is_named_by_role() -> None:
    profile = without_description(KAIFENG, "owners-committee")
    steps = [failed(D(2026, 9, 10), {"description": "绿化缺损", "recorded_by": "owners-representatives"})]
    rows = section(
        texts(render(profile, facts(district_code="kf-longting", steps=steps), NOW)),
        "三、验收问题及整改情况",
        4,
    )
    assert rows[1] == ("2026-09-10", "验收发现问题", "owners-representatives", "绿化缺损")


@pytest.mark.parametrize(
    "steps",
    [
        [accepted()],
        [("acceptance-failure", D(2026, 9, 10), {})],
        [failed(D(2026, 9, 10)), accepted()],
    ],
    ids=["accepted-at-once", "failed-without-defects-recorded", "failed-with-an-empty-defect-list"],
)
def test_an_inspection_without_defects_says_none_were_found(steps: list[Any]) -> None:
    rows = section(texts(form(steps=steps)), "三、验收问题及整改情况", 4)
    assert rows == [DEFECT_HEADER, ("—", "无", "—", "验收未发现问题")]


def test_a_single_rectification_is_its_only_row() -> None:
    rows = section(
        texts(form(steps=[failed(D(2026, 9, 1)), rectified(D(2026, 9, 2), note="已整改")])),
        "三、验收问题及整改情况",
        4,
    )
    assert rows == [DEFECT_HEADER, ("2026-09-02", "整改完成", "—", "已整改")]


# --- section four, the heading and the footer ----------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "verdict"),
    [
        ([accepted(D(2026, 10, 15))], "验收合格（验收日期：2026-10-15）"),
        ([("acceptance", D(2026, 10, 15), {})], "验收合格"),
        ([failed(D(2026, 9, 1))], "验收不合格，整改中"),
        ([failed(D(2026, 9, 1)), rectified(D(2026, 9, 5))], "整改完成，待复验"),
        (
            [accepted(D(2026, 10, 1)), failed(D(2026, 10, 9))],
            "验收不合格，整改中（验收日期：2026-10-01）",
        ),
    ],
)
def test_the_conclusion_is_the_verdict_with_the_acceptance_date(steps: list[Any], verdict: str) -> None:
    printed = texts(form(steps=steps))
    assert printed[printed.index("四、验收结论") + 1] == verdict


def test_the_form_opens_with_its_title_and_the_programme_and_clause_it_follows() -> None:
    printed = texts(form(KAIFENG, district_code="kf-longting", steps=[accepted()]))
    assert printed[:3] == [
        "工程竣工验收单",
        "开封市城镇老旧小区改造工作实施方案（汴政办〔2019〕99号 六(四)）",
        "一、项目基本情况",
    ]
    assert [t for t in printed if t[:2] in ("一、", "二、", "三、", "四、")] == [
        "一、项目基本情况",
        "二、验收签字",
        "三、验收问题及整改情况",
        "四、验收结论",
    ]


@pytest.mark.parametrize(
    ("now", "shown"),
    [
        (NOW, "2026-10-03 00:30"),
        (datetime(2026, 1, 5, 3, 7, tzinfo=UTC), "2026-01-05 11:07"),
    ],
)
def test_the_footer_gives_the_printing_time_in_beijing_time(now: datetime, shown: str) -> None:
    assert texts(form(now=now, steps=[accepted()]))[-1] == (
        f"打印时间：{shown}（北京时间）。本单据由老旧小区改造台账系统生成。"
    )


def test_the_document_is_titled_after_the_project_and_attributed_to_the_ledger_system() -> None:
    metadata = PdfReader(io.BytesIO(form(steps=[accepted()]))).metadata
    assert metadata is not None
    assert metadata.title == "工程竣工验收单 文化路3号院综合整治"
    assert metadata.author == "老旧小区改造台账系统"


def test_the_same_form_prints_to_the_same_bytes() -> None:
    steps = [accepted(sign_offs=[{"role": "community", "signatory": "王五", "signed_on": "2026-10-14"}])]
    first = form(steps=steps)
    assert form(steps=steps) == first


# --- the layout -----------------------------------------------------------------------------------

TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN  # 174 mm
LONG_NAME = "文化路3号院及周边片区老旧小区物业基础设施整治改造和物业管理全覆盖综合提升工程" * 2
LONG_ADDRESS = "郑州市中原区建设路街道文化路社区文化路3号院1号楼至12号楼及周边附属道路和公共空间" * 2


def _laid_out() -> Page:
    """One page with every kind of cell: wrapped values, a wrapped party and a wrapped recorder."""
    steps = [
        failed(
            D(2026, 9, 10),
            {"description": "雨水管接口渗漏", "recorded_by": "street-office", "item_code": "water-pipes"},
        ),
        rectified(D(2026, 9, 20), note="已更换接口"),
        accepted(
            D(2026, 10, 15), sign_offs=[{"role": "community", "signatory": "王五", "signed_on": "2026-10-14"}]
        ),
    ]
    [page] = pages(form(project_name=LONG_NAME, address=LONG_ADDRESS, steps=steps))
    return page


def table(page: Page, heading: str, columns: int) -> list[list[Para]]:
    """The cells of the table under `heading` on `page`, row by row."""
    rows = section(page.texts(), heading, columns)
    start = page.texts().index(heading) + 1
    cells = page.paras[start : start + len(rows) * columns]
    return [cells[i : i + columns] for i in range(0, len(cells), columns)]


def cell_rules(page: Page, cell: Para) -> tuple[Rule, Rule, Rule, Rule]:
    """The rules nearest a cell's text on each side: left, right, above, below."""
    left, right = min(cell.lefts), max(cell.rights)
    verticals = [r for r in page.rules if r.x0 == r.x1 and r.y0 <= cell.bottom and r.y1 >= cell.top]
    horizontals = [r for r in page.rules if r.y0 == r.y1 and r.x0 <= left and r.x1 >= right]
    return (
        max((r for r in verticals if r.x0 <= left), key=lambda r: r.x0),
        min((r for r in verticals if r.x0 >= right), key=lambda r: r.x0),
        min((r for r in horizontals if r.y0 >= cell.top), key=lambda r: r.y0),
        max((r for r in horizontals if r.y0 <= cell.bottom), key=lambda r: r.y0),
    )


def _mm(points: float) -> float:
    return round(points / mm, 2)


def test_the_page_is_a4_portrait() -> None:
    page = _laid_out()
    assert tuple(_mm(v) for v in (page.width, page.height)) == (210.0, 297.0)


@pytest.mark.parametrize(
    ("heading", "columns", "edges"),
    [
        ("一、项目基本情况", 2, (0, 32, 174)),
        ("二、验收签字", 5, (0, 52, 68, 108, 134, 174)),
        ("三、验收问题及整改情况", 4, (0, 26, 56, 96, 174)),
    ],
)
def test_each_table_fills_the_text_width_and_every_cell_is_ruled_in(
    heading: str, columns: int, edges: tuple[int, ...]
) -> None:
    """Column edges in mm from the 18 mm left margin; every rule a 0.5 pt black line across the
    whole table (rows) or down the whole table (columns)."""
    page = _laid_out()
    rows = table(page, heading, columns)
    table_top = cell_rules(page, rows[0][0])[2].y0
    table_bottom = cell_rules(page, rows[-1][0])[3].y0
    for row in rows:
        for column, cell in enumerate(row):
            left, right, above, below = cell_rules(page, cell)
            assert (_mm(left.x0 - MARGIN), _mm(right.x0 - MARGIN)) == edges[column : column + 2], cell.text
            for rule in (above, below):
                assert (_mm(rule.x0), _mm(rule.x1)) == (18.0, 192.0), cell.text
            for rule in (left, right):
                assert (rule.y0, rule.y1) == pytest.approx((table_bottom, table_top), abs=0.01), cell.text
            assert {(r.width, r.colour) for r in (left, right, above, below)} == {(0.5, BLACK)}


def test_header_rows_are_shaded_and_so_is_the_label_column_of_the_project_table() -> None:
    page = _laid_out()

    def shade(top_left: Para, bottom_right: Para, colour: tuple[float, ...]) -> Fill:
        left, _, above, _ = cell_rules(page, top_left)
        _, right, _, below = cell_rules(page, bottom_right)
        return Fill(page.number, left.x0, below.y0, right.x0, above.y0, colour)

    project = table(page, "一、项目基本情况", 2)
    parties = table(page, "二、验收签字", 5)
    defects = table(page, "三、验收问题及整改情况", 4)
    expected = [
        shade(project[0][0], project[-1][0], LABEL_SHADE),
        shade(parties[0][0], parties[0][-1], HEADER_SHADE),
        shade(defects[0][0], defects[0][-1], HEADER_SHADE),
    ]
    assert [(_mm(b.x0), _mm(b.y0), _mm(b.x1), _mm(b.y1), b.colour) for b in page.fills] == [
        (_mm(b.x0), _mm(b.y0), _mm(b.x1), _mm(b.y1), b.colour) for b in expected
    ]


def test_a_cell_beside_a_wrapped_one_is_centred_on_it_vertically() -> None:
    page = _laid_out()
    project = table(page, "一、项目基本情况", 2)
    parties = table(page, "二、验收签字", 5)
    defects = table(page, "三、验收问题及整改情况", 4)
    cases = [
        (project[0][1], [project[0][0]]),  # the project's name wraps: its label sits at its middle
        (project[3][1], [project[3][0]]),  # so does the address
        (parties[3][0], parties[3][1:]),  # the headquarters' long description
        (defects[1][2], [defects[1][0], defects[1][1], defects[1][3]]),  # the recorder's name
    ]
    for wrapped, beside in cases:
        assert len(wrapped.lines) > 1, wrapped.text
        for cell in beside:
            assert len(cell.lines) == 1
            assert cell.baselines[0] == pytest.approx(wrapped.middle, abs=0.01), (wrapped.text, cell.text)


def test_the_text_is_chinese_capable_and_styled_by_its_role() -> None:
    page = _laid_out()
    printed = page.texts()
    assert {p.font for p in page.paras} == {"STSong-Light"}
    title, subtitle, footer = page.paras[0], page.paras[1], page.paras[-1]
    assert (title.size, title.colour) == (18, BLACK)
    assert (subtitle.size, subtitle.colour) == (10, GREY)
    assert (footer.size, footer.colour) == (8.5, GREY)
    for centred in (title, subtitle):  # centred on the page
        assert (centred.lefts[0] + centred.rights[0]) / 2 == pytest.approx(PAGE_WIDTH / 2, abs=0.01)
    headings = [p for p in page.paras if p.text[:2] in ("一、", "二、", "三、", "四、")]
    assert [(h.size, h.colour) for h in headings] == [(12.5, BLACK)] * 4
    body = page.paras[printed.index("一、项目基本情况") + 1 : -1]
    assert {(p.size, p.colour) for p in body if p not in headings} == {(10.5, BLACK)}
    for left_aligned in [*headings, page.para("验收合格（验收日期：2026-10-15）"), footer]:
        assert left_aligned.lefts[0] == pytest.approx(MARGIN + FRAME_PADDING, abs=0.01)


def test_the_form_starts_at_the_top_margin_with_room_under_the_titles_and_above_the_footer() -> None:
    page = _laid_out()
    title, subtitle, footer = page.paras[0], page.paras[1], page.paras[-1]
    first_heading = page.para("一、项目基本情况")
    verdict = page.para("验收合格（验收日期：2026-10-15）")
    assert title.top == pytest.approx(PAGE_HEIGHT - MARGIN - FRAME_PADDING, abs=0.01)
    assert subtitle.top == pytest.approx(title.bottom, abs=0.01)
    heading_space = 8  # points the heading style keeps above itself
    assert subtitle.bottom - first_heading.top == pytest.approx(6 * mm + heading_space, abs=0.01)
    assert verdict.bottom - footer.top == pytest.approx(8 * mm, abs=0.01)


def test_a_long_defect_list_runs_on_under_a_repeated_header_and_keeps_out_of_the_bottom_margin() -> None:
    """The address wraps to four lines so that page 1's last row ends just above the 18 mm bottom
    margin (within 1 mm): a wider margin would push that row over, a narrower one pull the next up."""
    defects = [{"description": f"问题{i}"} for i in range(1, 41)]
    printed = pages(form(address="文" * 37 * 4, steps=[failed(D(2026, 9, 1), *defects)]))
    assert len(printed) > 1
    rows: list[tuple[str, ...]] = []
    table_ended = False
    for number, page in enumerate(printed):
        texts_on_page = page.texts()
        if not table_ended:
            start = texts_on_page.index("三、验收问题及整改情况") + 1 if number == 0 else 0
            table_ended = "四、验收结论" in texts_on_page
            end = texts_on_page.index("四、验收结论") if table_ended else len(texts_on_page)
            cells = texts_on_page[start:end]
            assert tuple(cells[:4]) == DEFECT_HEADER, number  # each page's part starts with the header
            rows += [tuple(cells[i : i + 4]) for i in range(4, len(cells), 4)]
        lowest = min([r.y0 for r in page.rules] + [p.bottom for p in page.paras])
        assert lowest >= MARGIN + FRAME_PADDING - 0.01, number
    assert rows == [("2026-09-01", "验收发现问题", "—", f"问题{i}") for i in range(1, 41)]
    first_page_end = min(r.y0 for r in printed[0].rules)
    assert first_page_end - (MARGIN + FRAME_PADDING) < 1 * mm


def test_a_project_table_running_onto_a_second_page_prints_each_fact_once() -> None:
    """The project table has no header row: nothing of it is repeated on the next page."""
    long = "很长的文字" * 70  # about ten lines each
    printed = pages(
        form(project_name=long, community_name=long, address=long, street_office=long, steps=[accepted()])
    )
    assert len(printed) > 1
    second = printed[1].texts()
    assert second[0] != "项目名称"
    labels = ["项目名称", "项目编号", "小区名称", "小区地址", "所在区县", "街道办事处"]
    labels += ["开工日期", "竣工日期", "计划投资", "验收投资"]
    every = [t for page in printed for t in page.texts()]
    assert [t for t in every if t in labels] == labels
