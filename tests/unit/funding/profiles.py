"""Test profiles built from a bundled one with `model_copy(update=...)`, injected through the
profile lookup the funding handlers receive: a different ratio, basis or approver must change
behaviour without a code edit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.funding.domain.programmes import ProfileLookup, bundled_profile
from shared.policy import AwardBasis, ProgrammeProfile, get_profile

ZHENGZHOU_2019 = "zhengzhou-2019"


def with_award(base: str = ZHENGZHOU_2019, **changes: Any) -> ProgrammeProfile:
    """The bundled profile `base` with its award rule changed (ratio, basis, approver, ...)."""
    profile = get_profile(base)
    assert profile.funding is not None and profile.funding.award is not None
    award = profile.funding.award.model_copy(update=changes)
    return profile.model_copy(update={"funding": profile.funding.model_copy(update={"award": award})})


def ratio(value: str, base: str = ZHENGZHOU_2019) -> ProgrammeProfile:
    return with_award(base, ratio=Decimal(value))


def paying_on(basis: AwardBasis, *, true_up: bool, base: str = ZHENGZHOU_2019) -> ProgrammeProfile:
    return with_award(base, basis=basis, true_up_on_audit=true_up)


def with_subsidy(base: str = ZHENGZHOU_2019, **changes: Any) -> ProgrammeProfile:
    """The bundled profile `base` with its property-subsidy rule changed (rate, period, ...)."""
    profile = get_profile(base)
    assert profile.funding is not None and profile.funding.property_subsidy is not None
    subsidy = profile.funding.property_subsidy.model_copy(update=changes)
    return profile.model_copy(
        update={"funding": profile.funding.model_copy(update={"property_subsidy": subsidy})}
    )


def lookup(*profiles: ProgrammeProfile) -> ProfileLookup:
    """A lookup that answers with `profiles` by code and falls back to the bundled ones."""
    by_code = {p.code: p for p in profiles}

    def find(code: str) -> ProgrammeProfile | None:
        return by_code.get(code) or bundled_profile(code)

    return find
