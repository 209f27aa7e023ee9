"""Funding's inputs for handler tests: registry events, callers, and commands run in a harness."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import uuid4

from services.funding.domain.journal import Posting
from services.funding.domain.programmes import ProfileLookup, bundled_profile
from services.funding.handlers import awards, disbursements, funding_subscriptions, journal, sheets, totals
from services.funding.models import Award, JournalEntry, TrancheCreate, TrancheReversalCreate
from services.funding.models.totals import TotalsBy
from shared.access import OrganisationKind, Principal, Scope
from shared.contracts.registry import (
    FinalAccountsAudited,
    PlanItem,
    PlanSubmitted,
    ProjectAccepted,
    PropertyTakenOver,
)
from tests.handlers.harness import ServiceHarness

PROGRAMME = "zhengzhou-2019"
JINSHUI = "zz-jinshui"
PLANNED, ACCEPTED, AUDITED = 500_000_00, 480_000_00, 450_000_01


def accepted(**overrides: Any) -> ProjectAccepted:
    fields: dict[str, Any] = {
        "project_id": uuid4(),
        "community_id": uuid4(),
        "district_code": JINSHUI,
        "programme_code": PROGRAMME,
        "investment_fen": PLANNED,
        "accepted_investment_fen": ACCEPTED,
        "accepted_on": date(2026, 11, 18),
        **overrides,
    }
    return ProjectAccepted(**fields)


def taken_over(**overrides: Any) -> PropertyTakenOver:
    """The registry's takeover of a Jinshui project (the property subsidy starts from it)."""
    fields: dict[str, Any] = {
        "project_id": uuid4(),
        "community_id": uuid4(),
        "district_code": JINSHUI,
        "programme_code": PROGRAMME,
        "taken_over_on": date(2026, 8, 15),
        "mode": "professional",
        "manager": "郑州某物业服务有限公司",
        **overrides,
    }
    return PropertyTakenOver(**fields)


def plan(cls: type, project_id: uuid.UUID, version: int, items: dict[str, int], **overrides: Any) -> Any:
    day = {"submitted_on": date(2026, 3, 1)} if cls is PlanSubmitted else {"approved_on": date(2026, 3, 9)}
    fields = {
        "project_id": project_id,
        "community_id": uuid4(),
        "district_code": JINSHUI,
        "programme_code": PROGRAMME,
        "version": version,
        "items": [PlanItem(item_code=code, investment_fen=fen) for code, fen in items.items()],
        "investment_fen": sum(items.values()),
        **day,
        **overrides,
    }
    return cls(**fields)


def audited(of: ProjectAccepted, audited_fen: int = AUDITED, **overrides: Any) -> FinalAccountsAudited:
    fields: dict[str, Any] = {
        "project_id": of.project_id,
        "community_id": of.community_id,
        "district_code": of.district_code,
        "programme_code": of.programme_code,
        "audited_investment_fen": audited_fen,
        "audited_on": date(2026, 11, 19),
        **overrides,
    }
    return FinalAccountsAudited(**fields)


def department(code: str = "finance") -> Principal:
    return Principal(
        subject=f"{code}-clerk",
        org_code=code,
        org_kind=OrganisationKind.DEPARTMENT,
        scopes=frozenset({Scope.FUNDING_READ, Scope.FUNDING_APPROVE}),
    )


def district(code: str = JINSHUI) -> Principal:
    return Principal(
        subject="clerk",
        org_code=code,
        org_kind=OrganisationKind.DISTRICT,
        district_code=code,
        scopes=frozenset({Scope.FUNDING_READ}),
    )


FINANCE = department("finance")


class Funding:
    """The funding service's handlers in a harness, with the profile lookup they were given."""

    def __init__(self, harness: ServiceHarness, profiles: ProfileLookup) -> None:
        self.harness = harness
        self.profiles = profiles

    async def award_of(self, project_id: uuid.UUID) -> Award:
        (award,) = await self.harness.run(lambda s: awards.list_awards(s, FINANCE, project_id))
        return award

    async def approve(self, award_id: uuid.UUID, actor: Principal = FINANCE) -> Award:
        now = self.harness.clock.now()
        return await self.harness.run(lambda s: awards.approve_award(s, actor, award_id, now, self.profiles))

    async def pay(
        self,
        award_id: uuid.UUID,
        amount_fen: int,
        paid_on: date = date(2026, 11, 20),
        actor: Principal = FINANCE,
    ) -> Any:
        body = TrancheCreate(amount_fen=amount_fen, paid_on=paid_on)
        now = self.harness.clock.now()
        return await self.harness.run(
            lambda s: disbursements.pay_tranche(s, actor, award_id, body, now, self.profiles)
        )

    async def reverse(self, tranche_id: uuid.UUID, actor: Principal = FINANCE) -> Any:
        body = TrancheReversalCreate(reason="paid to the wrong account", reversed_on=date(2026, 11, 20))
        now = self.harness.clock.now()
        return await self.harness.run(
            lambda s: disbursements.reverse_tranche(s, actor, tranche_id, body, now, self.profiles)
        )

    async def sheet(self, project_id: uuid.UUID, actor: Principal = FINANCE) -> Any:
        return await self.harness.run(lambda s: sheets.project_funding(s, actor, project_id))

    async def reconciliation(self, actor: Principal = FINANCE) -> Any:
        return await self.harness.run(lambda s: journal.reconcile(s, actor, self.harness.clock.now()))

    async def post_by_hand(self, posting: Posting, project_id: uuid.UUID, district_code: str) -> None:
        """One journal row no command wrote (no award, a fresh reference): what the checks must catch."""
        now = self.harness.clock.now()
        row = JournalEntry(
            project_id=project_id,
            district_code=district_code,
            award_id=None,
            movement=posting.movement,
            debit_account=posting.debit,
            credit_account=posting.credit,
            amount_fen=posting.amount_fen,
            reference_id=uuid.uuid4(),
            posted_at=now,
        )

        async def add(session: Any) -> None:
            session.add(row)

        await self.harness.run(add)

    async def totals(self, by: TotalsBy = TotalsBy.DISTRICT, actor: Principal = FINANCE) -> Any:
        return await self.harness.run(lambda s: totals.totals(s, actor, by))

    async def accepted_and_approved(self, **overrides: Any) -> tuple[ProjectAccepted, Award]:
        event = accepted(**overrides)
        await self.harness.deliver(event)
        award = await self.approve((await self.award_of(event.project_id)).id)
        return event, award


async def start_funding(harness_for: Any, profiles: ProfileLookup = bundled_profile) -> Funding:
    harness = await harness_for("funding", funding_subscriptions(profiles))
    return Funding(harness, profiles)
