"""The bodies a plan names: its leading-group office, city departments and utility companies.

Department and utility codes are the directory's stable codes (shared/directory/seed.yaml);
`name_zh` keeps the plan's own wording (市城管局 in 2019, 市城管委 in 2018) for the reader.
"""

from __future__ import annotations

from shared.policy.models.base import Cited, Code, Named, Text

__all__ = [
    "DepartmentRef",
    "Office",
    "UtilityRef",
]


class Office(Cited, Named):
    """The leading-group office (or headquarters office) that runs the programme day to day.

    `host` is the department or district code the office sits in, when the plan says.
    """

    host: Code | None = None


class DepartmentRef(Cited):
    """A city department the plan gives duties to; `clause` is where its duties are set."""

    code: Code
    name_zh: Text
    duties_zh: Text | None = None


class UtilityRef(Cited):
    """A kind of utility company (专业经营单位) the plan gives duties to."""

    code: Code
    name_zh: Text
