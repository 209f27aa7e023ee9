"""Printable PDFs in Chinese: the weekly bulletin (周通报) and the monthly evaluation (月考评) on paper.

The text needs a CJK font. A TrueType one from Debian's packages is embedded when present
(`CJK_FONT_PATHS`, in order: `fonts-wqy-zenhei`, `fonts-wqy-microhei`, `fonts-arphic-uming`,
`fonts-droid-fallback`; `scripts/bootstrap` installs the first). Noto CJK is not on the list: Debian
ships it as CFF-outline OpenType, which reportlab cannot embed. Without any of them the PDF uses
reportlab's built-in CID font STSong-Light (the reader's viewer supplies the glyphs), so an export
never fails for want of a font.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.reporting.domain.exports import district_name, yuan
from shared.clock import SHANGHAI
from shared.i18n import ENGLISH

__all__ = [
    "CJK_FONT_PATHS",
    "FALLBACK_FONT",
    "Document",
    "bulletin_pdf",
    "cjk_font",
    "evaluation_pdf",
    "render",
]

CJK_FONT_PATHS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)
"""TrueType CJK fonts tried in order (path, face index in a collection)."""

FALLBACK_FONT = "STSong-Light"


@cache
def cjk_font(paths: tuple[tuple[str, int], ...] = CJK_FONT_PATHS) -> str:
    """Register and name the first usable CJK font of `paths`, else the built-in CID font.

    Args:
        paths: (file, face index) candidates.

    Returns:
        The registered font's name.
    """
    for path, index in paths:
        if not Path(path).is_file():
            continue
        name = f"cjk-{Path(path).stem}"
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
        except Exception:  # noqa: BLE001 - a damaged or CFF font file: try the next one
            continue
        return name
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


@dataclass(frozen=True)
class Document:
    """A printable report: a title, lines under it, and sections of (heading, table or lines)."""

    title: str
    subtitle: Sequence[str]
    sections: Sequence[tuple[str, Sequence[Sequence[Any]] | Sequence[str]]]


def render(doc: Document, font: str | None = None) -> bytes:
    """The document as an A4 landscape PDF; a table section's first row is its heading row.

    Args:
        doc: what to print.
        font: a registered font name (default: `cjk_font()`).
    """
    font = font or cjk_font()
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=1)
    sub = ParagraphStyle("sub", fontName=font, fontSize=10, leading=14, alignment=1)
    head = ParagraphStyle("head", fontName=font, fontSize=13, leading=18, spaceBefore=8)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14)
    flow: list[Any] = [Paragraph(_escape(doc.title), title)]
    flow += [Paragraph(_escape(line), sub) for line in doc.subtitle]
    for heading, content in doc.sections:
        flow += [Spacer(1, 4 * mm), Paragraph(_escape(heading), head)]
        if content and isinstance(content[0], list | tuple):
            flow.append(_table(content, font))  # type: ignore[arg-type]
        else:
            flow += [Paragraph(_escape(str(line)), body) for line in content]
    out = io.BytesIO()
    SimpleDocTemplate(
        out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, title=doc.title
    ).build(flow)
    return out.getvalue()


def _table(rows: Sequence[Sequence[Any]], font: str) -> Table:
    table = Table([["" if v is None else str(v) for v in row] for row in rows], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_BULLETIN = {
    "title": ("{programme}\n老旧小区改造工作周通报（{week}）", "{programme}\nWeekly bulletin ({week})"),
    "as_of": ("统计截至 {as_of}，发布于 {published}", "Figures as of {as_of}, published {published}"),
    "ranking": ("一、各区县进度排名", "1. District ranking"),
    "lagging": ("二、进度滞后的区县", "2. Districts behind their trajectory"),
    "late": ("三、周报迟报或未报", "3. Weekly reports late or missing"),
    "restated": ("四、前期通报数据更正", "4. Restatements of the previous bulletin"),
    "none": ("无", "None"),
    "headings": (
        "排名 区县 台账项目数 已验收 完成率 本周验收 应完成 年度目标 每周需验收 滞后 周报".split(),
        [
            "Rank",
            "District",
            "In ledger",
            "Accepted",
            "Done",
            "This week",
            "Due by now",
            "Year target",
            "Needed / week",
            "Lagging",
            "Report",
        ],
    ),
    "restated_headings": (
        ["周次", "区县", "指标", "原通报", "现数", "变化"],
        ["Week", "District", "Figure", "Published", "Now", "Change"],
    ),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
}
_REPORT_STATUS = {
    "on_time": ("按时", "on time"),
    "late": ("迟报", "late"),
    "missing": ("未报", "missing"),
}
_FIGURE = {"task": ("台账项目数", "projects in ledger"), "done": ("已验收", "accepted")}


def _percent(share: str) -> str:
    return f"{float(share) * 100:.1f}%"  # display only: the share itself is an exact decimal string


def bulletin_pdf(bulletin: Mapping[str, Any], programme_name: str, language: str) -> bytes:
    """A published bulletin as the PDF the office prints: ranking, laggards, late reports, restatements.

    Args:
        bulletin: `BulletinPublic` as the API serialises it (already cut to what the caller may see).
        programme_name: the plan's name in `language`.
        language: "zh-CN" (default) or "en".
    """
    en = int(language == ENGLISH)

    def t(key: str) -> Any:
        return _BULLETIN[key][en]

    def name(code: str) -> str:
        return district_name(code, language)

    published = bulletin["published_at"]
    if isinstance(published, datetime):
        published = published.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    ranking: list[list[Any]] = [list(t("headings"))]
    for s in bulletin["standings"]:
        status = s.get("report_status")
        ranking.append(
            [
                s["rank"],
                name(s["district_code"]),
                s["task"],
                s["done"],
                _percent(s["done_share"]),
                s["accepted_this_week"],
                s.get("expected_by_now"),
                s.get("target_by_year_end"),
                s.get("needed_per_week"),
                t("yes") if s["lagging"] else t("no"),
                _REPORT_STATUS[status][en] if status in _REPORT_STATUS else "",
            ]
        )
    sep = ", " if en else "、"
    restated: list[list[Any]] = [list(t("restated_headings"))]
    for r in bulletin["restatements"]:
        figure = _FIGURE.get(r["figure"], (r["figure"], r["figure"]))[en]
        restated.append([r["week"], name(r["district_code"]), figure, r["published"], r["now"], r["change"]])
    sections: list[tuple[str, Any]] = [
        (t("ranking"), ranking),
        (t("lagging"), [sep.join(name(c) for c in bulletin["lagging"]) or t("none")]),
        (t("late"), [sep.join(name(c) for c in bulletin["late_reports"]) or t("none")]),
        (t("restated"), restated if len(restated) > 1 else [t("none")]),
    ]
    title_lines = t("title").format(programme=programme_name, week=bulletin["week"]).split("\n")
    doc = Document(
        title=title_lines[-1],
        subtitle=[title_lines[0], t("as_of").format(as_of=bulletin["as_of"], published=published)],
        sections=sections,
    )
    return render(doc)


_EVALUATION = {
    "title": ("老旧小区改造工作月度考评（{month}）", "Monthly evaluation ({month})"),
    "as_of": (
        "统计截至 {as_of}，发布于 {published}，满分 {full}",
        "Figures as of {as_of}, published {published}, out of {full}",
    ),
    "weights": ("考评权重：{weights}", "Weights: {weights}"),
    "scores": ("一、各区县得分", "1. Scores by district"),
    "inputs": ("二、考评依据", "2. What the scores are computed from"),
    "restated": ("三、前期考评数据更正", "3. Restatements of the previous evaluation"),
    "none": ("无", "None"),
    "score_headings": (
        "排名 区县 得分 进度 报送及时 一次验收通过 整改 拨付".split(),
        [
            "Rank",
            "District",
            "Score",
            "Progress",
            "Timeliness",
            "First-pass acceptance",
            "Rectification",
            "Payout",
        ],
    ),
    "input_headings": (
        (
            "区县 台账项目数 已验收 应完成 应报周报 按时周报 "
            "验收通过 验收未通过 整改完成 奖补（元） 已拨付（元）"
        ).split(),
        [
            "District",
            "In ledger",
            "Accepted",
            "Due by now",
            "Reports due",
            "On time",
            "Passed",
            "Failed",
            "Rectified",
            "Award (yuan)",
            "Paid (yuan)",
        ],
    ),
    "restated_headings": (
        ["月份", "区县", "指标", "原考评", "现数", "变化"],
        ["Month", "District", "Figure", "Published", "Now", "Change"],
    ),
}
_WEIGHT_NAMES = {
    "progress": ("进度", "progress"),
    "timeliness": ("报送及时", "timeliness"),
    "first_pass_acceptance": ("一次验收通过", "first-pass acceptance"),
    "rectification": ("整改", "rectification"),
    "payout": ("拨付", "payout"),
}


def evaluation_pdf(evaluation: Mapping[str, Any], programme_name: str, language: str) -> bytes:
    """A published monthly evaluation as the PDF the office prints: scores, their inputs, restatements.

    Args:
        evaluation: `EvaluationPublic` as the API serialises it (already cut to what the caller may see).
        programme_name: the plan's name in `language`.
        language: "zh-CN" (default) or "en".
    """
    en = int(language == ENGLISH)

    def t(key: str) -> Any:
        return _EVALUATION[key][en]

    def name(code: str) -> str:
        return district_name(code, language)

    published = evaluation["published_at"]
    if isinstance(published, datetime):
        published = published.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    weights = ("; " if en else "，").join(
        f"{_WEIGHT_NAMES.get(k, (k, k))[en]} {v}" for k, v in evaluation["weights"].items()
    )
    scores: list[list[Any]] = [list(t("score_headings"))]
    inputs: list[list[Any]] = [list(t("input_headings"))]
    for d in evaluation["districts"]:
        c, i = d["components"], d["inputs"]
        scores.append(
            [
                d["rank"],
                name(d["district_code"]),
                d["score"],
                c.get("progress"),
                c.get("timeliness"),
                c.get("first_pass_acceptance"),
                c.get("rectification"),
                c.get("payout"),
            ]
        )
        inputs.append(
            [
                name(d["district_code"]),
                i["task"],
                i["done"],
                i.get("expected_by_now"),
                i["reports_due"],
                i["reports_on_time"],
                i["accepted"],
                i["acceptance_failures"],
                i["rectifications_completed"],
                f"{yuan(i['awarded_fen']):,}",
                f"{yuan(i['paid_fen']):,}",
            ]
        )
    restated: list[list[Any]] = [list(t("restated_headings"))]
    for r in evaluation["restatements"]:
        restated.append(
            [r["month"], name(r["district_code"]), r["figure"], r["published"], r["now"], r["change"]]
        )
    doc = Document(
        title=t("title").format(month=evaluation["month"]),
        subtitle=[
            programme_name,
            t("as_of").format(as_of=evaluation["as_of"], published=published, full=evaluation["full_marks"]),
            t("weights").format(weights=weights),
        ],
        sections=[
            (t("scores"), scores),
            (t("inputs"), inputs),
            (t("restated"), restated if len(restated) > 1 else [t("none")]),
        ],
    )
    return render(doc)
