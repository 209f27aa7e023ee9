"""Funding sources of a project: who committed what and what was received, and whether the
sources cover the investment (issue 9; 谁受益、谁出资).

A source is named by a code the programme's profile knows: its co-funding sources (Zhengzhou
2019 五(一): 政府, 业主, 产权单位), its primary payer (the district), or a utility company that pays
for its own lines (五(二)). The city award is a source too, but it is never committed by hand: it
is the award as the journal holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from services.funding.domain.central_funds import CENTRAL_SUBSIDY
from shared.errors import FieldProblem, RuleViolation
from shared.policy import ProgrammeProfile

CITY_AWARD = "city-award"


class SourceEntryKind(StrEnum):
    COMMITMENT = "commitment"
    RECEIPT = "receipt"


def source_codes(profile: ProgrammeProfile) -> tuple[str, ...]:
    """The source codes a project of this programme may record, in the profile's order."""
    codes: list[str] = []
    funding = profile.funding
    if funding is not None and funding.co_funding is not None:
        if funding.co_funding.primary_payer is not None:
            codes.append(funding.co_funding.primary_payer.value)
        codes.extend(source.code for source in funding.co_funding.sources)
    if funding is not None and funding.utility_works is not None and funding.utility_works.self_funded:
        for item in profile.catalogue.items:
            codes.extend(item.responsible_utilities)
    if funding is not None and funding.central_subsidy is not None:
        codes.append(CENTRAL_SUBSIDY)  # committed only by an approved allocation; receipts by hand
    return tuple(dict.fromkeys(codes))


@dataclass(frozen=True)
class SourceLine:
    source_code: str
    committed_fen: int
    received_fen: int


def check_entry(
    profile: ProgrammeProfile,
    source_code: str,
    kind: SourceEntryKind,
    amount_fen: int,
    lines: Sequence[SourceLine],
) -> None:
    """A known source; a receipt never above what that source committed; central funds are
    committed only by an approved allocation (to listed projects, Kaifeng 三, 七(三))."""
    allowed = source_codes(profile)
    if source_code not in allowed:
        raise RuleViolation(
            f"{source_code!r} is not a funding source of {profile.code}",
            [FieldProblem("source_code", "known_source", "one of: " + ", ".join(allowed))],
        )
    if source_code == CENTRAL_SUBSIDY and kind is SourceEntryKind.COMMITMENT:
        raise RuleViolation(
            "central funds are committed only by an approved central-fund allocation to a listed project",
            [
                FieldProblem(
                    "source_code",
                    "central_funds_by_allocation",
                    "central funds go to listed projects through Housing's proposal and Finance's approval",
                )
            ],
        )
    if kind is SourceEntryKind.RECEIPT:
        line = next((x for x in lines if x.source_code == source_code), SourceLine(source_code, 0, 0))
        if line.received_fen + amount_fen > line.committed_fen:
            owed = line.committed_fen - line.received_fen
            raise RuleViolation(
                "a receipt cannot exceed what the source committed",
                [FieldProblem("amount_fen", "receipt_within_commitment", f"at most {owed} fen")],
            )


def shortfall(investment_fen: int | None, committed_fen: int) -> int | None:
    """How much of the investment no source covers (0 when covered; None without a plan)."""
    if investment_fen is None:
        return None
    return max(investment_fen - committed_fen, 0)
