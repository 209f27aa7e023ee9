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
