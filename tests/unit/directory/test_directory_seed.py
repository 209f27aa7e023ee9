"""The organisation directory seeded from the profiles and seed.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from shared.directory import (
    SEED_FILE,
    DirectoryError,
    Organisation,
    OrganisationKind,
    by_code,
    check_seed_covers,
    children,
    load_seed,
    seed_directory,
)
from shared.policy import StreetOffice, bundled_profiles, get_profile

PROFILES = bundled_profiles()
ORGS = seed_directory(PROFILES)
INDEX = by_code(ORGS)


def test_every_organisation_kind_but_street_offices_is_seeded() -> None:
    """A kind missing from the seed would lock a whole class of users out of a fresh install. Street
    offices are the exception on purpose: the plans do not list them, so the office adds them
    (POST /organisations, under an existing district)."""
    assert {org.kind for org in ORGS} == set(OrganisationKind) - {OrganisationKind.STREET_OFFICE}


def test_seed_covers_every_code_the_profiles_use() -> None:
    check_seed_covers(PROFILES.values(), load_seed())


def test_codes_are_unique_and_order_is_stable() -> None:
    assert len(INDEX) == len(ORGS)
    assert seed_directory(PROFILES) == ORGS  # pure: same input, same output
    assert seed_directory(list(reversed(list(PROFILES.values())))) == ORGS
    kinds = [o.kind for o in ORGS]
    order = list(OrganisationKind)
    assert kinds == sorted(kinds, key=order.index)


def test_offices_with_their_hosts() -> None:
    """郑政文〔2019〕62号 六 / 汴政办〔2019〕99号 七(一): the office sits in the housing bureau."""
    zz = INDEX["zz-renovation-office"]
    assert zz.kind is OrganisationKind.OFFICE and zz.parent_code == "housing"
    assert INDEX["kf-renovation-office"].parent_code == "housing"
    assert INDEX["zy-renovation-hq-office"].parent_code == "zz-zhongyuan"
    assert {o.code for o in ORGS if o.kind is OrganisationKind.OFFICE} == {
        "zz-renovation-office",
        "kf-renovation-office",
        "zz-upgrading-office",
        "zy-renovation-hq-office",
    }


def test_departments_named_in_catalogues_are_in_the_directory() -> None:
    for profile in PROFILES.values():
        for item in profile.catalogue.items:
            for code in item.responsible_departments:
                assert INDEX[code].kind is OrganisationKind.DEPARTMENT


def test_department_names_come_from_the_seed() -> None:
    fire = INDEX["fire"]
    assert (fire.name_zh, fire.name_en) == ("消防救援支队", "Fire and Rescue Detachment")
    assert INDEX["finance"].name_en == "Finance Bureau"


def test_districts_from_jurisdictions() -> None:
    jinshui = INDEX["zz-jinshui"]
    assert (jinshui.kind, jinshui.name_zh, jinshui.name_en) == (
        OrganisationKind.DISTRICT,
        "金水区",
        "Jinshui District",
    )
    assert INDEX["kf-lankao"].kind is OrganisationKind.DISTRICT
    districts = [o for o in ORGS if o.kind is OrganisationKind.DISTRICT]
    assert len(districts) == 16 + 9  # Zhengzhou's 16 areas, Kaifeng's 9


def test_default_utilities_even_without_profiles() -> None:
    utilities = seed_directory([])
    assert [u.code for u in utilities] == [
        "cable-tv",
        "gas",
        "heating",
        "power",
        "telecom",
        "water",
    ]
    assert all(u.kind is OrganisationKind.UTILITY for u in utilities)


def test_no_street_offices_because_no_plan_names_one() -> None:
    assert not [o for o in ORGS if o.kind is OrganisationKind.STREET_OFFICE]


def test_street_offices_a_profile_names_are_seeded_under_their_district() -> None:
    zy = get_profile("zhongyuan-2013")
    district = zy.jurisdiction.districts[0].model_copy(
        update={
            "street_offices": (
                StreetOffice(code="zy-linshanzhai", name_zh="林山寨街道", name_en="Linshanzhai Street"),
            )
        }
    )
    profile = zy.model_copy(
        update={"jurisdiction": zy.jurisdiction.model_copy(update={"districts": (district,)})}
    )
    orgs = seed_directory([profile])
    street = by_code(orgs)["zy-linshanzhai"]
    assert street.kind is OrganisationKind.STREET_OFFICE
    assert street.parent_code == "zz-zhongyuan"
    assert children(orgs, "zz-zhongyuan") == [by_code(orgs)["zy-renovation-hq-office"], street]


def test_profile_department_missing_from_seed_is_refused() -> None:
    zz = get_profile("zhengzhou-2019")
    extra = zz.departments[0].model_copy(update={"code": "space-agency"})
    profile = zz.model_copy(update={"departments": (*zz.departments, extra)})
    with pytest.raises(DirectoryError) as caught:
        seed_directory([profile])
    message = str(caught.value)
    assert str(SEED_FILE) in message and "'space-agency'" in message
    assert "zhengzhou-2019" in message


def test_conflicting_district_names_are_refused() -> None:
    zz = get_profile("zhengzhou-2019")
    renamed = zz.jurisdiction.districts[2].model_copy(update={"name_zh": "金水"})
    districts = (*zz.jurisdiction.districts[:2], renamed, *zz.jurisdiction.districts[3:])
    profile = zz.model_copy(
        update={"jurisdiction": zz.jurisdiction.model_copy(update={"districts": districts})}
    )
    with pytest.raises(DirectoryError, match="zz-jinshui"):
        seed_directory([profile, get_profile("zhengzhou-2018")])


def test_organisation_is_frozen_and_checked() -> None:
    org = Organisation(code="zz-x", kind=OrganisationKind.DISTRICT, name_zh="区", name_en="District")
    with pytest.raises(ValidationError):
        org.code = "y"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="street office needs"):
        Organisation(code="s", kind=OrganisationKind.STREET_OFFICE, name_zh="街道", name_en="Street")
    with pytest.raises(ValidationError):
        Organisation(code="Bad Code", kind=OrganisationKind.DISTRICT, name_zh="区", name_en="D")


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_bad_seed_file_names_file_field_and_rule(tmp_path: Path) -> None:
    data = yaml.safe_load(SEED_FILE.read_text(encoding="utf-8"))
    data["departments"][1]["code"] = data["departments"][0]["code"]
    del data["utilities"][0]["name_en"]
    path = _write(tmp_path, data)
    with pytest.raises(DirectoryError) as caught:
        load_seed(path)
    message = str(caught.value)
    assert str(path) in message
    assert "utilities[0].name_en: required field is missing" in message


def test_duplicate_seed_code_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(SEED_FILE.read_text(encoding="utf-8"))
    data["utilities"].append({"code": "finance", "name_zh": "x", "name_en": "x"})
    with pytest.raises(DirectoryError, match=r"utilities\[6\]\.code: duplicate code 'finance'"):
        load_seed(_write(tmp_path, data))


def test_seed_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text("departments: [\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match="YAML syntax error") as caught:
        load_seed(path)
    assert str(path) in str(caught.value)
