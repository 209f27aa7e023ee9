"""Award subsidy rules as pure functions: what the city pays a district for a project."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shared.money import Fen, share_of


class AwardStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"


@dataclass(frozen=True)
class AwardDecision:
    basis_fen: Fen
    ratio: Decimal
    amount_fen: Fen


def decide_award(investment_fen: Fen, ratio: Decimal) -> AwardDecision:
    """The award is `ratio` of the project's investment, rounded half-up to the fen.

    Zhengzhou 2019 (郑政文〔2019〕62号): the city awards 40% of the renovation investment.
    """
    return AwardDecision(investment_fen, ratio, share_of(investment_fen, ratio))
