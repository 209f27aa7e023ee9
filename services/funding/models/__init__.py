"""Funding's tables and API shapes, one module per feature."""

from services.funding.models.awards import (
    Award,
    AwardAdjustment,
    AwardAdjustmentPublic,
    AwardPublic,
    NoAward,
    NoAwardPublic,
)
from services.funding.models.disbursements import (
    Tranche,
    TrancheCreate,
    TrancheKind,
    TranchePublic,
    TrancheReversalCreate,
)
from services.funding.models.journal import (
    JournalEntry,
    JournalEntryPublic,
    ProjectBalances,
    Reconciliation,
)

__all__ = [
    "Award",
    "AwardAdjustment",
    "AwardAdjustmentPublic",
    "AwardPublic",
    "JournalEntry",
    "JournalEntryPublic",
    "NoAward",
    "NoAwardPublic",
    "ProjectBalances",
    "Reconciliation",
    "Tranche",
    "TrancheCreate",
    "TrancheKind",
    "TranchePublic",
    "TrancheReversalCreate",
]
