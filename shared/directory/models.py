"""An organisation the platform routes work to: an office, a department, a district, a street
office or a utility company. Codes are stable; a service stores these later.

Why one model for all five kinds: routing, access rules and notifications address "an
organisation by code" whatever its kind; the kind says what it may do.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import model_validator

from shared.policy.models.base import Code, Frozen, Text

__all__ = ["Organisation", "OrganisationKind"]


class OrganisationKind(StrEnum):
    """What kind of body an organisation is; access rules and routing depend on it."""

    OFFICE = "office"  # leading-group office (领导小组办公室) / headquarters office
    DEPARTMENT = "department"  # a city department (财政局, 城管局 …)
    DISTRICT = "district"  # a district, county, county-level city or development zone
    STREET_OFFICE = "street_office"  # 街道办事处, under a district
    UTILITY = "utility"  # a kind of utility company (专业经营单位)


class Organisation(Frozen):
    """One organisation of the directory (frozen; unknown fields refused).

    Attributes:
        code: its stable code, e.g. ``kf-gulou`` (a district) or ``finance``.
        kind: what kind of body it is.
        name_zh: its name as the plans write it.
        name_en: an English name for the API and logs.
        parent_code: a street office's district (required for street offices); an office's host
            department or district; None otherwise. Never the organisation's own code.
    """

    code: Code
    kind: OrganisationKind
    name_zh: Text
    name_en: Text
    parent_code: Code | None = None

    @model_validator(mode="after")
    def _parent(self) -> Organisation:
        if self.kind is OrganisationKind.STREET_OFFICE and self.parent_code is None:
            raise ValueError("parent_code: a street office needs its district's code")
        if self.parent_code == self.code:
            raise ValueError("parent_code: an organisation cannot be its own parent")
        return self
