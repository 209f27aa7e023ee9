"""Programme routes: each bundled plan's rules as JSON, every rule with the clause it comes from.

Read from `shared.policy` (the one home of programme rules) and restating none of them, so a
department integrator can check what the platform applies against the document. Any
authenticated organisation reads them: the plans are public documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from shared.errors import NotFound
from shared.policy import Cited, ProgrammeProfile, bundled_profiles, platform_readings
from shared.web.auth import CurrentPrincipal

__all__ = ["CitedRule", "ProgrammeRules", "ProgrammeReading", "ProgrammeSummary", "cited_rules", "router"]

router = APIRouter(tags=["programmes"])

# Who the plan names (the directory's data), not rules; walked only when asked for.
_PARTIES = frozenset({"office", "departments", "utilities", "jurisdiction"})


class ProgrammeSummary(BaseModel):
    """One programme: the document it is read from and how many cited rules its profile holds."""

    code: str = Field(description="Stable programme code, e.g. `zhengzhou-2019`.")
    name_zh: str
    name_en: str
    document_number: str = Field(description="The document's number, e.g. 郑政办〔2019〕25号.")
    issuer_zh: str
    issuer_en: str
    issued_on: date
    year: int
    rule_count: int = Field(description="How many cited rules `GET /programmes/{code}` lists.")


class CitedRule(BaseModel):
    """One rule of the profile and where the plan states it."""

    path: str = Field(description="Where the rule sits in `profile`, e.g. `funding.award`.")
    kind: str = Field(description="The rule's model, e.g. `Award`, `Stage`, `WeeklyReport`.")
    clause: str = Field(description="The clause of the document, e.g. `五(一)` or `三(一)1`.")
    see_also: list[str] = Field(description="Further clauses the rule draws on.")
    note: str | None = Field(description="How an ambiguous sentence was read, when it was.")


class ProgrammeReading(BaseModel):
    """A place where the plan is silent or ambiguous and the platform chose a reading."""

    path: str = Field(description="Where the reading sits in `profile`.")
    field: str = Field(description="The field set to `platform`, e.g. `reading` or `basis_reading`.")
    clause: str | None
    note: str | None = Field(description="Why the platform reads it this way.")


class ProgrammeRules(ProgrammeSummary):
    """A programme's whole profile, an index of its rules with their clause citations, and the
    readings the platform chose where the plan is ambiguous (for the office to confirm)."""

    citations: list[CitedRule]
    platform_readings: list[ProgrammeReading]
    profile: dict[str, Any] = Field(
        description=(
            "The profile as loaded from shared/policy/profiles/<code>.yaml: every rule with its "
            "`clause` (and `see_also`, `note`); ratios and quantities as exact decimal strings."
        )
    )


def cited_rules(profile: ProgrammeProfile, *, with_parties: bool = False) -> Iterator[tuple[str, Cited]]:
    """Every cited rule of the profile with its path, in document-model order.

    Args:
        profile: a loaded programme profile.
        with_parties: also walk the office, departments, utilities and jurisdiction (who the plan
            names rather than what it rules).

    Returns:
        An iterator of (path, rule) pairs, e.g. ("funding.award", Award(...)).
    """

    def walk(obj: Any, path: str) -> Iterator[tuple[str, Cited]]:
        if isinstance(obj, Cited):
            yield path, obj
        if isinstance(obj, BaseModel):
            for name in type(obj).model_fields:
                if path or with_parties or name not in _PARTIES:
                    yield from walk(getattr(obj, name), f"{path}.{name}" if path else name)
        elif isinstance(obj, tuple | list):
            for i, item in enumerate(obj):
                yield from walk(item, f"{path}[{i}]")

    yield from walk(profile, "")


def _summary(profile: ProgrammeProfile) -> dict[str, Any]:
    return {
        "code": profile.code,
        "name_zh": profile.name_zh,
        "name_en": profile.name_en,
        "document_number": profile.document_number,
        "issuer_zh": profile.issuer_zh,
        "issuer_en": profile.issuer_en,
        "issued_on": profile.issued_on,
        "year": profile.year,
        "rule_count": sum(1 for _ in cited_rules(profile, with_parties=True)),
    }


@router.get("/programmes", response_model=list[ProgrammeSummary])
async def list_programmes(_: CurrentPrincipal) -> object:
    """List the programmes whose rules the platform applies."""
    return [_summary(profile) for profile in bundled_profiles().values()]


@router.get("/programmes/{code}", response_model=ProgrammeRules)
async def read_programme(
    code: Annotated[str, Path(max_length=64, description="A programme code from `GET /programmes`.")],
    _: CurrentPrincipal,
) -> object:
    """Read one programme's rules, each with its clause citation."""
    profile = bundled_profiles().get(code)
    if profile is None:
        raise NotFound(f"no programme {code!r}")
    citations = [
        CitedRule(
            path=path,
            kind=type(rule).__name__,
            clause=rule.clause,
            see_also=list(rule.see_also),
            note=rule.note,
        )
        for path, rule in cited_rules(profile, with_parties=True)
    ]
    return {
        **_summary(profile),
        "citations": citations,
        "platform_readings": [reading.model_dump() for reading in platform_readings(profile)],
        "profile": profile.model_dump(mode="json"),
    }
