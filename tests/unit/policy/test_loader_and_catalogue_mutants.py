"""The loader's and the catalogue's refusals, word for word: the people who write profiles and the
services that route items read these messages, so each names the file, programme or item at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.policy import (
    ProfileError,
    UnknownItemError,
    UnknownProgrammeError,
    catalogue_item,
    get_profile,
    load_profiles,
    responsible_departments,
    responsible_utilities,
)

ZHENGZHOU = get_profile("zhengzhou-2019")


def test_a_missing_profiles_directory_is_one_problem_of_the_folder_as_a_whole(tmp_path: Path) -> None:
    """An empty field path means the file (here the folder) as a whole, so the line has no prefix."""
    missing = tmp_path / "nope"
    with pytest.raises(ProfileError) as caught:
        load_profiles(missing)
    assert caught.value.problems == [("", "profiles directory does not exist")]
    assert str(caught.value) == f"{missing}: profiles directory does not exist"


def test_an_unknown_programme_lists_every_known_code_comma_separated() -> None:
    with pytest.raises(UnknownProgrammeError) as caught:
        get_profile("beijing-2030")
    assert str(caught.value) == (
        "unknown programme 'beijing-2030' (known: kaifeng-2019, zhengzhou-2018, zhengzhou-2019, zhongyuan-2013)"
    )


def test_a_boolean_is_no_item_number() -> None:
    """True == 1 in Python, so without this check `True` would silently name item 1."""
    with pytest.raises(TypeError) as caught:
        catalogue_item(ZHENGZHOU, True)
    assert str(caught.value) == "an item is identified by number or code, not a boolean"


@pytest.mark.parametrize(("asked", "shown"), [(31, "31"), ("31", "'31'"), ("no-such", "'no-such'")])
def test_an_unknown_item_is_named_as_it_was_asked(asked: int | str, shown: str) -> None:
    """Zhengzhou 2019's catalogue has 30 items."""
    with pytest.raises(UnknownItemError) as caught:
        catalogue_item(ZHENGZHOU, asked)
    assert str(caught.value) == f"zhengzhou-2019: no catalogue item {shown}"


def test_another_plans_item_is_refused_naming_its_code() -> None:
    """Kaifeng's fire-facilities item is not Zhengzhou's: its departments are not Zhengzhou's to route."""
    kaifeng_item = catalogue_item(get_profile("kaifeng-2019"), "fire-facilities")
    for lookup in (responsible_departments, responsible_utilities):
        with pytest.raises(UnknownItemError) as caught:
            lookup(ZHENGZHOU, kaifeng_item)
        assert str(caught.value) == "zhengzhou-2019: item 'fire-facilities' is not in this catalogue"
