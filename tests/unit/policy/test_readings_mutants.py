"""Where each platform reading sits in a profile, down to the list index, and its note."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from policy_helpers import load_mutated

from shared.policy import get_profile, platform_readings


def test_readings_inside_lists_are_addressed_by_index() -> None:
    """Kaifeng: the 城乡一体化示范区 left out (四), items 26 养老抚幼 and 29 文化健身 (七(二)'s 分别, the
    26th and 29th entries) and both action requests; the office finds each by its path."""
    found = [(r.path, r.field, r.clause) for r in platform_readings(get_profile("kaifeng-2019"))]
    assert found == [
        ("jurisdiction.left_out[0]", "reading", "四"),
        ("eligibility.built_before", "reading", "四"),
        ("catalogue.items[25]", "responsibility_reading", "七(二)"),
        ("catalogue.items[28]", "responsibility_reading", "七(二)"),
        ("lifecycle.permit_exemption", "reading", "六(四)"),
        ("funding.central_subsidy.ranking", "reading", "七(三)"),
        ("supervision.deadline_target", "reading", "三"),
        ("supervision.evaluation", "reading", "七(七)"),
        ("action_requests[0]", "reading", "七(二)"),
        ("action_requests[1]", "reading", "七(二)"),
    ]


def test_a_left_out_area_gives_its_reason_as_the_note() -> None:
    (left_out,) = [
        r for r in platform_readings(get_profile("kaifeng-2019")) if r.path.startswith("jurisdiction")
    ]
    assert left_out.note == get_profile("kaifeng-2019").jurisdiction.left_out[0].reason


def test_a_reading_without_a_note_is_still_listed_with_none(tmp_path: Path) -> None:
    """A rule that carries no reason field and has lost its note is listed, not a crash."""

    def drop_note(data: dict[str, Any]) -> None:
        del data["lifecycle"]["permit_exemption"]["note"]

    profile = load_mutated(tmp_path, "kaifeng-2019", drop_note)
    (exemption,) = [r for r in platform_readings(profile) if r.path == "lifecycle.permit_exemption"]
    assert exemption.note is None
    assert exemption.clause == "六(四)"
