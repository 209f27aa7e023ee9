"""Rules for a new subscription (pure): known and entitled event types, one of each per
organisation, and a cap per organisation so one tenant cannot turn an event into a flood."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable

from shared.access import OrganisationKind, may_subscribe
from shared.errors import Conflict, FieldProblem, RuleViolation


def normalised_types(event_types: Iterable[str]) -> list[str]:
    """Event types sorted and without repeats, so equal subscriptions compare equal."""
    return sorted(set(event_types))


def check_event_types(kind: OrganisationKind, event_types: Iterable[str], known: Collection[str]) -> None:
    """Every type must be published, and one this kind of organisation is entitled to hear.

    Raises:
        RuleViolation: naming `event_types` with rule `known_event_type` or `entitled_event_type`.
    """
    types = normalised_types(event_types)
    unknown = [t for t in types if t not in known]
    if unknown:
        raise RuleViolation(
            f"unknown event types: {', '.join(unknown)}",
            [FieldProblem("event_types", "known_event_type", f"known: {sorted(known)}")],
        )
    refused = [t for t in types if not may_subscribe(kind, t)]
    if refused:
        raise RuleViolation(
            f"a {kind.value} may not subscribe to: {', '.join(refused)}",
            [
                FieldProblem(
                    "event_types",
                    "entitled_event_type",
                    f"not entitled for a {kind.value}: {', '.join(refused)}",
                )
            ],
        )


def fingerprint(org_code: str, channel: str, endpoint_url: str, event_types: Iterable[str]) -> str:
    """Identifies a subscription's content: same organisation, channel, URL and types."""
    text = "\n".join([org_code, channel, endpoint_url, *normalised_types(event_types)])
    return hashlib.sha256(text.encode()).hexdigest()


def check_not_duplicate(existing_fingerprints: Collection[str], new_fingerprint: str) -> None:
    """Raises Conflict when an identical active subscription exists (twenty identical ones would
    turn one event into twenty POSTs)."""
    if new_fingerprint in existing_fingerprints:
        raise Conflict(
            "an identical subscription (same endpoint and event types) already exists",
            [FieldProblem("endpoint_url", "duplicate_subscription", "subscribe once per endpoint and types")],
        )


def check_cap(active_count: int, cap: int) -> None:
    """Raises RuleViolation when the organisation already has `cap` active subscriptions."""
    if active_count >= cap:
        raise RuleViolation(
            f"an organisation may hold at most {cap} active subscriptions",
            [FieldProblem("endpoint_url", "subscriptions_per_organisation", f"at most {cap}")],
        )
