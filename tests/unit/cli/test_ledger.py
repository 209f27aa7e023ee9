"""`renovation ledger import` and `renovation ledger template` against a real registry app
in-process (its own SQLite database, migrated; requests through `httpx.ASGITransport`): the file
is uploaded, the job followed to its end, the report printed, the exit code says refusals."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from cli import app, ledger
from services.registry.domain.ledger_columns import COLUMNS
from services.registry.main import create_registry_app
from services.registry.settings import RegistrySettings
from shared.clock import SystemClock
from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations

MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "registry" / "migrations"
runner = CliRunner()


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.delenv("RENOVATION_TOKEN", raising=False)
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    run_migrations(MIGRATIONS, url)
    settings = RegistrySettings(environment="test", rate_limits_enabled=False)
    registry_app = create_registry_app(settings)
    engine = create_engine(url, poolclass=NullPool)  # each CLI call runs its own event loop
    registry_app.state.runtime = SimpleNamespace(
        settings=settings,
        engine=engine,
        unit_of_work=UnitOfWork(create_sessions(engine)),
        clock=SystemClock(),
        tasks=[],
    )
    monkeypatch.setattr(ledger, "TRANSPORT", httpx.ASGITransport(app=registry_app))
    monkeypatch.setattr(ledger, "POLL_S", 0.05)
    return registry_app


def ledger_file(path: Path, rows: list[dict[str, Any]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    headings = [c.heading for c in COLUMNS]
    sheet.append(headings)
    for r in rows:
        sheet.append([r.get(h) for h in headings])
    workbook.save(path)
    return path


def community(name: str, **cells: Any) -> dict[str, Any]:
    return {
        "名称": name,
        "地址": f"鼓楼区{name}路1号",
        "区": "鼓楼区",
        "街道办事处": "相国寺街道",
        "建成年份": 1995,
        "楼栋数": 6,
        "户数": 320,
        "建筑面积（平方米）": 25000.5,
        **cells,
    }


IMPORT = ["ledger", "import", "--programme", "kaifeng-2019", "--district", "kf-gulou"]


def test_a_clean_ledger_is_imported_with_exit_code_zero(registry: Any, tmp_path: Path) -> None:
    file = ledger_file(tmp_path / "gulou.xlsx", [community("甲院"), community("乙院")])

    result = runner.invoke(app, [*IMPORT, str(file)], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert "done" in result.stdout and "imported 2" in result.stdout
    again = runner.invoke(app, [*IMPORT, str(file)], env={"COLUMNS": "200"})
    assert again.exit_code == 0 and "unchanged 2" in again.stdout


def test_refused_rows_are_reported_by_row_and_column_with_exit_code_one(
    registry: Any, tmp_path: Path
) -> None:
    rows = [community("甲院"), community("乙院", 户数=0), community("丙院", 建成年份="九五年")]
    file = ledger_file(tmp_path / "gulou.xlsx", rows)

    result = runner.invoke(app, [*IMPORT, str(file), "--lang", "en"], env={"COLUMNS": "200"})

    assert result.exit_code == 1
    assert "failed" in result.stdout and "invalid 2" in result.stdout
    lines = result.stdout.splitlines()
    assert any("3" in line and "户数" in line for line in lines)
    assert any("4" in line and "建成年份" in line for line in lines)


def test_valid_rows_mode_imports_the_good_rows_and_still_exits_one(registry: Any, tmp_path: Path) -> None:
    file = ledger_file(tmp_path / "gulou.xlsx", [community("甲院"), community("乙院", 户数=0)])

    result = runner.invoke(app, [*IMPORT, str(file), "--mode", "valid_rows"], env={"COLUMNS": "200"})

    assert result.exit_code == 1
    assert "done" in result.stdout and "imported 1" in result.stdout and "invalid 1" in result.stdout


def test_another_districts_ledger_is_refused_by_the_registry(registry: Any, tmp_path: Path) -> None:
    file = ledger_file(tmp_path / "gulou.xlsx", [community("甲院")])

    result = runner.invoke(app, [*IMPORT, str(file), "--org", "kf-longting"])

    assert result.exit_code == 1
    assert "403" in result.stderr


def test_a_file_that_is_not_a_spreadsheet_is_refused_before_upload(registry: Any, tmp_path: Path) -> None:
    file = tmp_path / "ledger.pdf"
    file.write_bytes(b"%PDF-1.4")
    result = runner.invoke(app, [*IMPORT, str(file)])
    assert result.exit_code == 2


def test_an_unknown_organisation_gets_no_token(registry: Any, tmp_path: Path) -> None:
    file = ledger_file(tmp_path / "gulou.xlsx", [community("甲院")])
    result = runner.invoke(app, [*IMPORT, str(file), "--org", "kf-gulo"])
    assert result.exit_code == 2 and "kf-gulou" in result.stderr


def test_the_template_is_downloaded_with_the_ledger_headings(registry: Any, tmp_path: Path) -> None:
    out = tmp_path / "template.xlsx"

    result = runner.invoke(app, ["ledger", "template", str(out), "--programme", "kaifeng-2019"])

    assert result.exit_code == 0, result.output
    workbook = load_workbook(io.BytesIO(out.read_bytes()))
    assert [c.value for c in workbook["台账"][1]] == [c.heading for c in COLUMNS]
    csv_out = tmp_path / "template.csv"
    assert runner.invoke(app, ["ledger", "template", str(csv_out)]).exit_code == 0
    assert csv_out.read_bytes().decode("utf-8-sig").startswith("名称,地址")


def test_an_unreachable_registry_is_exit_code_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.delenv("JWT_SECRET", raising=False)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    monkeypatch.setattr(ledger, "TRANSPORT", httpx.MockTransport(refuse))
    file = ledger_file(tmp_path / "gulou.xlsx", [community("甲院")])
    result = runner.invoke(app, [*IMPORT, str(file)])
    assert result.exit_code == 1 and "unreachable" in result.stderr
