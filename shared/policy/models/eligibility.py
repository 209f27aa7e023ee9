"""Which communities a programme admits: a built-before year, coded exclusions, soft conditions.

"2002年以前建成投入使用" does not say whether 2002 itself is in, so `BuiltBefore.inclusive` has no
default: every profile must state how it reads the year, quote the words it read
(`words_zh`) and say whether the reading is the document's or this platform's (`reading`).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from shared.policy.models.base import Cited, Frozen, Named, Reading, Text

__all__ = [
    "BuiltBefore",
    "Condition",
    "Eligibility",
    "Exclusion",
]


class BuiltBefore(Cited):
    """The built-year cut-off: communities built before `year` (in `year` too when `inclusive`).

    `inclusive` is the named parameter the office confirms or flips; `words_zh` quotes the
    document's own words so the reader sees what was read.
    """

    year: int = Field(ge=1900, le=2100)
    inclusive: bool
    words_zh: Text
    reading: Reading = Reading.DOCUMENT

    @property
    def latest_year_admitted(self) -> int:
        """The last completion year the rule admits (2001 for "before 2002", exclusive)."""
        return self.year if self.inclusive else self.year - 1

    def admits(self, built_year: int) -> bool:
        """Whether a community completed in `built_year` meets the rule.

        Args:
            built_year: the year the community was completed.

        Returns:
            True for a year up to `latest_year_admitted`.
        """
        return built_year <= self.year if self.inclusive else built_year < self.year


class Exclusion(Cited, Named):
    """A coded reason the plan keeps a community out, e.g. `shanty-town-programme`."""


class Condition(Cited, Named):
    """A qualitative requirement a person must confirm (e.g. residents want the renovation)."""


class Eligibility(Frozen):
    """The admission rules; any part the plan does not state is absent."""

    built_before: BuiltBefore | None = None
    exclusions: tuple[Exclusion, ...] = ()
    conditions: tuple[Condition, ...] = ()

    @model_validator(mode="after")
    def _unique_codes(self) -> Eligibility:
        for name in ("exclusions", "conditions"):
            seen: set[str] = set()
            for i, rule in enumerate(getattr(self, name)):
                if rule.code in seen:
                    raise ValueError(f"{name}[{i}].code: duplicate code {rule.code!r}")
                seen.add(rule.code)
        return self
