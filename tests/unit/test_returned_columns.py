"""A read selects the columns its response returns, and presents a row as it presents an object."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from pydantic import BaseModel
from sqlalchemy import create_engine, insert, select

from services.registry.handlers.projects import PUBLIC_COLUMNS, present
from services.registry.models.projects import Project, ProjectPublic
from shared.db.returned_columns import fields_of, returned_columns

TABLE = Project.__table__  # type: ignore[attr-defined]


def test_only_the_columns_the_response_returns_are_selected_in_the_tables_order() -> None:
    names = [column.name for column in returned_columns(TABLE, ProjectPublic)]

    assert names == [c.name for c in TABLE.columns if c.name in ProjectPublic.model_fields]
    assert set(names) == set(ProjectPublic.model_fields) - {"allowed_actions"}
    assert "plan_items" not in names and "households_consulted" not in names


def test_a_response_sharing_no_column_with_the_table_is_refused() -> None:
    class Unrelated(BaseModel):
        colour: str

    with pytest.raises(ValueError, match="Unrelated returns no column of project"):
        returned_columns(TABLE, Unrelated)


def _project() -> Project:
    moment = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    return Project(
        id=uuid.uuid4(),
        name="Jinshui No. 3 compound",
        investment_fen=123_456_00,
        community_id=uuid.uuid4(),
        district_code="zz-jinshui",
        street_office="Fengchan Road",
        programme_code="zhengzhou-2019",
        step="CONSTRUCTION",
        status="construction_started",
        registered_on=date(2026, 3, 1),
        plan_version=2,
        plan_items=[{"item": "roof", "fen": 100}],
        audited_on=None,
        created_at=moment,
        updated_at=moment,
    )


def test_fields_of_reads_the_named_columns_of_an_object() -> None:
    project = _project()

    fields = fields_of(project, PUBLIC_COLUMNS)

    assert fields["id"] == project.id and fields["investment_fen"] == 123_456_00
    assert set(fields) == {column.name for column in PUBLIC_COLUMNS}


def test_a_row_of_the_public_columns_is_presented_as_the_loaded_object_is() -> None:
    project = _project()
    engine = create_engine("sqlite://")
    TABLE.create(engine)
    with engine.begin() as conn:
        conn.execute(insert(TABLE).values(**project.model_dump()))
        row = conn.execute(select(*PUBLIC_COLUMNS)).mappings().one()

    from_row, from_object = present(row), present(project)

    assert from_row == from_object
    assert from_row.allowed_actions, "the programme offers something at this status"
    assert present(row, open_work=True).allowed_actions != from_row.allowed_actions
