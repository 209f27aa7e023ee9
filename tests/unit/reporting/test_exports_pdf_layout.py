"""The printed page of the PDF exports, read back from the PDF: paper, margins, type, tables.

What the office sees on paper: an A4 landscape sheet, nothing closer than 12 mm to its left and right
edges, a centred title over centred subtitle lines, left-aligned section headings and lines, and
ruled tables whose figures line up on the right and whose heading row is shaded and repeated on each
page a table runs onto.
"""

from __future__ import annotations

from typing import Any

import pytest
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from services.reporting.domain.exports_pdf import FALLBACK_FONT, Document, cjk_font, render
from tests.support import pdf_reading
from tests.support.pdf_reading import Grid, Printed, Run

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 12 * mm
FRAME_PADDING = 6.0
"""reportlab's frame keeps its flowables 6 pt inside the margins."""
CELL_PADDING = 6.0
"""reportlab's default left and right padding of a table cell."""

TITLE = "郑州市老旧小区改造工作周通报（2026-W47）：" + "各区县改造进度、验收与资金拨付情况通报" * 2
"""Long enough to wrap onto a second line (18 pt on a frame about 770 pt wide)."""
SUBTITLE_LONG = (
    "统计截至 2026-11-22，发布于 2026-11-23 10:00。" + "本通报依据各区县报送的台账与周报汇总。" * 4
)
SUBTITLE_SHORT = "郑州市老旧小区整治提升工作实施方案"
HEADING_LONG = "一、各区县进度排名（" + "按已验收项目占台账项目的比例从高到低排列" * 3 + "）"
BODY_LONG = "进度滞后的区县：" + "金水区、二七区、中原区、惠济区、管城回族区、" * 7 + "上街区"
BODY_SHORT = "荥阳市"
TABLE: list[list[Any]] = [
    ["排名", "区县\n（名称）", "台账项目数", "已验收", "完成率"],
    [1, "金水区\n（东）", 40, 25, "62.5%"],
    [2, "二七区\n（南）", 12, None, "25.0%"],
    [3, "中原区\n（西）", 8, 1, "12.5%"],
    [4, "惠济区\n（北）", 30, 3, "10.0%"],
]
"""Each row has one two-line cell (column 1), so vertical centring of its neighbours shows."""


def read(pdf: bytes) -> Printed:
    """The PDF as printed; text in the built-in CID font is measured with that font's metrics."""
    cjk_font()  # the width measurement needs the built-in CID font registered
    return pdf_reading.read(pdf, cid_font=FALLBACK_FONT)


def _document() -> Document:
    return Document(
        title=TITLE,
        subtitle=[SUBTITLE_LONG, SUBTITLE_SHORT],
        sections=[
            (HEADING_LONG, TABLE),
            ("二、进度滞后的区县", [BODY_LONG, BODY_SHORT]),
            ("三、周报迟报或未报", []),
        ],
    )


def _printed() -> Printed:
    """Rendered afresh by each test (not cached): mutmut runs only the tests it saw call `render`."""
    return read(render(_document()))


def _lines_of(printed: Printed, text: str) -> list[Run]:
    """The printed lines, top to bottom, that a wrapped paragraph `text` became."""
    runs = sorted(printed.runs, key=lambda r: (r.page, -r.y))
    for start in range(len(runs)):
        for end in range(start + 1, len(runs) + 1):
            joined = "".join(r.text for r in runs[start:end])
            if joined == text:
                return runs[start:end]
            if not text.startswith(joined):
                break
    raise AssertionError(f"{text!r} is not printed")


def test_the_sheet_is_a4_landscape_titled_like_the_document() -> None:
    printed = _printed()
    assert len(printed.pages) == 1
    page = printed.pages[0]
    assert (page.width, page.height) == pytest.approx((PAGE_WIDTH, PAGE_HEIGHT))
    assert page.width > page.height
    assert printed.title == TITLE


def test_nothing_is_printed_within_12_mm_of_the_left_and_right_edges() -> None:
    printed = _printed()
    for run in printed.runs:
        assert run.x >= MARGIN and run.right <= PAGE_WIDTH - MARGIN, run
        assert 0 < run.y < PAGE_HEIGHT, run
    for rule in printed.pages[0].rules:
        assert min(rule.x0, rule.x1) >= MARGIN and max(rule.x0, rule.x1) <= PAGE_WIDTH - MARGIN


def test_the_title_and_subtitle_lines_are_centred_on_the_sheet() -> None:
    printed = _printed()
    centred = _lines_of(printed, TITLE) + _lines_of(printed, SUBTITLE_LONG) + [printed.run(SUBTITLE_SHORT)]
    assert len(centred) == 5  # both long lines wrapped once
    for run in centred:
        assert (run.x + run.right) / 2 == pytest.approx(PAGE_WIDTH / 2, abs=0.3), run


def test_headings_and_lines_start_at_the_left_margin() -> None:
    printed = _printed()
    left = [*_lines_of(printed, HEADING_LONG), *_lines_of(printed, BODY_LONG), printed.run(BODY_SHORT)]
    left += [printed.run("二、进度滞后的区县"), printed.run("三、周报迟报或未报")]
    for run in left:
        assert run.x == pytest.approx(MARGIN + FRAME_PADDING), run
    # The wrapped lines fill the text column: the first line of each ends near its right edge.
    for text in (HEADING_LONG, BODY_LONG):
        first = _lines_of(printed, text)[0]
        assert PAGE_WIDTH - MARGIN - FRAME_PADDING - 15 < first.right <= PAGE_WIDTH - MARGIN


def test_the_type_sizes_and_line_spacing() -> None:
    """Title 18 pt on 24 pt lines, headings 13 on 18, subtitle and text 10 on 14, tables 9 pt."""
    printed = _printed()
    for text, size, leading in ((TITLE, 18, 24), (SUBTITLE_LONG, 10, 14), (HEADING_LONG, 13, 18)):
        lines = _lines_of(printed, text)
        assert [r.size for r in lines] == [size, size], text
        assert lines[0].y - lines[1].y == pytest.approx(leading), text
    body = [*_lines_of(printed, BODY_LONG), printed.run(BODY_SHORT)]
    assert len(body) == 4 and {r.size for r in body} == {10}
    assert [a.y - b.y for a, b in zip(body, body[1:], strict=False)] == pytest.approx([14, 14, 14])
    assert printed.run(SUBTITLE_SHORT).size == 10 and printed.run(BODY_SHORT).size == 10
    cells = [run for row in _grid(printed).cells for cell in row for run in cell]
    assert len(cells) == 29 and {r.size for r in cells} == {9}
    # The hierarchy a reader sees: title > heading > text > table.
    sizes = [printed.run(text).size for text in ("二、进度滞后的区县", BODY_SHORT)]
    assert _lines_of(printed, TITLE)[0].size > sizes[0] > sizes[1] > cells[0].size


def test_every_line_is_set_in_the_one_chinese_font() -> None:
    printed = _printed()
    assert len({run.font for run in printed.runs}) == 1
    assert "Helvetica" not in printed.runs[0].font
    assert "\ufffd" not in "".join(r.text for r in printed.runs)


def test_a_font_passed_in_is_the_one_printed() -> None:
    assert cjk_font(()) == FALLBACK_FONT  # registers the built-in CID font
    printed = read(render(Document("周通报", ["金水区"], [("一", ["二七区"])]), font=FALLBACK_FONT))
    assert {run.font for run in printed.runs} == {FALLBACK_FONT}
    assert [run.text for run in printed.runs] == ["周通报", "金水区", "一", "二七区"]


def test_each_heading_stands_4_mm_and_8_pt_below_what_precedes_it() -> None:
    printed = _printed()
    heading = _lines_of(printed, HEADING_LONG)[0]
    subtitle = printed.run(SUBTITLE_SHORT)
    # Below the subtitle's baseline: the rest of its 14 pt line (4 pt), the 4 mm space, 8 pt before
    # the heading, then the heading's 13 pt type down to its baseline.
    assert subtitle.y - heading.y == pytest.approx((14 - 10) + 4 * mm + 8 + 13)
    after_table = printed.run("二、进度滞后的区县")
    assert _grid(printed).rows[-1] - after_table.y == pytest.approx(4 * mm + 8 + 13)
    last_line = printed.run(BODY_SHORT)
    assert last_line.y - printed.run("三、周报迟报或未报").y == pytest.approx((14 - 10) + 4 * mm + 8 + 13)


def test_text_with_markup_characters_is_printed_as_written() -> None:
    written = "R&amp;D & <b>粗体</b> a>b &lt;i&gt;"
    printed = read(render(Document(written, [written], [(written, [written])])))
    assert [run.text for run in printed.runs] == [written] * 4


def test_a_section_with_nothing_under_it_prints_its_heading_only() -> None:
    printed = read(render(Document("周通报", [], [("三、周报迟报或未报", [])])))
    assert [run.text for run in printed.runs] == ["周通报", "三、周报迟报或未报"]


def _grid(printed: Printed | None = None) -> Grid:
    (grid,) = (printed or _printed()).grids()
    return grid


def test_a_table_prints_every_cell_and_an_empty_one_for_none() -> None:
    assert _grid().texts() == [["" if v is None else str(v) for v in row] for row in TABLE]


def test_the_table_is_ruled_with_a_hairline_grey_grid_on_every_cell_edge() -> None:
    printed = _printed()
    grid = _grid(printed)
    assert len(grid.columns) == 6 and len(grid.rows) == 6
    rules = printed.pages[0].rules
    vertical = sorted((r.x0, min(r.y0, r.y1), max(r.y0, r.y1)) for r in rules if r.vertical)
    horizontal = sorted((r.y0, min(r.x0, r.x1), max(r.x0, r.x1)) for r in rules if not r.vertical)
    top, bottom, left, right = grid.rows[0], grid.rows[-1], grid.columns[0], grid.columns[-1]
    assert vertical == [pytest.approx((x, bottom, top), abs=0.01) for x in grid.columns]
    assert horizontal == [pytest.approx((y, left, right), abs=0.01) for y in reversed(grid.rows)]
    for rule in rules:
        assert rule.width < 0.5
        red, green, blue = rule.colour
        assert red == green == blue and 0.3 < red < 0.7  # grey, neither black nor faint


def test_only_the_heading_row_is_shaded_across_the_whole_table() -> None:
    printed = _printed()
    grid = _grid(printed)
    (band,) = printed.pages[0].fills
    assert (band.x0, band.x1) == pytest.approx((grid.columns[0], grid.columns[-1]))
    assert (band.y1, band.y0) == pytest.approx((grid.rows[0], grid.rows[1]))
    red, green, blue = band.colour
    assert 0.85 < red < green < blue < 1  # a pale blue


def test_figures_line_up_on_the_right_names_and_headings_on_the_left() -> None:
    grid = _grid()
    checked = 0
    for i, row in enumerate(grid.cells):
        for j, cell in enumerate(row):
            left, right = grid.columns[j], grid.columns[j + 1]
            for run in cell:
                if i >= 1:  # room to tell left from right
                    assert right - left > run.right - run.x + 2 * CELL_PADDING + 1, run
                if i >= 1 and j >= 2:
                    assert run.right == pytest.approx(right - CELL_PADDING), run
                else:
                    assert run.x == pytest.approx(left + CELL_PADDING), run
                checked += 1
    assert checked == 29


def test_single_line_cells_are_centred_against_a_two_line_neighbour() -> None:
    grid = _grid()
    for i, row in enumerate(grid.cells):
        tall = row[1]
        assert len(tall) == 2
        middle = (tall[0].y + tall[1].y) / 2
        for j, cell in enumerate(row):
            if j != 1 and cell:
                (run,) = cell
                assert run.y == pytest.approx(middle, abs=0.01), (i, j)


def test_a_long_table_carries_its_heading_row_onto_each_page() -> None:
    rows: list[list[Any]] = [["排名", "区县", "完成率"], *[[n, f"区县{n}", f"{n}.0%"] for n in range(1, 61)]]
    printed = read(render(Document("周通报", [], [("一、各区县进度排名", rows)])))
    grids = printed.grids()
    assert len(printed.pages) >= 2 and [g.page for g in grids] == [p.number for p in printed.pages]
    printed_rows = []
    for grid in grids:
        texts = grid.texts()
        assert texts[0] == ["排名", "区县", "完成率"]
        printed_rows += texts[1:]
    assert printed_rows == [[str(v) for v in row] for row in rows[1:]]
    for run in printed.runs:
        assert MARGIN <= run.x and run.right <= PAGE_WIDTH - MARGIN
