"""The funding seam to the programme profiles: a bundled profile, or None for an unknown code."""

from __future__ import annotations

from services.funding.domain.programmes import bundled_profile


def test_a_bundled_programme_gives_its_profile() -> None:
    profile = bundled_profile("zhengzhou-2019")
    assert profile is not None
    assert profile.code == "zhengzhou-2019"


def test_an_unknown_programme_gives_none() -> None:
    assert bundled_profile("no-such-programme") is None
