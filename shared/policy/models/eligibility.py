"""Which communities a programme admits: a built-before year, coded exclusions, soft conditions.

"2002年以前建成" does not say whether 2002 itself is in, so `BuiltBefore.inclusive` has no default:
every profile must state how it reads the year.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from shared.policy.models.base import Cited, Frozen, Named


class BuiltBefore(Cited):
    """Communities must be built before `year`; `inclusive` admits communities built in `year`."""

    year: int = Field(ge=1900, le=2100)
    inclusive: bool

    def admits(self, built_year: int) -> bool:
        """Whether a community completed in `built_year` meets the rule."""
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
