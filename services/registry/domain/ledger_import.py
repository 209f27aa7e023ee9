"""Reading a ledger spreadsheet and validating its rows, with no database: pure and fast.

A file is read into a sheet of cells (`read_sheet`: XLSX with python-calamine, CSV UTF-8 with or
without BOM), its headings matched to `ledger_columns.COLUMNS` (`map_headings`), and each row
validated with the rules of POST /communities (`validate_rows`: the same body model, the
caller's own district, the programme's tiers and exclusions), so an imported row and a posted
one are accepted or refused alike. A problem names the row, the column (heading and field) and
the rule. Whether a valid row is new, unchanged or in conflict with the ledger is the handler's
question (it needs the database).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, ValidationError, create_model
from python_calamine import CalamineError, CalamineWorkbook

from services.registry.domain.ledger_columns import (
    CLASSIFICATION_FIELDS,
    COLUMNS,
    IGNORED_HEADINGS,
    LEDGER_SHEET,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_IMPORT_ROWS,
    CellError,
    Kind,
    LedgerColumn,
    column_for,
    convert,
    heading_key,
)
from services.registry.domain.programmes import check_tier
from services.registry.models.communities import CommunityCreate
from shared.access import Principal, writes_district
from shared.errors import RuleViolation
from shared.policy import ProgrammeProfile
from shared.types import BODY


class SpreadsheetFormat(StrEnum):
    """The formats a ledger is imported from."""

    XLSX = "xlsx"
    CSV = "csv"


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv"
_MEDIA_TYPES = {
    XLSX_MEDIA_TYPE: SpreadsheetFormat.XLSX,
    CSV_MEDIA_TYPE: SpreadsheetFormat.CSV,
    "application/csv": SpreadsheetFormat.CSV,
    "text/plain": SpreadsheetFormat.CSV,
}
_UNSPECIFIC = {"", "application/octet-stream", "binary/octet-stream"}
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
"""An XLSX whose parts inflate to more than this is refused unread (a zip bomb)."""
_BOM = "\ufeff"


class FileProblem(Exception):
    """The file as a whole cannot be imported; `status` is 415 (not a spreadsheet) or 422."""

    def __init__(self, status: int, rule: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.rule = rule


@dataclass(frozen=True)
class RawSheet:
    """Cells as read: the heading row's number and headings, then (row number, cells) per row."""

    heading_row: int
    headings: list[str]
    rows: list[tuple[int, list[object]]]


@dataclass(frozen=True)
class Problem:
    """One problem of one row: the column as the file names it, the field, the rule, the message."""

    row: int
    column: str | None
    field: str | None
    rule: str
    message: str

    def as_json(self) -> dict[str, Any]:
        """The report entry as stored on the import job."""
        return {
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "rule": self.rule,
            "message": self.message,
        }


@dataclass(frozen=True)
class ValidRow:
    """A row that passed: the registration body's fields (validated as `CommunityCreate`'s) and
    the classification to set with it."""

    row: int
    fields: dict[str, Any]
    classification: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The natural key: programme, district, community name, address (blank if none)."""
        f = self.fields
        return natural_key(f["programme_code"], f["district_code"], f["name"], f["address"])

    @property
    def body(self) -> CommunityCreate:
        """The row as the registration body (built on demand: the import works on `fields`)."""
        return CommunityCreate.model_construct(**self.fields)

    def facts(self) -> dict[str, Any]:
        """What the ledger would hold for this row, to compare with a community already there."""
        return {**self.fields, **self.classification}


_RowBody = create_model(  # type: ignore[call-overload]
    "LedgerRowBody",
    __config__=ConfigDict(**BODY),  # type: ignore[typeddict-item]
    **{name: (info.annotation, info) for name, info in CommunityCreate.model_fields.items()},
)
"""`CommunityCreate`'s fields and constraints as a plain pydantic model: the same rules (bounds,
clean text, codes) without SQLModel's per-instance validation path, several times faster per row."""


@dataclass
class Validation:
    """The outcome of validating every row."""

    rows_read: int = 0
    valid: list[ValidRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    invalid_rows: set[int] = field(default_factory=set)


def natural_key(
    programme_code: str, district_code: str, name: str, address: str | None
) -> tuple[str, str, str, str]:
    """The ledger's natural key (programme, district, name, address): one community per key.

    Args:
        programme_code: the programme.
        district_code: the district.
        name: the community's name (clean text).
        address: its address, or None (compared as blank).

    Returns:
        The key tuple.
    """
    return (programme_code, district_code, name, address or "")


def sniff(content: bytes, media_type: str | None) -> SpreadsheetFormat:
    """The format of an upload, from its declared media type and its first bytes.

    Args:
        content: the file.
        media_type: the declared Content-Type (parameters ignored), or None.

    Returns:
        XLSX or CSV.

    Raises:
        FileProblem: 415 for a media type that is not a spreadsheet; 422 for content that is not
            what was declared (a renamed PDF, an old binary .xls) or an empty file.
    """
    declared = (media_type or "").split(";")[0].strip().lower()
    if declared not in _MEDIA_TYPES and declared not in _UNSPECIFIC:
        raise FileProblem(
            415, "spreadsheet_type", f"{declared!r} is not a ledger format: upload XLSX or CSV (UTF-8)"
        )
    if not content.strip():
        raise FileProblem(422, "spreadsheet_empty", "the file is empty")
    is_zip = content.startswith(b"PK\x03\x04")
    expected = _MEDIA_TYPES.get(declared)
    if is_zip and expected in (None, SpreadsheetFormat.XLSX):
        return SpreadsheetFormat.XLSX
    if expected is SpreadsheetFormat.XLSX or is_zip or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            422, "spreadsheet_unreadable", "not an XLSX workbook (save it as .xlsx, or as CSV UTF-8)"
        )
    return SpreadsheetFormat.CSV


def read_sheet(content: bytes, file_format: SpreadsheetFormat) -> RawSheet:
    """Every non-blank row of the ledger sheet (the sheet named 台账, else the first).

    Args:
        content: the file.
        file_format: from `sniff`.

    Returns:
        The heading row and the data rows with their spreadsheet row numbers.

    Raises:
        FileProblem: 422 when the file cannot be read, has no heading row, or has more than
            `MAX_IMPORT_ROWS` data rows or `MAX_COLUMNS` columns.
    """
    rows = _xlsx_rows(content) if file_format is SpreadsheetFormat.XLSX else _csv_rows(content)
    numbered = ((n, cells) for n, cells in rows if any(_present(c) for c in cells))
    first = next(numbered, None)
    if first is None:
        raise FileProblem(422, "spreadsheet_empty", "the sheet has no heading row")
    heading_row, headings = first
    if len(headings) > MAX_COLUMNS:
        raise FileProblem(422, "spreadsheet_too_wide", f"more than {MAX_COLUMNS} columns")
    data: list[tuple[int, list[object]]] = []
    for number, cells in numbered:
        if len(data) == MAX_IMPORT_ROWS:
            raise FileProblem(
                422, "spreadsheet_too_long", f"more than {MAX_IMPORT_ROWS} rows: split the ledger into files"
            )
        data.append((number, cells[: len(headings)]))
    return RawSheet(heading_row, [_heading(h) for h in headings], data)


def _present(cell: object) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _heading(cell: object) -> str:
    return "" if cell is None else str(cell).strip()[:MAX_CELL_CHARS]


def _xlsx_rows(content: bytes) -> Iterable[tuple[int, list[object]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
            if "xl/workbook.xml" not in archive.namelist():
                raise FileProblem(422, "spreadsheet_unreadable", "not an XLSX workbook")
    except zipfile.BadZipFile:
        raise FileProblem(422, "spreadsheet_unreadable", "not an XLSX workbook (a damaged file?)") from None
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise FileProblem(422, "spreadsheet_too_long", "the workbook inflates beyond the import limit")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        names = workbook.sheet_names
        sheet = workbook.get_sheet_by_name(LEDGER_SHEET if LEDGER_SHEET in names else names[0])
        if sheet.height > MAX_IMPORT_ROWS + 10_000 or sheet.width > MAX_COLUMNS * 4:
            raise FileProblem(
                422, "spreadsheet_too_long", f"more than {MAX_IMPORT_ROWS} rows: split the ledger into files"
            )
        values = sheet.to_python()  # from the first used cell: `start` numbers the rows
        first_row = sheet.start[0] if sheet.start else 0
    except (CalamineError, IndexError, ValueError) as exc:
        raise FileProblem(422, "spreadsheet_unreadable", f"the workbook cannot be read: {exc}") from None
    return ((first_row + i + 1, list(cells)) for i, cells in enumerate(values))


def _csv_rows(content: bytes) -> Iterable[tuple[int, list[object]]]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise FileProblem(
            422, "spreadsheet_encoding", "a CSV must be UTF-8 (in Excel: Save As, CSV UTF-8)"
        ) from None
    if "\x00" in text:
        raise FileProblem(422, "spreadsheet_unreadable", "not a CSV file (binary content)")
    reader = csv.reader(io.StringIO(text.removeprefix(_BOM), newline=""))
    try:
        return [(number, list(cells)) for number, cells in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise FileProblem(422, "spreadsheet_unreadable", f"the CSV cannot be read: {exc}") from None


def map_headings(sheet: RawSheet) -> list[LedgerColumn | None]:
    """The column of each position in the sheet (None: an ignored or blank column).

    Args:
        sheet: from `read_sheet`.

    Returns:
        One entry per heading.

    Raises:
        FileProblem: 422 naming unknown or repeated headings, or the required columns missing.
    """
    columns: list[LedgerColumn | None] = []
    unknown: list[str] = []
    seen: set[str] = set()
    repeated: list[str] = []
    for heading in sheet.headings:
        column = column_for(heading) if heading else None
        if column is None and heading and heading_key(heading) not in IGNORED_HEADINGS:
            unknown.append(heading)
        if column is not None:
            if column.field in seen:
                repeated.append(heading)
            seen.add(column.field)
        columns.append(column)
    if unknown:
        raise FileProblem(
            422,
            "ledger_column",
            f"unknown columns: {'、'.join(unknown)} (download the template for the headings)",
        )
    if repeated:
        raise FileProblem(422, "ledger_column", f"repeated columns: {'、'.join(repeated)}")
    missing = [c.heading for c in COLUMNS if c.required and c.field not in seen]
    if missing:
        raise FileProblem(422, "ledger_column", f"missing columns: {'、'.join(missing)}")
    return columns


_HEADING_OF = {c.field: c.heading for c in COLUMNS}


def _problem(row: int, field_name: str | None, rule: str, message: str) -> Problem:
    return Problem(row, _HEADING_OF.get(field_name or ""), field_name, rule, message)


_MEMO_KINDS = frozenset({Kind.DISTRICT, Kind.TIER, Kind.EXCLUSIONS, Kind.FLAG})


class _CellReader:
    """`convert` for one column of one file, with its common cases made cheap: a text cell is
    stripped in place, and a categorical column's few distinct cells (district, tier, flags,
    exclusions) are converted once each. Why: 20,000 rows are 320,000 cells."""

    def __init__(self, column: LedgerColumn, profile: ProgrammeProfile) -> None:
        self.column = column
        self.profile = profile
        self.text = column.kind is Kind.TEXT
        self.memo: dict[tuple[type, object], object] | None = {} if column.kind in _MEMO_KINDS else None

    def __call__(self, raw: object) -> object:
        if self.text and type(raw) is str:
            value = raw.strip()
            if value and len(value) <= MAX_CELL_CHARS:
                return value
        if self.memo is None or type(raw) not in (str, bool):
            return convert(self.column, raw, self.profile)
        key = (type(raw), raw)
        if key not in self.memo:
            self.memo[key] = convert(self.column, raw, self.profile)  # a CellError is not kept
        cached = self.memo[key]
        return list(cached) if isinstance(cached, list) else cached


def validate_rows(
    sheet: RawSheet,
    columns: list[LedgerColumn | None],
    profile: ProgrammeProfile,
    district_code: str,
    actor: Principal,
) -> Validation:
    """Validate every row as POST /communities would, for `actor` in `district_code`.

    A blank 区 cell means the import's district; a row of another district is refused (a district
    keeps its own ledger). A row repeating an earlier row's natural key is refused too.

    Args:
        sheet: the rows.
        columns: from `map_headings`.
        profile: the programme imported into.
        district_code: the import's district (the caller's own).
        actor: the caller.

    Returns:
        The valid rows (bodies ready for registration) and every problem of the others.
    """
    result = Validation(rows_read=len(sheet.rows))
    first_of: dict[tuple[str, str, str, str], int] = {}
    placed = [(i, c, _CellReader(c, profile)) for i, c in enumerate(columns) if c is not None]
    for number, cells in sheet.rows:
        problems = _validate_row(number, cells, placed, profile, district_code, actor, result, first_of)
        if problems:
            result.problems.extend(problems)
            result.invalid_rows.add(number)
    return result


def _validate_row(
    number: int,
    cells: list[object],
    placed: list[tuple[int, LedgerColumn, _CellReader]],
    profile: ProgrammeProfile,
    district_code: str,
    actor: Principal,
    result: Validation,
    first_of: dict[tuple[str, str, str, str], int],
) -> list[Problem]:
    problems: list[Problem] = []
    body: dict[str, Any] = {"programme_code": profile.code, "district_code": district_code}
    classification: dict[str, Any] = {"tier": None, "demonstration": False, "centrally_funded": False}
    unreadable: set[str] = set()
    for index, column, read in placed:
        raw = cells[index] if index < len(cells) else None
        try:
            value = read(raw)
        except CellError as exc:
            problems.append(_problem(number, column.field, exc.rule, str(exc)))
            unreadable.add(column.field)
            continue
        if column.field in CLASSIFICATION_FIELDS:
            classification[column.field] = value
        elif value is not None:
            body[column.field] = value
    try:
        fields = _RowBody.model_validate(body).__dict__
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            name = str(error["loc"][0]) if error["loc"] else None
            if name not in unreadable:
                problems.append(_problem(number, name, error["type"], error["msg"]))
        return problems
    if problems:
        return problems
    if not writes_district(actor, fields["district_code"]):
        return [_problem(number, "district_code", "own_district", "a district imports its own ledger only")]
    try:
        check_tier(profile.code, classification["tier"])
    except RuleViolation as exc:
        return [_problem(number, p.field, p.rule, p.message) for p in exc.errors]
    row = ValidRow(number, fields, classification)
    earlier = first_of.setdefault(row.key, number)
    if earlier != number:
        return [_problem(number, "name", "ledger_duplicate_row", f"the same community as row {earlier}")]
    result.valid.append(row)
    return []


def same_facts(row: ValidRow, stored: dict[str, Any]) -> list[str]:
    """The fields where a valid row differs from the community the ledger holds under its key.

    Args:
        row: the row.
        stored: the community's fields (as `ValidRow.facts` names them).

    Returns:
        The differing field names (empty: the row is unchanged).
    """
    differing = []
    for name, value in row.facts().items():
        held = stored.get(name)
        if isinstance(value, Decimal) and held is not None:
            if Decimal(str(held)) != value:
                differing.append(name)
        elif name == "exclusions":
            if sorted(value) != sorted(held or []):
                differing.append(name)
        elif value != held:
            differing.append(name)
    return differing


def over_central_fund_list(profile: ProgrammeProfile, listed: int, rows: Sequence[ValidRow]) -> list[Problem]:
    """The problems of new rows that would put the programme's central-fund list past its size.

    Kaifeng 三 lists 117 centrally funded communities (`funding.central_subsidy.funded_communities`);
    a programme without such a list flags none (the same rules as classifying one community). In
    file order, the first rows that fit are kept; each later flagged row is a problem.

    Args:
        profile: the programme imported into.
        listed: communities of the programme (every district) already on the list.
        rows: the new rows about to be entered (rows already in the ledger are not counted again).

    Returns:
        One problem per flagged row beyond the room left (rule `central_fund_list` when the
        programme has no list, `central_fund_list_full` otherwise).
    """
    flagged = [r for r in rows if r.classification.get("centrally_funded")]
    if not flagged:
        return []
    central = profile.funding.central_subsidy if profile.funding else None
    if central is None:
        message = f"{profile.code} has no central-fund list: leave 中央补助名单 blank or 否"
        return [_problem(r.row, "centrally_funded", "central_fund_list", message) for r in flagged]
    size = central.funded_communities
    room = max(0, size - listed)
    message = (
        f"the central-fund list of {profile.code} holds {size} communities ({profile.document_number} "
        f"{central.clause}); {listed} are listed and this file flags {len(flagged)}: room for {room}"
    )
    return [_problem(r.row, "centrally_funded", "central_fund_list_full", message) for r in flagged[room:]]
