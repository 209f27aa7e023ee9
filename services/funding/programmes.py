"""The programme rules funding reads: the award ratio of each programme profile."""

from __future__ import annotations

from decimal import Decimal

from shared.errors import PermanentError

# Replaced by the programme profiles (shared.policy) — see issue 3.
_AWARD_RATIOS = {"zhengzhou-2019": Decimal("0.40")}


def award_ratio(programme_code: str) -> Decimal:
    """The award ratio of a programme; an unknown programme can never be funded (dead-letter)."""
    try:
        return _AWARD_RATIOS[programme_code]
    except KeyError:
        raise PermanentError(f"programme '{programme_code}' has no award rule") from None
