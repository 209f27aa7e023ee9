"""A subscription's rules (pure): known and entitled event types, filters naming what exists and
what the organisation may read, one identical subscription per organisation, and a cap."""

from __future__ import annotations

import hashlib

import pytest

from services.notification.domain.subscriptions import (
    Filters,
    check_cap,
    check_event_types,
    check_filters,
    check_not_duplicate,
    fingerprint,
    normalised_types,
    passes_filters,
)
from shared.access import OrganisationKind, Principal
from shared.errors import Conflict, FieldProblem, RuleViolation

APPROVED = "funding.subsidy.approved.v1"
ACCEPTED = "registry.project.accepted.v1"
LAGGING = "reporting.district.lagging.v1"
KNOWN = {APPROVED, ACCEPTED, LAGGING}
OFFICE = Principal("s", "zz-renovation-office", OrganisationKind.OFFICE)
JINSHUI = Principal("s", "zz-jinshui", OrganisationKind.DISTRICT, district_code="zz-jinshui")
STREET = Principal("s", "zz-js-street", OrganisationKind.STREET_OFFICE, district_code="zz-jinshui")
CATALOGUES = {"zz-2019": {"overhead-lines", "fire-lanes"}, "kf-2019": {"gas-pipes"}}
URL = "https://finance.example.gov.cn/hook"


def sha(*lines: str) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


class TestEventTypes:
    def test_types_are_sorted_without_repeats(self) -> None:
        assert normalised_types([LAGGING, APPROVED, LAGGING, ACCEPTED]) == [APPROVED, ACCEPTED, LAGGING]

    def test_known_types_a_kind_may_hear_pass(self) -> None:
        check_event_types(OrganisationKind.DEPARTMENT, [APPROVED, ACCEPTED, LAGGING], KNOWN)
        check_event_types(OrganisationKind.UTILITY, [ACCEPTED], KNOWN)

    def test_an_unknown_type_is_refused_naming_it_and_the_known_ones(self) -> None:
        with pytest.raises(RuleViolation) as refused:
            check_event_types(OrganisationKind.OFFICE, ["x.b.v1", APPROVED, "x.a.v1", "x.a.v1"], KNOWN)
        assert refused.value.detail == "unknown event types: x.a.v1, x.b.v1"
        assert refused.value.errors == [
            FieldProblem("event_types", "known_event_type", f"known: {sorted(KNOWN)}")
        ]

    def test_unknown_is_reported_before_entitlement(self) -> None:
        with pytest.raises(RuleViolation) as refused:
            check_event_types(OrganisationKind.UTILITY, ["x.a.v1", APPROVED], KNOWN)
        assert [e.rule for e in refused.value.errors] == ["known_event_type"]

    def test_a_utility_may_not_subscribe_to_money_or_rollups(self) -> None:
        with pytest.raises(RuleViolation) as refused:
            check_event_types(OrganisationKind.UTILITY, [LAGGING, ACCEPTED, APPROVED], KNOWN)
        assert refused.value.detail == f"a utility may not subscribe to: {APPROVED}, {LAGGING}"
        assert refused.value.errors == [
            FieldProblem(
                "event_types", "entitled_event_type", f"not entitled for a utility: {APPROVED}, {LAGGING}"
            )
        ]

    def test_a_known_type_of_an_unheard_family_is_refused_for_everyone(self) -> None:
        with pytest.raises(RuleViolation) as refused:
            check_event_types(OrganisationKind.OFFICE, ["audit.entry.v1"], {"audit.entry.v1"})
        assert refused.value.errors[0].rule == "entitled_event_type"


class TestFilters:
    def test_filters_are_sorted_without_repeats_and_none_stays_none(self) -> None:
        filters = Filters.of(["b", "a", "b"], None, ["z", "y"])
        assert filters == Filters(["a", "b"], None, ["y", "z"])
        assert Filters.of(None, ["d2", "d1", "d1"], None) == Filters(None, ["d1", "d2"], None)
        assert Filters.of([], None, None).programme_codes == []

    def test_the_key_lists_each_filter_in_order_with_a_star_for_none(self) -> None:
        assert Filters.of(["p2", "p1"], None, ["i1"]).key() == "p1,p2|*|i1"
        assert Filters().key() == "*|*|*"
        assert Filters.of(None, [], None).key() == "*||*"


class TestCheckFilters:
    def test_unfiltered_and_well_formed_filters_pass(self) -> None:
        check_filters(OFFICE, Filters(), CATALOGUES)
        check_filters(OFFICE, Filters.of(["zz-2019"], ["zz-erqi", "zz-jinshui"], ["fire-lanes"]), CATALOGUES)
        check_filters(JINSHUI, Filters.of(None, ["zz-jinshui"], None), CATALOGUES)
        check_filters(STREET, Filters.of(None, ["zz-jinshui"], None), CATALOGUES)

    def test_an_unknown_programme_is_refused(self) -> None:
        with pytest.raises(RuleViolation) as refused:
            check_filters(OFFICE, Filters.of(["zz-2019", "nope", "gone"], None, None), CATALOGUES)
        assert refused.value.detail == "the subscription's filters are refused"
        assert refused.value.errors == [
            FieldProblem("programme_codes", "known_programme", "unknown: gone, nope")
        ]

    @pytest.mark.parametrize("actor", [JINSHUI, STREET])
    def test_a_district_filters_on_its_own_district_only(self, actor: Principal) -> None:
        with pytest.raises(RuleViolation) as refused:
            check_filters(
                actor, Filters.of(None, ["zz-jinshui", "zz-erqi", "zz-zhongyuan"], None), CATALOGUES
            )
        assert refused.value.errors == [
            FieldProblem("district_codes", "district_filter", "not your district: zz-erqi, zz-zhongyuan")
        ]

    def test_an_item_outside_the_filtered_programmes_is_refused(self) -> None:
        with pytest.raises(RuleViolation) as refused:
            check_filters(
                OFFICE, Filters.of(["zz-2019"], None, ["gas-pipes", "fire-lanes", "moon"]), CATALOGUES
            )
        assert refused.value.errors == [
            FieldProblem("item_codes", "known_item", "in no catalogue: gas-pipes, moon")
        ]

    def test_without_a_programme_filter_an_item_of_any_programme_passes(self) -> None:
        check_filters(OFFICE, Filters.of(None, None, ["gas-pipes", "overhead-lines"]), CATALOGUES)
        with pytest.raises(RuleViolation) as refused:
            check_filters(OFFICE, Filters.of(None, None, ["moon"]), CATALOGUES)
        assert [e.field for e in refused.value.errors] == ["item_codes"]

    def test_an_unknown_programme_widens_no_item(self) -> None:
        with pytest.raises(RuleViolation) as refused:
            check_filters(OFFICE, Filters.of(["nope"], None, ["gas-pipes"]), CATALOGUES)
        assert [e.field for e in refused.value.errors] == ["programme_codes", "item_codes"]

    def test_every_problem_is_named_at_once_in_field_order(self) -> None:
        with pytest.raises(RuleViolation) as refused:
            check_filters(JINSHUI, Filters.of(["nope"], ["zz-erqi"], ["moon"]), CATALOGUES)
        assert [(e.field, e.rule) for e in refused.value.errors] == [
            ("programme_codes", "known_programme"),
            ("district_codes", "district_filter"),
            ("item_codes", "known_item"),
        ]


class TestPassesFilters:
    def test_no_filters_pass_everything(self) -> None:
        assert passes_filters(Filters(), "zz-2019", "zz-erqi", {"fire-lanes"})
        assert passes_filters(Filters(), None, None, None)

    def test_a_programme_filter_excludes_other_programmes(self) -> None:
        filters = Filters.of(["zz-2019"], None, None)
        assert passes_filters(filters, "zz-2019", "zz-erqi", None)
        assert not passes_filters(filters, "kf-2019", "zz-erqi", None)

    def test_a_district_filter_excludes_other_districts(self) -> None:
        filters = Filters.of(None, ["zz-jinshui"], None)
        assert passes_filters(filters, "zz-2019", "zz-jinshui", None)
        assert not passes_filters(filters, "zz-2019", "zz-erqi", None)

    def test_a_filter_on_what_the_event_does_not_name_does_not_exclude_it(self) -> None:
        filters = Filters.of(["zz-2019"], ["zz-jinshui"], ["fire-lanes"])
        assert passes_filters(filters, None, None, None)
        assert passes_filters(filters, "", "", None)

    def test_an_item_filter_needs_one_shared_item(self) -> None:
        filters = Filters.of(None, None, ["fire-lanes", "lighting"])
        assert passes_filters(filters, None, None, {"overhead-lines", "lighting"})
        assert not passes_filters(filters, None, None, {"overhead-lines"})
        assert not passes_filters(filters, None, None, set())

    def test_all_filters_must_pass(self) -> None:
        filters = Filters.of(["zz-2019"], ["zz-jinshui"], ["fire-lanes"])
        assert passes_filters(filters, "zz-2019", "zz-jinshui", {"fire-lanes"})
        assert not passes_filters(filters, "kf-2019", "zz-jinshui", {"fire-lanes"})
        assert not passes_filters(filters, "zz-2019", "zz-erqi", {"fire-lanes"})
        assert not passes_filters(filters, "zz-2019", "zz-jinshui", {"lighting"})


class TestFingerprint:
    def test_an_unfiltered_subscription_keeps_its_stored_fingerprint(self) -> None:
        """Fingerprints are stored: one line per organisation, channel, URL and sorted type."""
        expected = sha("finance", "webhook", URL, APPROVED, ACCEPTED)
        assert fingerprint("finance", "webhook", URL, [ACCEPTED, APPROVED, ACCEPTED]) == expected
        assert fingerprint("finance", "webhook", URL, [APPROVED, ACCEPTED], Filters()) == expected
        assert fingerprint("finance", "webhook", URL, [APPROVED, ACCEPTED], None) == expected

    def test_filters_add_their_key_as_a_last_line(self) -> None:
        filters = Filters.of(["zz-2019"], None, ["fire-lanes", "lighting"])
        assert fingerprint("finance", "webhook", URL, [APPROVED], filters) == sha(
            "finance", "webhook", URL, APPROVED, "zz-2019|*|fire-lanes,lighting"
        )

    def test_each_part_of_the_content_tells_subscriptions_apart(self) -> None:
        base = fingerprint("finance", "webhook", URL, [APPROVED])
        assert fingerprint("police", "webhook", URL, [APPROVED]) != base
        assert fingerprint("finance", "email", URL, [APPROVED]) != base
        assert fingerprint("finance", "webhook", URL + "2", [APPROVED]) != base
        assert fingerprint("finance", "webhook", URL, [ACCEPTED]) != base
        assert fingerprint("finance", "webhook", URL, [APPROVED], Filters.of(["zz-2019"], None, None)) != base
        assert fingerprint("finance", "webhook", URL, [APPROVED], Filters.of(None, ["zz-2019"], None)) != (
            fingerprint("finance", "webhook", URL, [APPROVED], Filters.of(["zz-2019"], None, None))
        )


class TestDuplicatesAndCap:
    def test_an_identical_active_subscription_is_a_conflict(self) -> None:
        mine = fingerprint("finance", "webhook", URL, [APPROVED])
        check_not_duplicate({"other"}, mine)
        with pytest.raises(Conflict) as refused:
            check_not_duplicate({"other", mine}, mine)
        assert (
            refused.value.detail == "an identical subscription (same endpoint and event types) already exists"
        )
        assert refused.value.errors == [
            FieldProblem("endpoint_url", "duplicate_subscription", "subscribe once per endpoint and types")
        ]

    def test_one_under_the_cap_may_add_one_more(self) -> None:
        check_cap(0, 20)
        check_cap(19, 20)

    @pytest.mark.parametrize("active", [20, 21])
    def test_at_the_cap_the_next_is_refused(self, active: int) -> None:
        with pytest.raises(RuleViolation) as refused:
            check_cap(active, 20)
        assert refused.value.detail == "an organisation may hold at most 20 active subscriptions"
        assert refused.value.errors == [
            FieldProblem("endpoint_url", "subscriptions_per_organisation", "at most 20")
        ]
