"""The organisation directory: seeded from the programme profiles, extended by the office.

The registry keeps it because the ledger is where organisations first matter (districts and
street offices own communities); other services learn who a caller is from the token.
"""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.models.directory import Organisation, OrganisationCreate
from shared import audit
from shared.access import Principal
from shared.clock import utcnow
from shared.directory import OrganisationKind, seed_directory
from shared.errors import ConflictError, FieldProblem, NotFoundError, RuleViolation
from shared.policy import bundled_profiles


async def seed_organisations(session: AsyncSession) -> int:
    """Insert the organisations the profiles name that the table lacks; returns how many."""
    existing = set((await session.exec(select(Organisation.code))).all())
    added = 0
    for org in seed_directory(bundled_profiles()):
        if org.code not in existing:
            session.add(Organisation(**org.model_dump(), source="seed", created_at=utcnow()))
            added += 1
    return added


async def add_organisation(
    session: AsyncSession, actor: Principal, command: OrganisationCreate
) -> Organisation:
    """Add an organisation (office only); a street office must name an existing district."""
    if await session.get(Organisation, command.code) is not None:
        raise ConflictError(
            f"organisation {command.code} exists",
            [FieldProblem("code", "unique", "choose another code")],
        )
    if command.kind is OrganisationKind.STREET_OFFICE:
        parent = await session.get(Organisation, command.parent_code) if command.parent_code else None
        if parent is None or parent.kind != OrganisationKind.DISTRICT:
            raise RuleViolation(
                "a street office belongs to an existing district",
                [FieldProblem("parent_code", "existing_district", "give the district's code")],
            )
    org = Organisation.model_validate(command, update={"source": "admin", "created_at": utcnow()})
    session.add(org)
    audit.record(
        session,
        actor,
        "organisation.added",
        "organisation",
        org.code,
        after=command.model_dump(mode="json"),
    )
    return org


async def list_organisations(session: AsyncSession, kind: OrganisationKind | None) -> list[Organisation]:
    query = select(Organisation).order_by(col(Organisation.kind), col(Organisation.code))
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    return list((await session.exec(query)).all())


async def get_organisation(session: AsyncSession, code: str) -> Organisation:
    org = await session.get(Organisation, code)
    if org is None:
        raise NotFoundError(f"no organisation {code}")
    return org
