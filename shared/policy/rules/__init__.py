"""Pure rule functions over a `ProgrammeProfile`: no I/O, no clock, no database."""

from shared.policy.rules.catalogue import (
    catalogue_item,
    items_for_department,
    items_in_category,
    responsible_departments,
    responsible_utilities,
)
from shared.policy.rules.eligibility import EligibilityCheck, EligibilityDecision, is_eligible
from shared.policy.rules.funding import (
    award_applies,
    award_approver,
    award_basis,
    award_fen,
    award_payer,
    award_rule,
    award_true_up_fen,
    award_trued_up_on_audit,
    minimum_subsidy_fen,
    property_subsidy_fen,
    subsidy_rule,
)
from shared.policy.rules.lifecycle import first_step, next_stage, next_steps, stage_codes
from shared.policy.rules.supervision import (
    cumulative_target_share,
    deadlines,
    indicator,
    indicator_threshold,
    meets_indicator,
    target_share,
    weekly_report_weekday,
    yearly_targets,
)

__all__ = [
    "EligibilityCheck",
    "EligibilityDecision",
    "award_applies",
    "award_approver",
    "award_basis",
    "award_fen",
    "award_payer",
    "award_rule",
    "award_true_up_fen",
    "award_trued_up_on_audit",
    "catalogue_item",
    "cumulative_target_share",
    "deadlines",
    "first_step",
    "indicator",
    "indicator_threshold",
    "is_eligible",
    "items_for_department",
    "items_in_category",
    "meets_indicator",
    "minimum_subsidy_fen",
    "next_stage",
    "next_steps",
    "property_subsidy_fen",
    "responsible_departments",
    "responsible_utilities",
    "stage_codes",
    "subsidy_rule",
    "target_share",
    "weekly_report_weekday",
    "yearly_targets",
]
