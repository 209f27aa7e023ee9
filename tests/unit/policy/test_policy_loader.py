"""Loading profiles: the bundled set, adding a programme by file, and refusing bad files with a
message that names the file, the field path and the rule broken."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import bundled_data, mutated, write_profile

from shared.policy import (
    PROFILES_DIR,
    ProfileError,
    ProgrammeProfile,
    UnknownProgrammeError,
    award_fen,
    bundled_profiles,
    get_profile,
    is_eligible,
    load_profile,
    load_profiles,
)

CODES = {"zhengzhou-2019", "kaifeng-2019", "zhengzhou-2018", "zhongyuan-2013"}


def test_bundled_profiles_are_the_four_source_documents() -> None:
    profiles = load_profiles()
    assert set(profiles) == CODES
    assert {p.document_number for p in profiles.values()} == {
        "郑政文〔2019〕62号",
        "汴政办〔2019〕99号",
        "郑政办〔2018〕14号",
        "中原政办〔2013〕12号",
    }


def test_get_profile_is_cached_and_frozen() -> None:
    profile = get_profile("zhengzhou-2019")
    assert profile is get_profile("zhengzhou-2019")
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on frozen
        profile.code = "other"  # type: ignore[misc]


def test_bundled_profiles_returns_a_copy() -> None:
    copy = bundled_profiles()
    copy.pop("zhengzhou-2019")
    assert "zhengzhou-2019" in bundled_profiles()


def test_unknown_programme_is_a_key_error_naming_the_code() -> None:
    with pytest.raises(UnknownProgrammeError) as caught:
        get_profile("beijing-2030")
    assert isinstance(caught.value, KeyError)
    assert "beijing-2030" in str(caught.value)
    assert "zhengzhou-2019" in str(caught.value)  # lists what is known


def test_fifth_programme_is_added_by_dropping_a_yaml_file(tmp_path: Path) -> None:
    """No code change: a new file in the directory is a new programme, with working rules."""
    for code in CODES:
        shutil.copy(PROFILES_DIR / f"{code}.yaml", tmp_path)
    data = bundled_data("zhengzhou-2019")
    data.update(
        code="luoyang-2021",
        name_zh="洛阳市老旧小区改造方案",
        document_number="洛政〔2021〕1号",
        issued_on="2021-03-01",
        year=2021,
    )
    data["funding"]["award"]["ratio"] = "0.30"
    data["eligibility"]["built_before"].update(year=2005, inclusive=True)
    write_profile(tmp_path, data)

    profiles = load_profiles(tmp_path)

    assert set(profiles) == CODES | {"luoyang-2021"}
    luoyang = profiles["luoyang-2021"]
    assert luoyang.funding is not None and luoyang.funding.award is not None
    assert luoyang.funding.award.ratio == Decimal("0.30")
    assert award_fen(luoyang, 10_000) == 3_000
    assert is_eligible(luoyang, 2005).eligible


def test_empty_directory_loads_no_profiles(tmp_path: Path) -> None:
    assert load_profiles(tmp_path) == {}


def test_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="does not exist"):
        load_profiles(tmp_path / "nope")


# --- bad files ---------------------------------------------------------------------------


def _refused(tmp_path: Path, change: Any, code: str = "zhengzhou-2019") -> str:
    path = mutated(tmp_path, code, change)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert str(path) in message, "the message must name the file"
    assert caught.value.file == path
    return message


def test_missing_field_is_named(tmp_path: Path) -> None:
    message = _refused(tmp_path, lambda d: d["catalogue"].pop("lead"))
    assert "catalogue.lead: required field is missing" in message


def test_missing_inclusive_flag_is_refused(tmp_path: Path) -> None:
    """The built-before ambiguity must be decided explicitly in every profile."""
    message = _refused(tmp_path, lambda d: d["eligibility"]["built_before"].pop("inclusive"))
    assert "eligibility.built_before.inclusive: required field is missing" in message


def test_wrong_type_is_named(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["supervision"]["weekly_report"]["weekday"] = "Friday"

    message = _refused(tmp_path, change)
    assert "supervision.weekly_report.weekday" in message
    assert "valid integer" in message and "'Friday'" in message


def test_weekday_out_of_iso_range_is_refused(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["supervision"]["weekly_report"]["weekday"] = 0

    message = _refused(tmp_path, change)
    assert "supervision.weekly_report.weekday" in message and "greater than or equal to 1" in message


def test_ratio_above_one_is_refused(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["funding"]["award"]["ratio"] = "1.40"

    message = _refused(tmp_path, change)
    assert "funding.award.ratio" in message and "less than or equal to 1" in message


def test_float_ratio_is_refused(tmp_path: Path) -> None:
    """Money is never float: a ratio written 0.4 (unquoted) would be a YAML float."""

    def change(d: dict[str, Any]) -> None:
        d["funding"]["award"]["ratio"] = 0.4

    message = _refused(tmp_path, change)
    assert "funding.award.ratio" in message and "float" in message


def test_duplicate_item_numbers_are_refused(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["catalogue"]["items"][1]["number"] = 1

    message = _refused(tmp_path, change)
    assert "catalogue.items[1].number: duplicate item number 1" in message


def test_duplicate_item_codes_are_refused(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["catalogue"]["items"][2]["code"] = d["catalogue"]["items"][0]["code"]

    message = _refused(tmp_path, change)
    assert "catalogue.items[2].code: duplicate item code" in message


def test_unknown_department_in_catalogue_item_is_refused(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["catalogue"]["items"][7]["responsible_departments"] = ["fire", "polce"]

    message = _refused(tmp_path, change)
    assert "catalogue.items[7].responsible_departments[1]" in message
    assert "unknown department code 'polce'" in message


def test_unknown_utility_in_catalogue_item_is_refused(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["catalogue"]["items"][1]["responsible_utilities"] = ["power", "satellite"]

    message = _refused(tmp_path, change)
    assert "catalogue.items[1].responsible_utilities[1]" in message
    assert "unknown utility code 'satellite'" in message


def test_unknown_department_as_award_payer_is_refused(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["funding"]["award"]["payer_department"] = "treasury"

    message = _refused(tmp_path, change)
    assert "funding.award.payer_department: unknown department code 'treasury'" in message


def test_unknown_category_is_refused(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["catalogue"]["items"][0]["category"] = "misc"

    message = _refused(tmp_path, change)
    assert "catalogue.items[0].category: unknown category 'misc'" in message


def test_yearly_shares_must_add_up_to_one(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["supervision"]["yearly_targets"]["shares"] = {2019: "0.5", 2020: "0.4"}

    message = _refused(tmp_path, change)
    assert "supervision.yearly_targets.shares: yearly shares must add up to 1" in message


def test_clause_must_look_like_the_documents_numbering(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["funding"]["award"]["clause"] = "5.1"

    message = _refused(tmp_path, change)
    assert "funding.award.clause" in message and "as the document numbers it" in message


def test_full_width_brackets_in_clause_are_normalised(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["funding"]["award"]["clause"] = "五（一）"

    profile = load_profile(mutated(tmp_path, "zhengzhou-2019", change))
    assert profile.funding is not None and profile.funding.award is not None
    assert profile.funding.award.clause == "五(一)"


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["funding"]["award"]["ratoi"] = "0.40"

    message = _refused(tmp_path, change)
    assert "funding.award.ratoi: unknown field" in message


def test_office_host_must_be_declared(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["office"]["host"] = "mayor"

    message = _refused(tmp_path, change)
    assert "office.host" in message and "'mayor'" in message


def test_indicator_milestones_must_be_in_date_order(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        indicator = next(i for i in d["supervision"]["indicators"] if i["code"] == "hd-video-coverage")
        indicator["milestones"].reverse()

    message = _refused(tmp_path, change, code="zhengzhou-2018")
    assert "supervision.indicators[5].milestones" in message and "date order" in message


def test_code_must_match_file_name(tmp_path: Path) -> None:
    message = _refused(tmp_path, lambda d: d.update(code="zhengzhou-2020"))
    assert "code: code 'zhengzhou-2020' must equal the file name 'zhengzhou-2019'" in message


def test_every_problem_is_listed(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d.pop("name_en")
        d["funding"]["award"]["ratio"] = "2"

    path = mutated(tmp_path, "zhengzhou-2019", change)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    fields = [field for field, _ in caught.value.problems]
    assert "name_en" in fields and "funding.award.ratio" in fields
    assert "2 problems" in str(caught.value)


def test_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("code: broken\ncatalogue: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profiles(tmp_path)
    assert str(path) in str(caught.value) and "YAML syntax error" in str(caught.value)
    assert "line" in str(caught.value)


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    """PyYAML would keep the last of two equal keys; a profile must not hide a rule that way."""
    path = tmp_path / "dup.yaml"
    path.write_text("code: dup\ncode: dup2\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="duplicate key 'code'"):
        load_profile(path)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="mapping"):
        load_profile(path)


def test_a_caller_catching_value_error_catches_a_bad_profile(tmp_path: Path) -> None:
    """Settings and CLI code catch ValueError for bad configuration; a bad profile must be one."""
    path = tmp_path / "bad.yaml"
    path.write_text("- not\n- a mapping\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping"):
        load_profile(path)


def test_model_validates_without_the_loader() -> None:
    """Services may build a profile from stored JSON: the same rules apply."""
    data = bundled_data("kaifeng-2019")
    profile = ProgrammeProfile.model_validate(data)
    assert ProgrammeProfile.model_validate_json(profile.model_dump_json()) == profile
