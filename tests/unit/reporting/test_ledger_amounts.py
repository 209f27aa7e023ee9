"""What one community event adds to the ledger figures, computed from the event alone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.reporting.domain.projections import area_dm2, figure_delta, ledger_amounts


def test_an_eligible_community_entering_the_ledger_adds_its_households_and_area() -> None:
    amounts = ledger_amounts(
        entered=True, eligible_change=1, households=120, floor_area_m2=Decimal("8000.555")
    )
    assert amounts == {
        "ledger_communities": 1,
        "eligible_communities": 1,
        "eligible_households": 120,
        "eligible_floor_area_dm2": 800056,
    }


def test_an_ineligible_community_only_enters_the_ledger() -> None:
    assert ledger_amounts(entered=True, eligible_change=0, households=9, floor_area_m2=Decimal(1)) == {
        "ledger_communities": 1
    }


def test_a_community_found_ineligible_on_reassessment_takes_its_figures_back() -> None:
    amounts = ledger_amounts(entered=False, eligible_change=-1, households=80, floor_area_m2=Decimal("50.5"))
    assert amounts == {
        "eligible_communities": -1,
        "eligible_households": -80,
        "eligible_floor_area_dm2": -5050,
    }
    assert figure_delta("p", "d", date(2026, 11, 1), amounts).amounts == amounts


def test_an_unchanged_reassessment_adds_nothing() -> None:
    assert ledger_amounts(entered=False, eligible_change=0, households=80, floor_area_m2=Decimal(5)) == {}


@pytest.mark.parametrize(("m2", "dm2"), [("0", 0), ("0.004", 0), ("0.005", 1), ("12345.67", 1234567)])
def test_areas_are_whole_dm2_rounded_half_up(m2: str, dm2: int) -> None:
    assert area_dm2(Decimal(m2)) == dm2
