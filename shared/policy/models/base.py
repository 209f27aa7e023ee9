"""Building blocks every profile model shares: frozen models, citations, codes, ratios.

A profile is read by people checking it against the plan, so each rule carries the clause it
comes from (`Cited.clause`), and the value types refuse what would silently corrupt a rule:
floats for ratios, free text for codes, clause references that do not look like the document's.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "CLAUSE_PATTERN",
    "Cited",
    "Clause",
    "Code",
    "Frozen",
    "Named",
    "Party",
    "Quantity",
    "Ratio",
    "Reading",
    "Strictness",
    "Text",
]

_CN_NUM = "一二三四五六七八九十"
CLAUSE_PATTERN = re.compile(rf"^[{_CN_NUM}]+(\([{_CN_NUM}]+\))?(\d+)?$")
_FULL_WIDTH = str.maketrans({"（": "(", "）": ")", " ": "", "\u3000": ""})


def _clause(value: str) -> str:
    """Normalise full-width brackets and check the reference looks like the document's numbering."""
    text = value.translate(_FULL_WIDTH)
    if not CLAUSE_PATTERN.match(text):
        raise ValueError(
            f"clause {value!r} must be written as the document numbers it, "
            "e.g. '五(一)', '七(二)' or '三(一)1'"
        )
    return text


def _exact_decimal(value: Any) -> Any:
    """Accept Decimal, int or a numeric string; refuse float, which cannot hold 0.40 exactly."""
    if isinstance(value, bool):
        raise ValueError("a ratio or quantity must be a number, not a boolean")
    if isinstance(value, float):
        raise ValueError(
            f'float {value!r} is refused: write ratios and quantities as quoted strings, e.g. "0.40"'
        )
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    return value


#: A reference to a clause of the source document, e.g. "五(一)" or "三(一)1".
Clause = Annotated[str, AfterValidator(_clause)]

#: A share between 0 and 1 inclusive, exact (e.g. "0.40"); never a float.
Ratio = Annotated[Decimal, BeforeValidator(_exact_decimal), Field(ge=0, le=1)]

#: A stable lower-case identifier, e.g. "zz-jinshui", "rain-sewage-separation".
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=64)]

#: An exact non-negative quantity (a count, metres, m², a density); never a float.
Quantity = Annotated[Decimal, BeforeValidator(_exact_decimal), Field(ge=0)]

#: Non-empty text in either language.
Text = Annotated[str, Field(min_length=1)]


class Frozen(BaseModel):
    """Immutable and strict about unknown keys: a typo in a YAML file is an error, not a no-op."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Cited(Frozen):
    """A rule read from the plan: `clause` says where, `note` records how an ambiguity was read.

    `see_also` lists further clauses a rule draws on (Zhongyuan's office is set in 五(二)7 and
    runs the weekly meetings of 六), so a reader checks every sentence the rule rests on.
    """

    clause: Clause
    see_also: tuple[Clause, ...] = ()
    note: str | None = None


class Named(Frozen):
    """Something with a stable code and a Chinese and an English name."""

    code: Code
    name_zh: Text
    name_en: Text


class Reading(StrEnum):
    """Who decided how a rule reads: the document's own words, or this platform for the office.

    `platform` marks a place where the plan is silent or ambiguous and the platform chose a
    reading; the office confirms it (or flips it in the profile) without a code change.
    """

    DOCUMENT = "document"  # the clause says it in so many words
    PLATFORM = "platform"  # this platform's reading, for the office to confirm


class Strictness(StrEnum):
    """How firmly the plan states a rule, in its own word (quoted in `qualifier_zh` where it has one).

    The word matters to supervision: a district below an "原则上" standard explains itself; one
    below a plain "不低于" is in breach; a "可" rule is the district's choice.
    """

    MANDATORY = "mandatory"  # 要 / 必须 / 不低于, no qualifier
    IN_PRINCIPLE = "in_principle"  # 原则上: the rule, unless there is a reason to depart from it
    DISCRETIONARY = "discretionary"  # 可: allowed, not required


class Party(StrEnum):
    """Who, by level or role, a rule puts in charge: the plans speak of 各区, 街道办事处, 各单位…"""

    CITY = "city"
    DISTRICT = "district"
    STREET_OFFICE = "street_office"
    TOWNSHIP = "township"  # 乡镇人民政府 (Kaifeng's counties)
    DEPARTMENT = "department"
    UTILITY = "utility"
    OFFICE = "office"
