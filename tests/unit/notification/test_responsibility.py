"""Default recipients from the programme profile (pure)."""

from __future__ import annotations

from services.notification.domain.responsibility import recipients, responsible_for_items
from shared.access import OrganisationKind
from shared.policy import get_profile

ZZ2019 = get_profile("zhengzhou-2019")


def orgs(found) -> set[tuple[str, OrganisationKind]]:  # type: ignore[no-untyped-def]
    return {(p.org_code, p.org_kind) for p in found}


def test_item_8_is_fire_and_police() -> None:
    assert responsible_for_items(ZZ2019, ["fire-surveillance-security"]).departments == ("fire", "police")


def test_unknown_items_are_skipped() -> None:
    assert responsible_for_items(ZZ2019, ["no-such-item", "overhead-lines"]).utilities == (
        "power",
        "telecom",
        "cable-tv",
    )


def test_a_lagging_district_reaches_the_district_and_the_programme_office() -> None:
    found = recipients("reporting.district.lagging.v1", {"district_code": "zz-erqi"}, ZZ2019, [])
    assert orgs(found) == {
        ("zz-erqi", OrganisationKind.DISTRICT),
        ("zz-renovation-office", OrganisationKind.OFFICE),
    }
    assert next(p for p in found if p.org_code == "zz-erqi").district_code == "zz-erqi"


def test_a_missed_step_deadline_reaches_the_projects_district_and_the_office() -> None:
    found = recipients("registry.project.deadline_missed.v1", {"district_code": "zz-erqi"}, ZZ2019, [])
    assert orgs(found) == {
        ("zz-erqi", OrganisationKind.DISTRICT),
        ("zz-renovation-office", OrganisationKind.OFFICE),
    }


def test_an_overdue_weekly_report_reaches_whoever_owes_it_and_the_office() -> None:
    overdue = "reporting.weekly_report.overdue.v1"
    by_district = recipients(overdue, {"district_code": "zz-erqi", "reporter_code": "zz-erqi"}, ZZ2019, [])
    assert orgs(by_district) == {
        ("zz-erqi", OrganisationKind.DISTRICT),
        ("zz-renovation-office", OrganisationKind.OFFICE),
    }
    kaifeng = get_profile("kaifeng-2019")
    by_department = recipients(overdue, {"district_code": None, "reporter_code": "finance"}, kaifeng, [])
    assert ("finance", OrganisationKind.DEPARTMENT) in orgs(by_department)
    assert all(p.org_kind is not OrganisationKind.DISTRICT for p in by_department)
    zhongyuan = get_profile("zhongyuan-2013")
    street = {"district_code": "zz-zhongyuan", "reporter_code": "zy-linshanzhai"}
    found = recipients(overdue, street, zhongyuan, [])
    office = next(p for p in found if p.org_code == "zy-linshanzhai")
    assert (office.org_kind, office.district_code) == (OrganisationKind.STREET_OFFICE, "zz-zhongyuan")
    assert ("zz-zhongyuan", OrganisationKind.DISTRICT) in orgs(found)


def test_an_award_reaches_the_profile_s_approver_and_payer_and_the_district() -> None:
    found = recipients("funding.subsidy.approved.v1", {"district_code": "zz-jinshui"}, ZZ2019, [])
    assert orgs(found) == {
        ("finance", OrganisationKind.DEPARTMENT),
        ("zz-jinshui", OrganisationKind.DISTRICT),
    }


def test_a_programme_without_an_award_names_no_approver() -> None:
    found = recipients(
        "funding.subsidy.approved.v1", {"district_code": "x"}, get_profile("zhongyuan-2013"), []
    )
    assert orgs(found) == {("x", OrganisationKind.DISTRICT)}


def test_other_events_have_no_default_recipients() -> None:
    assert (
        recipients(
            "registry.project.registered.v1", {"district_code": "zz-jinshui"}, ZZ2019, ["overhead-lines"]
        )
        == []
    )


def test_works_starting_reach_the_items_departments_then_utilities_in_first_seen_order() -> None:
    found = recipients(
        "registry.project.construction_started.v1",
        {"district_code": "zz-jinshui"},
        ZZ2019,
        ["fire-surveillance-security", "no-such-item", "overhead-lines", "fire-lanes"],
    )
    assert [(p.subject, p.org_code, p.org_kind, p.district_code) for p in found] == [
        ("responsible:fire", "fire", OrganisationKind.DEPARTMENT, None),
        ("responsible:police", "police", OrganisationKind.DEPARTMENT, None),
        ("responsible:industry-it", "industry-it", OrganisationKind.DEPARTMENT, None),
        ("responsible:telecom-office", "telecom-office", OrganisationKind.DEPARTMENT, None),
        ("responsible:culture-broadcasting", "culture-broadcasting", OrganisationKind.DEPARTMENT, None),
        ("responsible:power", "power", OrganisationKind.UTILITY, None),
        ("responsible:telecom", "telecom", OrganisationKind.UTILITY, None),
        ("responsible:cable-tv", "cable-tv", OrganisationKind.UTILITY, None),
    ]


def test_completion_and_failed_acceptance_reach_the_same_responsible_organisations() -> None:
    for event_type in ("registry.project.construction_completed.v1", "registry.project.acceptance_failed.v1"):
        found = recipients(event_type, {}, ZZ2019, ["fire-lanes", "overhead-lines"])
        assert [p.org_code for p in found] == [
            "fire",
            "industry-it",
            "telecom-office",
            "culture-broadcasting",
            "power",
            "telecom",
            "cable-tv",
        ]


def test_works_on_items_with_no_utility_reach_departments_only() -> None:
    found = recipients("registry.project.construction_started.v1", {}, ZZ2019, ["fire-lanes"])
    assert [(p.org_code, p.org_kind) for p in found] == [("fire", OrganisationKind.DEPARTMENT)]


def test_an_award_names_the_decider_once_then_the_district_bound_to_itself() -> None:
    found = recipients("funding.subsidy.approved.v1", {"district_code": "zz-jinshui"}, ZZ2019, [])
    assert [(p.subject, p.org_code, p.org_kind, p.district_code) for p in found] == [
        ("responsible:finance", "finance", OrganisationKind.DEPARTMENT, None),
        ("responsible:zz-jinshui", "zz-jinshui", OrganisationKind.DISTRICT, "zz-jinshui"),
    ]


def test_an_award_without_a_district_reaches_the_decider_only() -> None:
    found = recipients("funding.subsidy.approved.v1", {}, ZZ2019, [])
    assert [p.org_code for p in found] == ["finance"]


def test_lagging_without_a_district_or_an_office_reaches_no_one() -> None:
    no_office = ZZ2019.model_copy(update={"office": None})
    assert recipients("reporting.district.lagging.v1", {}, no_office, []) == []
    found = recipients("reporting.district.lagging.v1", {"district_code": "zz-erqi"}, no_office, [])
    assert [(p.org_code, p.district_code) for p in found] == [("zz-erqi", "zz-erqi")]
    office_only = recipients("reporting.district.lagging.v1", {}, ZZ2019, [])
    assert [(p.org_code, p.org_kind) for p in office_only] == [
        ("zz-renovation-office", OrganisationKind.OFFICE)
    ]
