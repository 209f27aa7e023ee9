"""Properties every bundled profile must have: every rule cites a clause, no float anywhere,
cross-references resolve, and the half-up rounding of the money rules."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from shared.policy import (
    Cited,
    ProgrammeProfile,
    award_fen,
    bundled_profiles,
    get_profile,
    property_subsidy_fen,
)
from shared.policy.models.base import CLAUSE_PATTERN

PROFILES = bundled_profiles()


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}[{key}]")


@pytest.mark.parametrize("code", sorted(PROFILES))
def test_every_rule_cites_a_clause(code: str) -> None:
    cited = [(p, v) for p, v in _walk(PROFILES[code]) if isinstance(v, Cited)]
    assert len(cited) > 10
    for path, rule in cited:
        assert CLAUSE_PATTERN.match(rule.clause), f"{code}{path}: {rule.clause!r}"


@pytest.mark.parametrize("code", sorted(PROFILES))
def test_no_float_anywhere(code: str) -> None:
    floats = [p for p, v in _walk(PROFILES[code]) if isinstance(v, float)]
    assert floats == []


@pytest.mark.parametrize("code", sorted(PROFILES))
def test_catalogue_departments_are_declared(code: str) -> None:
    profile = PROFILES[code]
    for item in profile.catalogue.items:
        assert set(item.responsible_departments) <= profile.department_codes
        assert set(item.responsible_utilities) <= profile.utility_codes


@pytest.mark.parametrize("code", sorted(PROFILES))
def test_profiles_round_trip_through_json(code: str) -> None:
    profile = PROFILES[code]
    assert ProgrammeProfile.model_validate_json(profile.model_dump_json()) == profile


def test_district_codes_agree_across_profiles() -> None:
    """A district code means the same district in every plan (the directory relies on it)."""
    names: dict[str, str] = {}
    for profile in PROFILES.values():
        for district in profile.jurisdiction.districts:
            assert names.setdefault(district.code, district.name_zh) == district.name_zh


def _with_award_ratio(ratio: str) -> ProgrammeProfile:
    zz = get_profile("zhengzhou-2019")
    assert zz.funding is not None and zz.funding.award is not None
    award = zz.funding.award.model_copy(update={"ratio": Decimal(ratio)})
    return zz.model_copy(update={"funding": zz.funding.model_copy(update={"award": award})})


def test_award_rounds_half_up_to_whole_fen() -> None:
    """Half a fen rounds up (not to even): 0.5 × 1 = 1, 0.5 × 5 = 3."""
    half = _with_award_ratio("0.5")
    assert award_fen(half, 1) == 1
    assert award_fen(half, 5) == 3
    assert award_fen(half, 0) == 0


def test_award_is_exact_for_large_amounts() -> None:
    """Decimal maths: no float drift on a 12,345,678,901.23 yuan investment."""
    ratio = _with_award_ratio("0.33")
    assert award_fen(ratio, 1_234_567_890_123) == 407_407_403_741  # 407407403740.59 → …741


def test_property_subsidy_is_exact() -> None:
    zz = get_profile("zhengzhou-2019")
    assert property_subsidy_fen(zz, Decimal("1234.56"), 36) == 1_333_325  # 1333324.8 → …325
