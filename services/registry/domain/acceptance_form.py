"""The completion acceptance form (工程竣工验收单) as a printable PDF, in Chinese.

Zhongyuan 五(二)8 has the street office fill in the completion acceptance form, signed by the
street office and the community, for the headquarters to inspect; Kaifeng 六(四) names its five
joint parties. The form lists the parties the profile names (`shared.policy.sign_offs`) and who
signed for each and when, the defects found and their rectification, and the result. The text
uses reportlab's built-in CID font STSong-Light, so no font file is needed (the viewer supplies
the glyphs) and the PDF's text can be extracted and searched.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.registry.domain.acceptance import acceptance_sign_offs
from shared.clock import SHANGHAI
from shared.policy import ProgrammeProfile, StageCode, UnknownItemError, catalogue_item

FONT = "STSong-Light"
ACCEPTANCE_ACTIONS = ("acceptance", "acceptance-failure", "rectification")


@dataclass(frozen=True)
class FormFacts:
    """What the form prints, gathered from the ledger (the handler fills it in)."""

    project_id: str
    project_name: str
    community_name: str
    address: str | None
    district_code: str
    street_office: str | None
    started_on: date | None
    completed_on: date | None
    planned_investment_fen: int
    steps: Sequence[tuple[str, date, Mapping[str, Any]]] = field(default_factory=tuple)
    """The acceptance-step timeline rows, oldest first: (action, occurred_on, data)."""
    plan_items: Sequence[str] = ()
    """The catalogue codes of the project's plan: their inspecting departments sign the form."""


def has_acceptance_record(steps: Sequence[tuple[str, date, Mapping[str, Any]]]) -> bool:
    """Whether there is anything to print: an acceptance or a failed inspection."""
    return any(action in ("acceptance", "acceptance-failure") for action, _, _ in steps)


def _yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d} 元"


def _text(value: object) -> str:
    return "—" if value is None or value == "" else str(value)


@cache
def _styles() -> dict[str, ParagraphStyle]:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=10, alignment=1, textColor=colors.grey),
        "heading": ParagraphStyle("heading", parent=body, fontSize=12.5, leading=20, spaceBefore=8),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=12, textColor=colors.grey),
    }


def _table(rows: list[list[str]], widths: list[float], *, header: bool) -> Table:
    style = _styles()["body"]
    cells = [[Paragraph(escape(cell), style) for cell in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    else:
        commands.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f4f4f4")))
    table.setStyle(TableStyle(commands))
    return table


def _role_names(profile: ProgrammeProfile, plan_items: Sequence[str]) -> dict[str, str]:
    names = {}
    for sign_off in acceptance_sign_offs(profile, plan_items):
        for role in sign_off.any_of:
            names[role] = sign_off.description_zh or role
    return names


def _district_zh(profile: ProgrammeProfile, code: str) -> str:
    names = {d.code: d.name_zh for d in profile.jurisdiction.districts}
    return names.get(code, code)


def _item_zh(profile: ProgrammeProfile, code: str) -> str:
    try:
        return catalogue_item(profile, code).name_zh
    except UnknownItemError:
        return code


def result_zh(steps: Sequence[tuple[str, date, Mapping[str, Any]]]) -> str:
    """The form's verdict: passed, failed and being rectified, or rectified awaiting re-inspection."""
    last = [action for action, _, _ in steps if action in ACCEPTANCE_ACTIONS]
    if not last:
        return "待验收"
    return {
        "acceptance": "验收合格",
        "acceptance-failure": "验收不合格，整改中",
        "rectification": "整改完成，待复验",
    }[last[-1]]


def render(profile: ProgrammeProfile, facts: FormFacts, now: datetime) -> bytes:
    """The form as PDF bytes (A4, Chinese).

    Args:
        profile: the project's programme (its parties and clauses).
        facts: the project, community and acceptance records.
        now: when the form is printed (shown in Asia/Shanghai).

    Returns:
        The PDF document.
    """
    s = _styles()
    width = A4[0] - 36 * mm
    stage = profile.lifecycle.stage(StageCode.ACCEPTANCE)
    clause = stage.clause if stage else ""
    accepted = [data for action, _, data in facts.steps if action == "acceptance"]
    form = accepted[-1] if accepted else {}
    story: list[Any] = [
        Paragraph("工程竣工验收单", s["title"]),
        Paragraph(escape(f"{profile.name_zh}（{profile.document_number} {clause}）"), s["subtitle"]),
        Spacer(1, 6 * mm),
        Paragraph("一、项目基本情况", s["heading"]),
        _table(
            [
                ["项目名称", facts.project_name],
                ["项目编号", facts.project_id],
                ["小区名称", facts.community_name],
                ["小区地址", _text(facts.address)],
                ["所在区县", _district_zh(profile, facts.district_code)],
                ["街道办事处", _text(facts.street_office)],
                ["开工日期", _text(facts.started_on)],
                ["竣工日期", _text(facts.completed_on)],
                ["计划投资", _yuan(facts.planned_investment_fen)],
                ["验收投资", _yuan(form.get("accepted_investment_fen"))],
            ],
            [32 * mm, width - 32 * mm],
            header=False,
        ),
        Paragraph("二、验收签字", s["heading"]),
    ]
    signed = {entry["role"]: entry for entry in form.get("sign_offs", [])}
    rows = [["验收单位", "轮次", "签字人", "签字日期", "依据"]]
    for sign_off in acceptance_sign_offs(profile, facts.plan_items):
        entry = next((signed[r] for r in sign_off.any_of if r in signed), None)
        rows.append(
            [
                sign_off.description_zh or " / ".join(sign_off.any_of),
                f"第{sign_off.round}轮",
                _text(entry and entry.get("signatory")),
                _text(entry and entry.get("signed_on")),
                sign_off.clause,
            ]
        )
    if len(rows) == 1:
        rows.append(["本计划未规定签字单位", "—", "—", "—", clause])
    story.append(_table(rows, [52 * mm, 16 * mm, 40 * mm, 26 * mm, width - 134 * mm], header=True))
    story.append(Paragraph("三、验收问题及整改情况", s["heading"]))
    roles = _role_names(profile, facts.plan_items)
    rows = [["日期", "事项", "记录单位", "内容"]]
    for action, on, data in facts.steps:
        if action == "acceptance-failure":
            for defect in data.get("defects", []):
                who = roles.get(defect.get("recorded_by", ""), defect.get("recorded_by", ""))
                item = f"（{_item_zh(profile, defect['item_code'])}）" if defect.get("item_code") else ""
                rows.append([str(on), "验收发现问题", _text(who), f"{defect.get('description', '')}{item}"])
        elif action == "rectification":
            rows.append([str(on), "整改完成", "—", _text(data.get("note"))])
    if len(rows) == 1:
        rows.append(["—", "无", "—", "验收未发现问题"])
    story.append(_table(rows, [26 * mm, 30 * mm, 40 * mm, width - 96 * mm], header=True))
    story.append(Paragraph("四、验收结论", s["heading"]))
    verdict = result_zh(facts.steps)
    accepted_on = f"（验收日期：{form['accepted_on']}）" if form.get("accepted_on") else ""
    story.append(Paragraph(escape(f"{verdict}{accepted_on}"), s["body"]))
    story.append(Spacer(1, 8 * mm))
    printed = now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    story.append(
        Paragraph(escape(f"打印时间：{printed}（北京时间）。本单据由老旧小区改造台账系统生成。"), s["small"])
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"工程竣工验收单 {facts.project_name}",
        author="老旧小区改造台账系统",
        invariant=1,
    )
    document.build(story)
    return buffer.getvalue()
