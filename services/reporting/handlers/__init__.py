"""Reporting's commands and event handlers by feature; the subscription table, stated once."""

from __future__ import annotations

from services.reporting.handlers.projections import (
    add_approved_award,
    count_accepted_project,
    count_registered_project,
)
from shared.bus.subscriptions import Subscriptions
from shared.contracts.funding import SubsidyApproved
from shared.contracts.registry import ProjectAccepted, ProjectRegistered

__all__ = ["SUBSCRIPTIONS"]

SUBSCRIPTIONS = Subscriptions(
    {
        ProjectRegistered: count_registered_project,
        ProjectAccepted: count_accepted_project,
        SubsidyApproved: add_approved_award,
    }
)
