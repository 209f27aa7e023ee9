"""Dependencies reporting's routes share: the reader and the programme profiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from services.reporting.domain.programmes import (
    MonthlyReportProgramme,
    Profiles,
    ProgrammeCode,
    WeeklyReportProgramme,
)
from shared.access import Principal, Scope
from shared.policy import get_profile
from shared.web.auth import require

Reader = Annotated[Principal, require(Scope.REPORTING_READ)]


async def _profiles() -> Profiles:
    return get_profile


ProfilesDep = Annotated[Profiles, Depends(_profiles)]


CODE_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
"""Programme and district codes as the profiles write them (`shared.policy` `Code`)."""

ProgrammeQuery = Annotated[ProgrammeCode, Query(description="A programme's code.")]
WeeklyReportProgrammeQuery = Annotated[
    WeeklyReportProgramme, Query(description="A programme whose plan asks for weekly reports.")
]
MonthlyReportProgrammeQuery = Annotated[
    MonthlyReportProgramme, Query(description="A programme whose plan asks for monthly reports.")
]
OptionalProgrammeQuery = Annotated[ProgrammeCode | None, Query(description="Only this programme's figures.")]
DistrictPath = Annotated[str, Path(max_length=64, pattern=CODE_PATTERN, description="A district's code.")]
