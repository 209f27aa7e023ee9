"""Funding's commands and event handlers, one module per feature; the subscription table is here.

`funding_subscriptions(profiles)` builds the table around a profile lookup, so a test (or a
deployment) can hand the handlers other programme profiles without editing code.
"""

from __future__ import annotations

from functools import partial

from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain.programmes import ProfileLookup, bundled_profile
from services.funding.handlers import awards
from services.funding.handlers.plans import plan_handlers
from services.funding.handlers.property_subsidy import record_takeover
from services.funding.handlers.readiness import on_accepted, readiness_handlers
from shared.bus.subscriptions import ReceivedEvent, Subscriptions
from shared.contracts.registry import FinalAccountsAudited, ProjectAccepted, PropertyTakenOver


async def _accepted(
    session: AsyncSession, event: ReceivedEvent[ProjectAccepted], profiles: ProfileLookup
) -> None:
    """Acceptance proposes the award and completes the project in the central-fund read model."""
    await awards.propose_award_on_acceptance(session, event, profiles=profiles)
    await on_accepted(session, event)


def funding_subscriptions(profiles: ProfileLookup = bundled_profile) -> Subscriptions:
    """Funding's subscription table with handlers bound to `profiles`."""
    return Subscriptions(
        {
            ProjectAccepted: partial(_accepted, profiles=profiles),
            FinalAccountsAudited: partial(awards.true_up_on_audit, profiles=profiles),
            PropertyTakenOver: record_takeover,
            **plan_handlers(profiles),  # type: ignore[dict-item]
            **readiness_handlers(),  # type: ignore[dict-item]
        }
    )


SUBSCRIPTIONS = funding_subscriptions()
