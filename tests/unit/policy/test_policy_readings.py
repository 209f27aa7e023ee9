"""Where a plan is silent or ambiguous, the profile says which reading it took and whose it is
(issue 16 items 1, 2 and the jurisdictions left out): the award basis, the built-year cut-off,
Kaifeng's 分别 mapping and permit exemption. Quoted words must be the document's own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import load_mutated
from pydantic import BaseModel

from shared.policy import (
    AreaKind,
    Reading,
    RuleAbsentError,
    award_rule,
    built_year_cutoff,
    bundled_profiles,
    is_eligible,
    platform_readings,
)

PROFILES = bundled_profiles()
WITH_CUTOFF = sorted(code for code, p in PROFILES.items() if p.eligibility.built_before)
SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"
SEED_PREFIX = {
    "zhengzhou-2019": "000",
    "kaifeng-2019": "001",
    "zhengzhou-2018": "002",
    "zhongyuan-2013": "003",
}
QUOTED = ("words_zh", "qualifier_zh", "condition_zh", "accountability_zh")
_PUNCTUATION = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）"})


# --- item 2: the built-year cut-off --------------------------------------------------------------


@pytest.mark.parametrize("code", WITH_CUTOFF)
def test_cutoff_admits_up_to_the_latest_year_it_states(code: str) -> None:
    """The eligibility decision follows the profile's `inclusive`, whatever it is."""
    profile = PROFILES[code]
    cutoff = built_year_cutoff(profile)
    assert cutoff.latest_year_admitted == (cutoff.year if cutoff.inclusive else cutoff.year - 1)
    assert is_eligible(profile, cutoff.latest_year_admitted).eligible
    assert not is_eligible(profile, cutoff.latest_year_admitted + 1).eligible


@pytest.mark.parametrize("code", WITH_CUTOFF)
def test_cutoff_is_a_platform_reading_citing_the_documents_words(code: str) -> None:
    """二 "2002年以前建成投入使用" / 四 "建成于2000年以前": 以前 leaves the boundary year open."""
    profile = PROFILES[code]
    cutoff = built_year_cutoff(profile)
    assert cutoff.reading is Reading.PLATFORM
    assert str(cutoff.year) in cutoff.words_zh and "以前" in cutoff.words_zh
    assert cutoff.note is not None and cutoff.words_zh in cutoff.note and "DOMAIN" not in cutoff.note
    assert cutoff.words_zh in cutoff.explanation_en


@pytest.mark.parametrize("code", WITH_CUTOFF)
def test_eligibility_reason_says_which_reading_applies(code: str) -> None:
    profile = PROFILES[code]
    cutoff = built_year_cutoff(profile)
    decision = is_eligible(profile, cutoff.latest_year_admitted + 1)
    (reason,) = decision.reasons
    assert reason.code == "built-year"
    assert cutoff.explanation_en in reason.message
    assert ("excluding" if not cutoff.inclusive else "including") in reason.message
    assert "office to confirm" in reason.message


@pytest.mark.parametrize("code", WITH_CUTOFF)
def test_flipping_the_cutoff_needs_no_code(code: str, tmp_path: Path) -> None:
    def flip(data: dict[str, Any]) -> None:
        rule = data["eligibility"]["built_before"]
        rule["inclusive"] = not rule["inclusive"]

    before = built_year_cutoff(PROFILES[code])
    after = built_year_cutoff(load_mutated(tmp_path, code, flip))
    assert after.inclusive is not before.inclusive
    assert abs(after.latest_year_admitted - before.latest_year_admitted) == 1
    assert ("including" if after.inclusive else "excluding") in after.explanation_en


def test_no_cutoff_is_absent_not_guessed() -> None:
    for code in sorted(set(PROFILES) - set(WITH_CUTOFF)):
        with pytest.raises(RuleAbsentError, match=code):
            built_year_cutoff(PROFILES[code])


# --- every platform reading is listed ------------------------------------------------------------


def test_platform_readings_list_the_award_basis_and_the_cutoffs() -> None:
    """The office sees every choice this platform made, from the data."""
    listed = {code: {r.path for r in platform_readings(p)} for code, p in PROFILES.items()}
    assert "funding.award" in listed["zhengzhou-2019"]
    for code in WITH_CUTOFF:
        assert "eligibility.built_before" in listed[code]
    for code, profile in PROFILES.items():
        for reading in platform_readings(profile):
            assert reading.clause is not None, f"{code} {reading.path}"
            assert reading.note, f"{code} {reading.path}: a platform reading must say why"


def test_award_basis_reading_is_listed_with_its_clause() -> None:
    profile = PROFILES["zhengzhou-2019"]
    (award,) = [r for r in platform_readings(profile) if r.path == "funding.award"]
    assert award.field == "basis_reading"
    assert award.clause == award_rule(profile).clause


def test_a_document_reading_is_not_listed(tmp_path: Path) -> None:
    def confirm(data: dict[str, Any]) -> None:
        data["eligibility"]["built_before"]["reading"] = "document"

    profile = load_mutated(tmp_path, "kaifeng-2019", confirm)
    assert "eligibility.built_before" not in {r.path for r in platform_readings(profile)}


# --- jurisdictions left out on purpose -----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "clause"),
    [("zhengzhou-2018", "二"), ("kaifeng-2019", "四")],
)
def test_left_out_zones_are_documented_choices(code: str, clause: str) -> None:
    """Zhengzhou 2018's development zones and Kaifeng's 城乡一体化示范区 stay out, on purpose."""
    jurisdiction = PROFILES[code].jurisdiction
    assert jurisdiction.clause == clause
    assert jurisdiction.left_out
    for area in jurisdiction.left_out:
        assert area.kind is AreaKind.DEVELOPMENT_ZONE
        assert area.reading is Reading.PLATFORM and "on purpose" in area.reason
        assert jurisdiction.district(area.code) is None
        assert not is_eligible(PROFILES[code], 1990, district=area.code).eligible


# --- quoted words are the document's own ---------------------------------------------------------


def _quoted(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            child = getattr(value, name)
            if name in QUOTED and isinstance(child, str):
                yield f"{path}.{name}", child
            else:
                yield from _quoted(child, f"{path}.{name}")
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            yield from _quoted(item, f"{path}[{i}]")


def _normalised(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(_PUNCTUATION)


@pytest.mark.parametrize("code", sorted(PROFILES))
def test_quoted_words_appear_in_the_source_document(code: str) -> None:
    """Every `words_zh`, `qualifier_zh`, `condition_zh` and `accountability_zh` is verbatim."""
    files = sorted(SEEDS.glob(f"{SEED_PREFIX[code]}_*.txt")) if SEEDS.is_dir() else []
    if not files:
        pytest.skip("the source documents (../shared/seeds) are not beside this checkout")
    text = _normalised(files[0].read_text(encoding="utf-8"))
    quoted = list(_quoted(PROFILES[code]))
    assert quoted
    for path, words in quoted:
        assert _normalised(words) in text, f"{code}{path}: {words!r} is not in the document"


def test_kaifeng_mapping_reading_cites_the_duty_clause() -> None:
    """七(二) 分别牵头 is where the departments are named, not 五 where the items are."""
    readings = [r for r in platform_readings(PROFILES["kaifeng-2019"]) if r.field == "responsibility_reading"]
    assert readings and {r.clause for r in readings} == {"七(二)"}
