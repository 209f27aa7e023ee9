"""The ledger spreadsheet's columns: the ONE definition the template, the reader and the
validation share, so a heading, a field and a cell's format are named in one place.

Districts keep their ledgers (台账) as spreadsheets with Chinese headings; each column maps to a
field of `CommunityCreate` (or of the classification Kaifeng 六(三) asks for: the library tier,
demonstration community, the centrally funded list). A cell is converted here from what a
spreadsheet holds (text, a float for any number, a bool) to what the request body would carry;
the rules themselves (bounds, clean text, eligibility) stay with the body model and the policy.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from openpyxl import Workbook

from shared.policy import ProgrammeProfile
from shared.policy.models.base import Named


class Kind(StrEnum):
    """How a column's cells are read."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    FLAG = "flag"
    DISTRICT = "district"
    EXCLUSIONS = "exclusions"
    TIER = "tier"


@dataclass(frozen=True)
class LedgerColumn:
    """One column of the ledger spreadsheet."""

    heading: str
    """The Chinese heading, as districts write it."""
    field: str
    """The body field it fills."""
    heading_en: str
    kind: Kind
    required: bool
    example: str | int
    """The value the template's sample row shows."""
    help_zh: str


COLUMNS: tuple[LedgerColumn, ...] = (
    LedgerColumn("名称", "name", "Name", Kind.TEXT, True, "文化路3号院", "小区名称，最长200字"),
    LedgerColumn("地址", "address", "Address", Kind.TEXT, False, "金水区文化路3号", "详细地址"),
    LedgerColumn(
        "区",
        "district_code",
        "District",
        Kind.DISTRICT,
        False,
        "金水区",
        "区县名称或代码；留空为本区",
    ),
    LedgerColumn("街道办事处", "street_office", "Street office", Kind.TEXT, False, "文化路街道", ""),
    LedgerColumn(
        "社区居委会", "residents_committee", "Residents' committee", Kind.TEXT, False, "红专路社区", ""
    ),
    LedgerColumn("建成年份", "built_year", "Year built", Kind.INTEGER, True, 1995, "四位年份，如1995"),
    LedgerColumn("楼栋数", "buildings", "Buildings", Kind.INTEGER, True, 6, "整数"),
    LedgerColumn("户数", "households", "Households", Kind.INTEGER, True, 320, "整数"),
    LedgerColumn(
        "建筑面积（平方米）",
        "floor_area_m2",
        "Floor area (m²)",
        Kind.DECIMAL,
        True,
        "25000.50",
        "平方米，最多两位小数",
    ),
    LedgerColumn("产权性质", "property_right_type", "Property-right type", Kind.TEXT, False, "单位产权", ""),
    LedgerColumn(
        "物业管理现状",
        "property_management",
        "Current property management",
        Kind.TEXT,
        False,
        "无物业管理",
        "",
    ),
    LedgerColumn("备注", "notes", "Notes", Kind.TEXT, False, "", "最长2000字"),
    LedgerColumn(
        "不纳入改造情形",
        "exclusions",
        "Exclusions",
        Kind.EXCLUSIONS,
        False,
        "",
        "本计划规定的不纳入情形（名称或代码），多项用顿号分隔；无则留空",
    ),
    LedgerColumn(
        "项目库批次",
        "tier",
        "Library tier",
        Kind.TIER,
        False,
        "",
        "实施一批、谋划一批或储备一批（开封）；无则留空",
    ),
    LedgerColumn("示范小区", "demonstration", "Demonstration community", Kind.FLAG, False, "否", "是或否"),
    LedgerColumn(
        "中央补助名单",
        "centrally_funded",
        "On the centrally funded list",
        Kind.FLAG,
        False,
        "否",
        "是或否（开封117个中央补助小区）",
    ),
)
"""Every column, in the template's order."""

LEDGER_SHEET = "台账"
"""The sheet a workbook's ledger is read from (else its first sheet)."""
IGNORED_HEADINGS = frozenset({"序号", "no", "no.", "#"})
"""Headings districts add that carry nothing to import (the serial number)."""

CLASSIFICATION_FIELDS = frozenset({"tier", "demonstration", "centrally_funded"})
"""Fields set on the community after registration (the classification, not the body)."""

MAX_IMPORT_BYTES = 20 * 1024 * 1024
"""The largest upload (20 MiB: a 50,000-row CSV with long notes); the route's body limit."""
MAX_IMPORT_ROWS = 50_000
"""Data rows in one file: more than any district's ledger (Kaifeng surveys a whole city)."""
MAX_CELL_CHARS = 2_000
"""The longest cell read (the longest field, the notes, allows as much)."""
MAX_COLUMNS = 64
"""Columns read from a sheet; a wider header is refused."""

_BY_KEY: dict[str, LedgerColumn] = {}


def heading_key(text: str) -> str:
    """A heading as compared: NFKC (full-width brackets and spaces), no spaces, lower case.

    Args:
        text: a heading as written in a file.

    Returns:
        The comparable key, e.g. ``建筑面积(平方米)`` for ``建筑面积（平方米） ``.
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


for _column in COLUMNS:
    for _alias in (_column.heading, _column.field, _column.heading_en):
        _BY_KEY[heading_key(_alias)] = _column


def column_for(heading: str) -> LedgerColumn | None:
    """The column a heading names (Chinese heading, field name or English heading), if any.

    Args:
        heading: a heading as written in a file.

    Returns:
        The column, or None for a heading the ledger does not have.
    """
    return _BY_KEY.get(heading_key(heading))


class CellError(ValueError):
    """A cell that cannot be read as its column's kind; `rule` is the catalogue's rule code."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


_TRUE = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "有"})
_FALSE = frozenset({"否", "n", "no", "false", "0", "×", "无", ""})
_FLAGS = {"是": True, "否": False}
_LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _integer(value: object) -> int:
    if type(value) is float and value.is_integer():
        return int(value)
    if isinstance(value, bool):
        raise CellError("int_parsing", "must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError("int_parsing", f"{value} is not a whole number")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(text.split(".")[0])
    raise CellError("int_parsing", f"{text!r} is not a whole number")


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise CellError("decimal_parsing", "must be a number")
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError("decimal_parsing", f"{text!r} is not a number") from None
    if not number.is_finite():
        raise CellError("decimal_parsing", f"{text!r} is not a number")
    return number


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = heading_key(_text(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("ledger_flag", f"{_text(value)!r}: write 是 or 否")


def _named_code(text: str, named: dict[str, str], rule: str, what: str) -> str:
    code = named.get(heading_key(text))
    if code is None:
        raise CellError(rule, f"{text!r} is not {what} of this programme")
    return code


def convert(column: LedgerColumn, value: object, profile: ProgrammeProfile) -> object:
    """A cell as the body field expects it; None for a blank cell (the field's default applies).

    District, exclusion and tier cells may hold the code or the Chinese name of the profile.

    Args:
        column: the cell's column.
        value: what the spreadsheet reader gave (str, int, float, bool, date, or None).
        profile: the programme the file is imported into (its districts, exclusions, tiers).

    Returns:
        The value for the body field, or None when the cell is blank.

    Raises:
        CellError: a cell too long or not readable as its kind, with the rule code.
    """
    if type(value) is str:  # the common case first: a spreadsheet cell of text
        value = value.strip()
        if not value:
            return False if column.kind is Kind.FLAG else None
        if len(value) > MAX_CELL_CHARS:
            raise CellError("cell_too_long", f"longer than {MAX_CELL_CHARS} characters")
        if column.kind is Kind.TEXT:
            return value
        if column.kind is Kind.FLAG and value in _FLAGS:
            return _FLAGS[value]
    elif value is None:
        return False if column.kind is Kind.FLAG else None
    match column.kind:
        case Kind.TEXT:
            return _text(value)
        case Kind.INTEGER:
            return _integer(value)
        case Kind.DECIMAL:
            return _decimal(value)
        case Kind.FLAG:
            return _flag(value)
        case Kind.DISTRICT:
            text = _text(value)  # a district outside the programme stays as written: its own check
            return _names(profile, "districts").get(heading_key(text), text)
        case Kind.TIER:
            return _named_code(_text(value), _names(profile, "tiers"), "programme_tier", "a library tier")
        case Kind.EXCLUSIONS:
            names = _names(profile, "exclusions")
            listed = _LIST_SEPARATORS.split(_codes_for_listed_names(profile, _text(value)))
            parts = [p.strip() for p in listed if p.strip()]
            return [_named_code(p, names, "known_exclusion", "an exclusion") for p in parts]
    raise AssertionError(column.kind)  # pragma: no cover - every kind is matched above


def _codes_for_listed_names(profile: ProgrammeProfile, text: str) -> str:
    """`text` with each exclusion name that itself holds a list separator replaced by its code.

    Why: Kaifeng 四's 已纳入各级城镇棚户区改造计划、拟通过拆除新建…… is one exclusion whose name has a
    、 in it; split first, the name the template's 说明 sheet offers would be refused as two unknown
    ones.
    """
    for exclusion in profile.eligibility.exclusions:
        if exclusion.name_zh in text and _LIST_SEPARATORS.search(exclusion.name_zh):
            text = text.replace(exclusion.name_zh, exclusion.code)
    return text


_NAMES: dict[tuple[str, str], dict[str, str]] = {}


def _names(profile: ProgrammeProfile, what: str) -> dict[str, str]:
    """Code and Chinese name (compared as heading keys) -> code, per programme, built once."""
    key = (profile.code, what)
    if key not in _NAMES:
        named: list[Named]
        if what == "districts":
            named = list(profile.jurisdiction.districts)
        elif what == "tiers":
            tiers = profile.lifecycle.project_tiers
            named = list(tiers.tiers) if tiers else []
        else:
            named = list(profile.eligibility.exclusions)
        _NAMES[key] = {heading_key(n.code): n.code for n in named} | {
            heading_key(n.name_zh): n.code for n in named
        }
    return _NAMES[key]


def help_rows(profile: ProgrammeProfile | None = None) -> list[list[str]]:
    """The template's instructions sheet: one row per column (heading, field, required, format,
    example); with a programme, the values its district, exclusion and tier columns accept.

    Args:
        profile: the programme the template is for, or None.

    Returns:
        The rows, headings first.
    """
    rows = [["列名", "字段", "必填", "填写说明", "示例", "可填写的值"]]
    for column in COLUMNS:
        allowed = ""
        if profile is not None and column.kind in (Kind.DISTRICT, Kind.EXCLUSIONS, Kind.TIER):
            allowed = "、".join(_allowed(profile, column.kind))
        rows.append(
            [
                column.heading,
                column.field,
                "是" if column.required else "否",
                column.help_zh,
                str(column.example),
                allowed,
            ]
        )
    return rows


def _allowed(profile: ProgrammeProfile, kind: Kind) -> list[str]:
    if kind is Kind.DISTRICT:
        return [d.name_zh for d in profile.jurisdiction.districts]
    if kind is Kind.TIER:
        tiers = profile.lifecycle.project_tiers
        return [t.name_zh for t in tiers.tiers] if tiers else []
    return [e.name_zh for e in profile.eligibility.exclusions]


def template_csv() -> bytes:
    """The CSV template: the headings only, UTF-8 with a BOM (so Excel opens it as UTF-8).

    Returns:
        The file.
    """
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([c.heading for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(profile: ProgrammeProfile | None = None) -> bytes:
    """The XLSX template: sheet 台账 with the headings (no sample row: it would be imported),
    sheet 说明 with each column's format, an example and the programme's allowed values.

    Args:
        profile: the programme the template is for, or None.

    Returns:
        The workbook (openpyxl, write-only).
    """
    workbook = Workbook(write_only=True)
    ledger = workbook.create_sheet(LEDGER_SHEET)
    ledger.append([c.heading for c in COLUMNS])
    guide = workbook.create_sheet("说明")
    for row in help_rows(profile):
        guide.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
