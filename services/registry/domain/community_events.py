"""The ledger's community events, built from a community row: pure, so every writer of the
ledger (registration over HTTP, re-assessment, classification, the spreadsheet import) states
the same facts the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.registry.models.communities import Community
from shared.contracts.registry import CommunityClassified, CommunityReassessed, CommunityRegistered

__all__ = [
    "FACTS",
    "Classified",
    "community_classified",
    "community_reassessed",
    "community_registered",
    "community_registered_from_row",
]

Classified = tuple[str | None, bool, bool]
"""A community's classification: (tier, demonstration, centrally funded)."""


FACTS = (
    "programme_code",
    "district_code",
    "street_office",
    "eligible",
    "households",
    "floor_area_m2",
    "tier",
    "demonstration",
    "centrally_funded",
)
"""What every community event carries besides its id: the ledger entry's facts reporting counts."""


def _facts(community: Community) -> dict[str, Any]:
    return {"community_id": community.id, **{name: getattr(community, name) for name in FACTS}}


def community_registered(community: Community, registered_on: date) -> CommunityRegistered:
    """The event announcing a community entered the ledger, eligible or not (Kaifeng 六(一)).

    Args:
        community: the community as registered (its eligibility already assessed).
        registered_on: the business date of registration (Asia/Shanghai).

    Returns:
        The payload to stage with `add_to_outbox`.
    """
    return CommunityRegistered(**_facts(community), name=community.name, registered_on=registered_on)


def community_registered_from_row(row: Mapping[str, Any], registered_on: date) -> CommunityRegistered:
    """The same event from a bulk-inserted row (the community table's columns as a dict, as the
    spreadsheet import builds them), without building a model per row.

    Args:
        row: the community row: `id`, `name` and every name in `FACTS`.
        registered_on: the business date of registration (Asia/Shanghai).

    Returns:
        The payload to stage with the outbox.
    """
    return CommunityRegistered(
        community_id=row["id"],
        **{name: row[name] for name in FACTS},
        name=row["name"],
        registered_on=registered_on,
    )


def community_reassessed(
    community: Community, *, was_eligible: bool, reassessed_on: date
) -> CommunityReassessed:
    """The event announcing a correction re-assessed a community.

    Args:
        community: the community after the re-assessment.
        was_eligible: its eligibility before.
        reassessed_on: the business date of the re-assessment (Asia/Shanghai).

    Returns:
        The payload to stage with `add_to_outbox`.
    """
    return CommunityReassessed(**_facts(community), was_eligible=was_eligible, reassessed_on=reassessed_on)


def community_classified(
    community: Community, *, was: Classified, classified_on: date
) -> CommunityClassified:
    """The event announcing a changed tier, demonstration flag or central-fund listing.

    Args:
        community: the community after the classification.
        was: its (tier, demonstration, centrally funded) before.
        classified_on: the business date of the change (Asia/Shanghai).

    Returns:
        The payload to stage with `add_to_outbox`.
    """
    tier, demonstration, centrally_funded = was
    return CommunityClassified(
        **_facts(community),
        was_tier=tier,
        was_demonstration=demonstration,
        was_centrally_funded=centrally_funded,
        classified_on=classified_on,
    )
