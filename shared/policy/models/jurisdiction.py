"""Where a programme applies: the city, its districts and counties, and how each takes part.

Zhengzhou 2019 binds the five inner districts and lets other areas follow it "by reference" at
their own cost (二); that difference decides who may claim the city award, so it is data here.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import model_validator

from shared.policy.models.base import Cited, Named, Reading

__all__ = [
    "AreaKind",
    "City",
    "District",
    "Jurisdiction",
    "LeftOut",
    "Participation",
    "StreetOffice",
]


class AreaKind(StrEnum):
    """The administrative kind of a county-level area (all are `district` in the directory)."""

    DISTRICT = "district"
    COUNTY = "county"
    COUNTY_CITY = "county_city"
    DEVELOPMENT_ZONE = "development_zone"


class Participation(StrEnum):
    """`mandatory`: the plan binds the area; `by_reference`: it may follow the plan (参照执行)."""

    MANDATORY = "mandatory"
    BY_REFERENCE = "by_reference"


class StreetOffice(Named):
    """A street office (街道办事处) the plan names; codes are stable like district codes."""


class District(Named):
    """A county-level area in the programme's jurisdiction, e.g. `zz-jinshui` 金水区."""

    kind: AreaKind = AreaKind.DISTRICT
    participation: Participation = Participation.MANDATORY
    self_funded: bool = False
    street_offices: tuple[StreetOffice, ...] = ()


class LeftOut(Named):
    """An area the plan may cover that this profile leaves out on purpose, and why (`reason`).

    Kept as data so the choice is visible to the office (and the API), not buried in a comment.
    """

    kind: AreaKind
    reason: str
    reading: Reading = Reading.PLATFORM


class City(Named):
    """The city whose government issued (or whose district issued) the plan."""


class Jurisdiction(Cited):
    """The areas in scope; `clause` is where the plan sets its scope."""

    city: City
    districts: tuple[District, ...]
    left_out: tuple[LeftOut, ...] = ()

    @model_validator(mode="after")
    def _unique_codes(self) -> Jurisdiction:
        if not self.districts:
            raise ValueError("districts: a jurisdiction needs at least one district")
        seen: set[str] = set()
        for i, district in enumerate(self.districts):
            if district.code in seen:
                raise ValueError(f"districts[{i}].code: duplicate district code {district.code!r}")
            seen.add(district.code)
            for j, office in enumerate(district.street_offices):
                if office.code in seen:
                    raise ValueError(
                        f"districts[{i}].street_offices[{j}].code: duplicate code {office.code!r}"
                    )
                seen.add(office.code)
        for i, area in enumerate(self.left_out):
            if area.code in seen:
                raise ValueError(f"left_out[{i}].code: {area.code!r} is both in scope and left out")
            seen.add(area.code)
        return self

    def district(self, code: str) -> District | None:
        """The district with this code, or None when it is outside the jurisdiction.

        Args:
            code: a district code, e.g. ``zz-jinshui``.

        Returns:
            The district (with its kind, participation and street offices), or None.
        """
        return next((d for d in self.districts if d.code == code), None)
