"""Funding's commands and event handlers, one module per feature; the subscription table is here.

`funding_subscriptions(profiles)` builds the table around a profile lookup, so a test (or a
deployment) can hand the handlers other programme profiles without editing code.
"""

from __future__ import annotations

from functools import partial

from services.funding.domain.programmes import ProfileLookup, bundled_profile
from services.funding.handlers import awards
from services.funding.handlers.plans import plan_handlers
from services.funding.handlers.property_subsidy import record_takeover
from shared.bus.subscriptions import Subscriptions
from shared.contracts.registry import FinalAccountsAudited, ProjectAccepted, PropertyTakenOver


def funding_subscriptions(profiles: ProfileLookup = bundled_profile) -> Subscriptions:
    """Funding's subscription table with handlers bound to `profiles`."""
    return Subscriptions(
        {
            ProjectAccepted: partial(awards.propose_award_on_acceptance, profiles=profiles),
            FinalAccountsAudited: partial(awards.true_up_on_audit, profiles=profiles),
            PropertyTakenOver: record_takeover,
            **plan_handlers(profiles),  # type: ignore[dict-item]
        }
    )


SUBSCRIPTIONS = funding_subscriptions()
