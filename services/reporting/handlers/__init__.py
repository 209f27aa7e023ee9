"""Reporting's commands and event handlers by feature; the subscription table, stated once."""

from __future__ import annotations

from services.reporting.handlers.ledger import (
    count_reassessed_community,
    count_registered_community,
    note_classification,
)
from services.reporting.handlers.projections import (
    add_approved_award,
    add_award_adjustment,
    add_disbursement,
    count_accepted_project,
    count_closed_project,
    count_completed_project,
    count_failed_acceptance,
    count_lagging_notice,
    count_missed_deadline,
    count_overdue_report,
    count_pipeline_assigned,
    count_pipeline_completed,
    count_pipeline_exemption,
    count_pipeline_started,
    count_rectification,
    count_registered_project,
    count_review_passed,
    count_safety_patrol,
    count_started_project,
    count_takeover,
    count_tendered_project,
    revise_planned_investment,
    subtract_reversed_disbursement,
)
from shared.bus.subscriptions import Subscriptions
from shared.contracts.funding import (
    SubsidyAdjusted,
    SubsidyApproved,
    SubsidyDisbursed,
    SubsidyDisbursementReversed,
)
from shared.contracts.registry import (
    AcceptanceFailed,
    CommunityClassified,
    CommunityReassessed,
    CommunityRegistered,
    ConstructionCompleted,
    ConstructionStarted,
    PipelineWorkAssigned,
    PipelineWorkCompleted,
    PipelineWorkExempted,
    PipelineWorkStarted,
    PlanApproved,
    ProjectAccepted,
    ProjectClosed,
    ProjectRegistered,
    PropertyTakenOver,
    RectificationCompleted,
    ReviewPassed,
    SafetyPatrolRecorded,
    StepDeadlineMissed,
    TenderAwarded,
)
from shared.contracts.reporting import DistrictLagging, WeeklyReportOverdue

__all__ = ["SUBSCRIPTIONS"]

SUBSCRIPTIONS = Subscriptions(
    {
        ProjectRegistered: count_registered_project,
        ReviewPassed: count_review_passed,
        PlanApproved: revise_planned_investment,
        TenderAwarded: count_tendered_project,
        ConstructionStarted: count_started_project,
        ConstructionCompleted: count_completed_project,
        AcceptanceFailed: count_failed_acceptance,
        RectificationCompleted: count_rectification,
        ProjectAccepted: count_accepted_project,
        PropertyTakenOver: count_takeover,
        ProjectClosed: count_closed_project,
        SubsidyApproved: add_approved_award,
        SubsidyAdjusted: add_award_adjustment,
        SubsidyDisbursed: add_disbursement,
        SubsidyDisbursementReversed: subtract_reversed_disbursement,
        WeeklyReportOverdue: count_overdue_report,
        DistrictLagging: count_lagging_notice,
        SafetyPatrolRecorded: count_safety_patrol,
        StepDeadlineMissed: count_missed_deadline,
        PipelineWorkAssigned: count_pipeline_assigned,
        PipelineWorkStarted: count_pipeline_started,
        PipelineWorkCompleted: count_pipeline_completed,
        PipelineWorkExempted: count_pipeline_exemption,
        CommunityRegistered: count_registered_community,
        CommunityReassessed: count_reassessed_community,
        CommunityClassified: note_classification,
    }
)
