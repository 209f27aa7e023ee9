"""Every registry body and query is bounded: strict fen under the ceiling, realistic counts,
plausible dates, clean names, no unknown fields. Each case failed on the unbounded models."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from services.registry.models.acceptance import AcceptanceForm
from services.registry.models.audit import FinalAccountsAudit
from services.registry.models.bounds import text_filter
from services.registry.models.communities import CommunityCreate
from services.registry.models.consultation import ResidentsConsultation
from services.registry.models.planning import PlanSubmission
from services.registry.models.projects import ProjectCreate
from services.registry.models.takeover import PropertyTakeover
from shared.types import MONEY_CEILING_FEN
from tests.support.factories import community_body, step_bodies

PROJECT = {
    "name": "文化路3号院综合整治",
    "community_id": "8a7c3a43-4c1f-4b0e-9a5e-2f4b7c1d0e11",
    "investment_fen": 100,
}
STEPS = step_bodies("zhengzhou-2019", "2026-11-20", 1_000_000_00)


def _rules(model: type[BaseModel], body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return {".".join(str(p) for p in e["loc"]): e["type"] for e in caught.value.errors()}


def test_the_factory_bodies_are_valid() -> None:
    CommunityCreate.model_validate(community_body())
    ProjectCreate.model_validate(PROJECT)
    AcceptanceForm.model_validate(STEPS["acceptance"])


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (2**63, "less_than_equal"),
        (MONEY_CEILING_FEN + 1, "less_than_equal"),
        (-1, "greater_than_equal"),
        ("100", "int_type"),
        (100.0, "int_type"),
        (1e3, "int_type"),
        (True, "int_type"),
    ],
)
def test_money_is_strict_whole_fen_under_the_ceiling(value: object, rule: str) -> None:
    assert _rules(ProjectCreate, {**PROJECT, "investment_fen": value}) == {"investment_fen": rule}
    accept = {**STEPS["acceptance"], "accepted_investment_fen": value}
    assert _rules(AcceptanceForm, accept) == {"accepted_investment_fen": rule}
    audit = {**STEPS["final-accounts-audit"], "audited_investment_fen": value}
    assert _rules(FinalAccountsAudit, audit) == {"audited_investment_fen": rule}


def test_the_ceiling_itself_is_allowed() -> None:
    assert ProjectCreate.model_validate({**PROJECT, "investment_fen": MONEY_CEILING_FEN}).investment_fen


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("households", 2**70, "less_than_equal"),
        ("households", 50_001, "less_than_equal"),
        ("households", 0, "greater_than_equal"),
        ("households", "320", "int_type"),
        ("buildings", 10**9, "less_than_equal"),
        ("floor_area_m2", "1e308", "decimal_max_digits"),
        ("floor_area_m2", "10000000.01", "less_than_equal"),
        ("floor_area_m2", "NaN", "finite_number"),
        ("built_year", 10**20, "less_than_equal"),
    ],
)
def test_counts_and_areas_have_realistic_maxima(field: str, value: object, rule: str) -> None:
    assert _rules(CommunityCreate, community_body(**{field: value})) == {field: rule}


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("9999-12-31", "less_than_equal"),
        ("0001-01-01", "greater_than_equal"),
        ("2026-02-30", "date_from_datetime_parsing"),
    ],
)
def test_step_dates_sit_in_a_plausible_window(value: str, rule: str) -> None:
    assert _rules(AcceptanceForm, {**STEPS["acceptance"], "accepted_on": value}) == {"accepted_on": rule}


@pytest.mark.parametrize("name", ["", "   ", "文化\x00路", "文化\u202e路", "\u200b", "a" * 201])
def test_names_are_refused_blank_or_with_control_or_bidi_characters(name: str) -> None:
    assert set(_rules(CommunityCreate, community_body(name=name))) == {"name"}
    assert set(_rules(ProjectCreate, {**PROJECT, "name": name})) == {"name"}
    takeover = {**STEPS["property-takeover"], "manager": name}
    assert set(_rules(PropertyTakeover, takeover)) == {"manager"}


def test_names_are_trimmed_and_normalised() -> None:
    community = CommunityCreate.model_validate(
        community_body(name="  文化路3号院 ", street_office="Cafe\u0301")
    )
    assert community.name == "文化路3号院" and community.street_office == "Caf\u00e9"


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (CommunityCreate, community_body(programme="zhengzhou-2019")),
        (ProjectCreate, {**PROJECT, "investmnet_fen": 1}),
        (AcceptanceForm, {**STEPS["acceptance"], "audited_investment_fen": 1}),
        (ResidentsConsultation, {**STEPS["residents-consultation"], "share": "0.9"}),
        (PlanSubmission, {**STEPS["plan-submission"], "version": 2}),
    ],
)
def test_unknown_fields_are_refused_by_name(model: type[BaseModel], body: dict[str, Any]) -> None:
    assert "extra_forbidden" in _rules(model, body).values()


def test_a_plan_item_with_an_unknown_field_is_refused_by_its_path() -> None:
    body = {
        "submitted_on": "2026-11-20",
        "items": [{"item_code": "roads-kerbs", "investment_fen": 1, "qty": 2}],
    }
    assert _rules(PlanSubmission, body) == {"items.0.qty": "extra_forbidden"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, (True, None)),
        (" 文化路街道 ", (True, "文化路街道")),
        ("a\x00b", (False, None)),
        ("  ", (False, None)),
    ],
)
def test_a_text_filter_that_no_stored_name_can_equal_matches_nothing_without_a_query(value, expected) -> None:  # type: ignore[no-untyped-def]
    assert text_filter(value) == expected
