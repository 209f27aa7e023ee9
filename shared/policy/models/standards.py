"""Named checklists a plan sets as the standard of a renovated community or area.

Zhengzhou 2019's ten goals (十项目标, 一(三)) and Zhengzhou 2018's nine "musts" (九个"要"), ten
"nos" (十无) and metering and cabling rules (三(九)) are lists a person checks item by item;
they carry no number to measure, so they are not indicators.
"""

from __future__ import annotations

from pydantic import model_validator

from shared.policy.models.base import Cited, Named, Strictness, Text

__all__ = [
    "Standard",
    "StandardItem",
]


class StandardItem(Named):
    """One item of a checklist, in the plan's words (`name_zh`)."""


class Standard(Cited, Named):
    """A checklist; `strictness` keeps the plan's qualifier (基本达到 → in principle)."""

    applies_to_zh: Text | None = None
    strictness: Strictness = Strictness.MANDATORY
    qualifier_zh: Text | None = None
    items: tuple[StandardItem, ...]

    @model_validator(mode="after")
    def _unique(self) -> Standard:
        codes = [item.code for item in self.items]
        if not codes:
            raise ValueError("items: a standard needs at least one item")
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"items: duplicate item codes {duplicates}")
        return self
