"""A plan's items must come from the programme's catalogue (menu-style), each once."""

from __future__ import annotations

from collections.abc import Sequence

from shared.errors import FieldProblem, RuleViolation
from shared.policy import ProgrammeProfile, UnknownItemError, catalogue_item


def check_items(
    profile: ProgrammeProfile, item_codes: Sequence[str | None], field: str = "items", *, unique: bool = True
) -> None:
    """Refuse an item the programme's catalogue lacks, or (with `unique`) an item listed twice.

    `item_codes` are in the body's order, None where an entry names no item, so a problem's index
    is the entry's place in the body as the client sent it. Defects pass `unique=False`: an
    inspection may find several defects in one item.

    Raises:
        RuleViolation: naming `<field>.<index>.item_code` and the rule.
    """
    problems = []
    seen: set[str] = set()
    for index, code in enumerate(item_codes):
        if code is None:
            continue
        try:
            catalogue_item(profile, code)
        except UnknownItemError:
            problems.append(
                FieldProblem(
                    f"{field}.{index}.item_code", "catalogue_item", f"{profile.code} has no item {code!r}"
                )
            )
        if unique and code in seen:
            problems.append(FieldProblem(f"{field}.{index}.item_code", "unique", f"{code!r} is listed twice"))
        seen.add(code)
    if problems:
        raise RuleViolation("the items must come from the programme's catalogue, once each", problems)
