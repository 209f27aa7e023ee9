"""Rules for a subscription (pure): known and entitled event types, filters that name what
exists and what the organisation may read, one of each per organisation, and a cap per
organisation so one tenant cannot turn an event into a flood."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from shared.access import OrganisationKind, Principal, may_subscribe
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


@dataclass(frozen=True)
class Filters:
    """A subscription's narrowing filters, each sorted and without repeats; None means all."""

    programme_codes: list[str] | None = None
    district_codes: list[str] | None = None
    item_codes: list[str] | None = None

    @classmethod
    def of(
        cls, programmes: Iterable[str] | None, districts: Iterable[str] | None, items: Iterable[str] | None
    ) -> Filters:
        def norm(codes: Iterable[str] | None) -> list[str] | None:
            return None if codes is None else sorted(set(codes))

        return cls(norm(programmes), norm(districts), norm(items))

    def key(self) -> str:
        """The filters as text, part of the subscription's fingerprint."""
        parts = (self.programme_codes, self.district_codes, self.item_codes)
        return "|".join("*" if p is None else ",".join(p) for p in parts)


def check_filters(actor: Principal, filters: Filters, catalogues: Mapping[str, Collection[str]]) -> None:
    """Each filter names what exists and what the organisation may read.

    Args:
        actor: the subscribing organisation.
        filters: the normalised filters.
        catalogues: each programme's code and its catalogue's item codes.

    Raises:
        RuleViolation: `programme_codes` / `known_programme`, `district_codes` / `district_filter`
            (a district filters on its own district only), `item_codes` / `known_item` (an item of
            none of the filtered programmes, or of no programme when none is filtered).
    """
    problems: list[FieldProblem] = []
    programmes = filters.programme_codes
    unknown = [p for p in programmes or [] if p not in catalogues]
    if unknown:
        problems.append(FieldProblem("programme_codes", "known_programme", f"unknown: {', '.join(unknown)}"))
    unseen = [d for d in filters.district_codes or [] if actor.is_district_bound and d != actor.district_code]
    if unseen:
        problems.append(
            FieldProblem("district_codes", "district_filter", f"not your district: {', '.join(unseen)}")
        )
    in_scope = [catalogues[p] for p in (programmes or catalogues) if p in catalogues]
    strange = [i for i in filters.item_codes or [] if not any(i in items for items in in_scope)]
    if strange:
        problems.append(FieldProblem("item_codes", "known_item", f"in no catalogue: {', '.join(strange)}"))
    if problems:
        raise RuleViolation("the subscription's filters are refused", problems)


def passes_filters(
    filters: Filters, programme_code: str | None, district_code: str | None, items: Collection[str] | None
) -> bool:
    """Does an event pass the filters? A filter on something the event does not name (a bulletin
    names no project, so no items) does not exclude it.

    Args:
        filters: the subscription's filters.
        programme_code, district_code: what the event names, if anything.
        items: the catalogue items of the project the event is about, None when unknown or none.
    """
    if (
        filters.programme_codes is not None
        and programme_code
        and programme_code not in filters.programme_codes
    ):
        return False
    if filters.district_codes is not None and district_code and district_code not in filters.district_codes:
        return False
    return filters.item_codes is None or items is None or bool(set(items) & set(filters.item_codes))


def fingerprint(
    org_code: str, channel: str, endpoint_url: str, event_types: Iterable[str], filters: Filters | None = None
) -> str:
    """Identifies a subscription's content: same organisation, channel, URL, types and filters."""
    lines = [org_code, channel, endpoint_url, *normalised_types(event_types)]
    if filters is not None and filters != Filters():
        lines.append(filters.key())  # unfiltered subscriptions keep the fingerprint they had
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


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
