"""Reads a PDF back as a reader sees it: text where it is printed, in what type, ruled lines and shaded boxes.

A small interpreter of the page content streams (the operators reportlab writes), so a test can check
the printed layout itself (margins, alignment, type sizes, table grids) rather than only the text
pypdf extracts. One walk of each page gives two views of its text:

- `Run`s: each printed line (the strings shown end to end on one baseline), page by page;
- `Para`s: the lines of each text block (reportlab draws one paragraph per BT ... ET), with its style.

Coordinates are PDF points from the page's bottom-left corner.

    printed = read(pdf, cid_font="STSong-Light")

`cid_font` names the registered reportlab font whose metrics measure text set in a CID (Type0) font,
which carries no widths of its own in the PDF; the caller registers it (rendering usually has).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.pdfbase import pdfmetrics

Colour = tuple[float, ...]
"""RGB (a grey level is given as its RGB), or CMYK as written."""
BLACK: Colour = (0.0, 0.0, 0.0)

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _times(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF's row-vector convention: `m × n`)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


@dataclass(frozen=True)
class Run:
    """One line of text as printed: its baseline starts at (x, y) and ends at `right`; `colour` is
    the fill colour it was first shown in."""

    page: int
    text: str
    x: float
    y: float
    right: float
    size: float
    font: str
    colour: Colour = BLACK


@dataclass(frozen=True)
class Para:
    """One text block as printed (reportlab draws each paragraph in one): its lines, top to bottom.

    Its font and size are those of its last line, `leading` the text leading its last line was set
    with, `colour` that of its first line."""

    page: int
    runs: tuple[Run, ...]
    leading: float

    @property
    def lines(self) -> list[str]:
        return [r.text for r in self.runs]

    @property
    def baselines(self) -> list[float]:
        return [r.y for r in self.runs]

    @property
    def lefts(self) -> list[float]:
        return [r.x for r in self.runs]

    @property
    def rights(self) -> list[float]:
        return [r.right for r in self.runs]

    @property
    def font(self) -> str:
        return self.runs[-1].font

    @property
    def size(self) -> float:
        return self.runs[-1].size

    @property
    def colour(self) -> Colour:
        return self.runs[0].colour

    @property
    def text(self) -> str:
        return "".join(self.lines)

    @property
    def top(self) -> float:
        """The first baseline raised by the type size."""
        return self.baselines[0] + self.size

    @property
    def bottom(self) -> float:
        """`top` lowered by one leading per line."""
        return self.top - self.leading * len(self.runs)

    @property
    def middle(self) -> float:
        """Halfway between the first and the last baseline."""
        return (self.baselines[0] + self.baselines[-1]) / 2


@dataclass(frozen=True)
class Rule:
    """A stroked straight line, its ends ordered left to right (bottom to top if vertical)."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    width: float
    colour: Colour

    @property
    def vertical(self) -> bool:
        return abs(self.x0 - self.x1) < 0.01


@dataclass(frozen=True)
class Fill:
    """A filled rectangle (normalised: x0 < x1, y0 < y1)."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    colour: Colour


@dataclass(frozen=True)
class Grid:
    """A ruled table: its column edges left to right, row edges top to bottom, and cell texts."""

    page: int
    columns: list[float]
    rows: list[float]
    cells: list[list[list[Run]]]

    def texts(self) -> list[list[str]]:
        """Each cell's lines joined by newlines ("" for an empty cell)."""
        return [["\n".join(r.text for r in cell) for cell in row] for row in self.cells]


@dataclass
class Page:
    number: int
    width: float
    height: float
    runs: list[Run] = field(default_factory=list)
    paras: list[Para] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)

    def texts(self) -> list[str]:
        """Each paragraph's text, in the order printed."""
        return [p.text for p in self.paras]

    def para(self, text: str) -> Para:
        """The one paragraph on the page that is exactly `text`."""
        found = [p for p in self.paras if p.text == text]
        assert len(found) == 1, (text, self.texts())
        return found[0]

    def grids(self) -> list[Grid]:
        """The page's ruled tables, top to bottom."""
        return _grids(self)


@dataclass
class Printed:
    """The whole document as printed."""

    pages: list[Page]
    title: str | None

    @property
    def runs(self) -> list[Run]:
        return [r for p in self.pages for r in p.runs]

    @property
    def paras(self) -> list[Para]:
        return [para for p in self.pages for para in p.paras]

    def texts(self) -> list[str]:
        """Every paragraph's text, page by page, in the order printed."""
        return [p.text for p in self.paras]

    def run(self, text: str) -> Run:
        """The one printed line that is exactly `text`."""
        found = [r for r in self.runs if r.text == text]
        assert len(found) == 1, (text, found)
        return found[0]

    def grids(self) -> list[Grid]:
        """Every ruled table, page by page, top to bottom."""
        return [g for p in self.pages for g in p.grids()]


def read(pdf: bytes, *, cid_font: str) -> Printed:
    """Every page's printed text, rules and fills; `cid_font` measures text set in a CID font."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = [_page(reader, number, page, cid_font) for number, page in enumerate(reader.pages, start=1)]
    meta = reader.metadata
    return Printed(pages, None if meta is None else meta.title)


class _Font:
    def __init__(self, font: Any, cid_font: str) -> None:
        self.name = str(font.get("/BaseFont", "")).lstrip("/")
        self.type0 = font.get("/Subtype") == "/Type0"
        self.measured_as = cid_font if self.type0 else "Helvetica"
        self.widths: dict[int, float] = {}
        if "/Widths" in font:
            first = int(font["/FirstChar"])
            self.widths = {first + i: float(w) for i, w in enumerate(font["/Widths"])}
        self.unicode: dict[int, str] = {}
        if "/ToUnicode" in font:
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.DOTALL):
                for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    self.unicode[int(code, 16)] = bytes.fromhex(uni).decode("utf-16-be")

    def decode(self, raw: bytes) -> str:
        if self.type0:  # reportlab's CID fonts: UCS-2 big-endian (UniGB-UCS2-H)
            return raw.decode("utf-16-be", errors="replace")
        if self.unicode:
            return "".join(self.unicode.get(b, "\ufffd") for b in raw)
        return raw.decode("latin-1")

    def width(self, raw: bytes, text: str, size: float) -> float:
        if self.widths:
            return sum(self.widths.get(b, 0.0) for b in raw) * size / 1000
        return pdfmetrics.stringWidth(text, self.measured_as, size)


def _colour(operands: list[Any]) -> Colour:
    values = tuple(float(a) for a in operands)
    return values * 3 if len(values) == 1 else values  # a grey level as its RGB


def _joined(last: Run | None, run: Run) -> Run | None:
    """`run` appended to `last` if it carries on the same line right where `last` ends."""
    if last and abs(last.y - run.y) < 0.01 and abs(last.right - run.x) < 0.01 and last.size == run.size:
        return Run(run.page, last.text + run.text, last.x, run.y, run.right, run.size, run.font, last.colour)
    return None


def _page(reader: PdfReader, number: int, page: Any, cid_font: str) -> Page:
    box = page.mediabox
    out = Page(number, float(box.width), float(box.height))
    resources = page["/Resources"]
    fonts = {name: _Font(f.get_object(), cid_font) for name, f in resources.get("/Font", {}).items()}
    ctm, stack = IDENTITY, []
    fill: Colour = BLACK
    stroke: Colour = BLACK
    line_width = 1.0
    tm = tlm = IDENTITY
    leading, size, font = 0.0, 0.0, None
    block: list[Run] = []  # the lines of the current text block, and the leading of its last
    block_leading = 0.0
    Box = tuple[float, float, float, float]
    segments: list[Box] = []  # the current path's straight lines (x0, y0, x1, y1)
    boxes: list[Box] = []  # and its rectangles (x0, y0, x1, y1)
    point = (0.0, 0.0)

    def at(x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = ctm
        return (a * x + c * y + e, b * x + d * y + f)

    def show(raw: bytes) -> None:
        nonlocal tm, block_leading
        assert font is not None
        text = font.decode(raw)
        width = font.width(raw, text, size)
        x, y = at(tm[4], tm[5])
        right = at(tm[4] + width, tm[5])[0]
        tm = _times((1, 0, 0, 1, width, 0), tm)
        run = Run(number, text, x, y, right, size, font.name, fill)
        for runs in (out.runs, block):
            joined = _joined(runs[-1] if runs else None, run)
            if joined:
                runs[-1] = joined
            elif text:
                runs.append(run)
        block_leading = leading

    for operands, op in ContentStream(page.get_contents(), reader).operations:
        match op:
            case b"q":
                stack.append((ctm, fill, stroke, line_width))
            case b"Q":
                ctm, fill, stroke, line_width = stack.pop()
            case b"cm":
                ctm = _times(tuple(float(a) for a in operands), ctm)  # type: ignore[arg-type]
            case b"rg" | b"g" | b"k":
                fill = _colour(operands)
            case b"RG" | b"G" | b"K":
                stroke = _colour(operands)
            case b"w":
                line_width = float(operands[0])
            case b"BT":
                tm = tlm = IDENTITY
                block = []
            case b"ET":
                if block:
                    out.paras.append(Para(number, tuple(block), block_leading))
                block = []
            case b"Tm":
                tm = tlm = tuple(float(a) for a in operands)  # type: ignore[assignment]
            case b"Td":
                tm = tlm = _times((1, 0, 0, 1, float(operands[0]), float(operands[1])), tlm)
            case b"TD":
                leading = -float(operands[1])
                tm = tlm = _times((1, 0, 0, 1, float(operands[0]), float(operands[1])), tlm)
            case b"T*":
                tm = tlm = _times((1, 0, 0, 1, 0, -leading), tlm)
            case b"TL":
                leading = float(operands[0])
            case b"Tf":
                font, size = fonts[operands[0]], float(operands[1])
            case b"Tj":
                show(_raw(operands[0]))
            case b"TJ":
                for part in operands[0]:
                    if isinstance(part, bytes | str):
                        show(_raw(part))
                    else:
                        tm = _times((1, 0, 0, 1, -float(part) * size / 1000, 0), tm)
            case b"m":
                point = at(float(operands[0]), float(operands[1]))
            case b"l":
                end = at(float(operands[0]), float(operands[1]))
                segments.append((*min(point, end), *max(point, end)))
                point = end
            case b"re":
                x, y, w, h = (float(a) for a in operands)
                (x0, y0), (x1, y1) = at(x, y), at(x + w, y + h)
                boxes.append((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
            case b"S" | b"s":
                out.rules += [Rule(number, *segment, line_width, stroke) for segment in segments]
                segments, boxes = [], []
            case b"f" | b"f*" | b"F" | b"B" | b"B*":
                out.fills += [Fill(number, *box, fill) for box in boxes]
                segments, boxes = [], []
            case b"n":
                segments, boxes = [], []
    return out


def _raw(string: Any) -> bytes:
    """A string operand's bytes as written (pypdf decodes some of them to text)."""
    return bytes(string.original_bytes) if hasattr(string, "original_bytes") else bytes(string)


def _grids(page: Page) -> list[Grid]:
    """The ruled tables of a page: vertical rules of one same height make one table's column edges."""
    spans: dict[tuple[float, float], list[Rule]] = {}
    for rule in page.rules:
        if rule.vertical:
            spans.setdefault((round(min(rule.y0, rule.y1), 1), round(max(rule.y0, rule.y1), 1)), []).append(
                rule
            )
    grids: list[Grid] = []
    for verticals in sorted(spans.values(), key=lambda rules: -max(rules[0].y0, rules[0].y1)):
        bottom, top = min(verticals[0].y0, verticals[0].y1), max(verticals[0].y0, verticals[0].y1)
        columns = sorted({r.x0 for r in verticals})
        rows = sorted(
            {
                r.y0
                for r in page.rules
                if not r.vertical and bottom - 0.01 <= r.y0 <= top + 0.01
                if min(r.x0, r.x1) < columns[-1] and max(r.x0, r.x1) > columns[0]
            },
            reverse=True,
        )
        cells: list[list[list[Run]]] = [[[] for _ in columns[1:]] for _ in rows[1:]]
        for run in sorted(page.runs, key=lambda r: -r.y):
            for i, (upper, lower) in enumerate(zip(rows, rows[1:], strict=False)):
                for j, (left, right) in enumerate(zip(columns, columns[1:], strict=False)):
                    if lower < run.y < upper and left < run.x < right:
                        cells[i][j].append(run)
        last = grids[-1] if grids else None
        if last and last.columns == columns and abs(last.rows[-1] - rows[0]) < 0.01:
            # reportlab draws a repeated heading row apart from the rows under it: one table.
            grids[-1] = Grid(page.number, columns, last.rows + rows[1:], last.cells + cells)
        else:
            grids.append(Grid(page.number, columns, rows, cells))
    return grids
