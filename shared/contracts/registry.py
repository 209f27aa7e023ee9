"""Events the registry publishes on `registry.events`, keyed by project id."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import EventPayload
from shared.contracts.topics import REGISTRY_EVENTS

__all__ = [
    "AcceptanceFailed",
    "CommunityClassified",
    "CommunityReassessed",
    "CommunityRegistered",
    "ConstructionCompleted",
    "ConstructionStarted",
    "Defect",
    "FinalAccountsAudited",
    "ItemProgress",
    "PipelineWorkAssigned",
    "PipelineWorkCompleted",
    "PipelineWorkExempted",
    "PipelineWorkStarted",
    "PlanApproved",
    "PlanItem",
    "PlanSubmitted",
    "ProgressReported",
    "ProjectAccepted",
    "ProjectClosed",
    "ProjectRegistered",
    "PropertyTakenOver",
    "RectificationCompleted",
    "ResidentsConsulted",
    "ReviewPassed",
    "SafetyPatrolRecorded",
    "StepDeadlineMissed",
    "Signature",
    "TenderAwarded",
]


class _ProjectEvent(EventPayload):
    SOURCE: ClassVar[str] = "urn:renovation:registry"
    TOPIC: ClassVar[str] = REGISTRY_EVENTS

    project_id: UUID
    community_id: UUID
    district_code: str
    programme_code: str

    def partition_key(self) -> str:
        return str(self.project_id)

    def subject(self) -> str:
        return f"projects/{self.project_id}"

    def district(self) -> str | None:
        return self.district_code


class ProjectRegistered(_ProjectEvent):
    """A renovation project entered the ledger (台账) at its programme's first step."""

    TYPE: ClassVar[str] = "registry.project.registered.v1"

    name: str
    investment_fen: int = Field(ge=0)
    registered_on: date | None = Field(
        default=None,
        description="The business date the project entered the ledger (Asia/Shanghai); absent in events "
        "written before it was added, when the event's time stands for it.",
    )
    street_office: str | None = Field(
        default=None, description="The community's street office (街道办事处), for street-level rollups."
    )
    grouped_community_ids: list[UUID] = Field(
        default_factory=list,
        description="Further communities renovated with `community_id` as one contiguous group (集中连片); "
        "empty for one community, and in events written before groups were added.",
    )


class _CommunityEvent(EventPayload):
    """A ledger entry's facts, keyed by community id: what reporting counts per street office."""

    SOURCE: ClassVar[str] = "urn:renovation:registry"
    TOPIC: ClassVar[str] = REGISTRY_EVENTS

    community_id: UUID
    programme_code: str
    district_code: str
    street_office: str | None = None
    eligible: bool
    households: int = Field(ge=0)
    floor_area_m2: Decimal = Field(ge=0)
    tier: str | None = None
    demonstration: bool = False
    centrally_funded: bool = False

    def partition_key(self) -> str:
        return str(self.community_id)

    def subject(self) -> str:
        return f"communities/{self.community_id}"

    def district(self) -> str | None:
        return self.district_code


class CommunityRegistered(_CommunityEvent):
    """A surveyed community entered the ledger (台账), eligible or not (Kaifeng 六(一))."""

    TYPE: ClassVar[str] = "registry.community.registered.v1"

    name: str
    registered_on: date = Field(description="The business date of registration (Asia/Shanghai).")


class CommunityReassessed(_CommunityEvent):
    """A correction re-assessed a community's eligibility; the fields are the outcome after it.

    `was_eligible` is the outcome before, so a consumer adjusts its counts without reading back.
    """

    TYPE: ClassVar[str] = "registry.community.reassessed.v1"

    was_eligible: bool
    reassessed_on: date


class CommunityClassified(_CommunityEvent):
    """The district changed a community's ledger classification: library tier (Kaifeng 实施一批、
    谋划一批、储备一批), demonstration community, or the central-fund list. Eligibility is untouched.

    The fields are the classification after it; `was_*` the one before, so a consumer counting
    tiers or listed communities moves one community between its counts without reading back.
    """

    TYPE: ClassVar[str] = "registry.community.classified.v1"

    was_tier: str | None = None
    was_demonstration: bool = False
    was_centrally_funded: bool = False
    classified_on: date


class ProjectAccepted(_ProjectEvent):
    """The project passed completion acceptance (工程验收); the award subsidy may now be approved."""

    TYPE: ClassVar[str] = "registry.project.accepted.v1"

    investment_fen: int = Field(ge=0, description="Planned (approved) renovation investment, in fen.")
    audited_investment_fen: int | None = Field(
        default=None, ge=0, description="Final-accounts audited investment, in fen, when known."
    )
    accepted_on: date
    accepted_investment_fen: int | None = Field(
        default=None,
        ge=0,
        description="Investment stated at acceptance, in fen; the award is computed on it where the "
        "programme's basis is the accepted investment and the audit has not happened yet.",
    )
    households: int | None = Field(
        default=None,
        ge=0,
        description="Households of every community the project renovates (its own and its contiguous "
        "group's): the households the renovation benefits; absent in events written before it was added.",
    )
    floor_area_m2: Decimal | None = Field(
        default=None, ge=0, description="Their floor area, in m² (exact decimal); absent likewise."
    )


class FinalAccountsAudited(_ProjectEvent):
    """The final-accounts audit (决算审计) of the project's investment is done; it follows acceptance
    (Zhengzhou 2019 四(四): 统一组织竣工验收, then 统一实行决算审计). Funding trues up the award on it."""

    TYPE: ClassVar[str] = "registry.project.final_accounts_audited.v1"

    audited_investment_fen: int = Field(ge=0, description="Audited investment, in fen.")
    audited_on: date


class PlanItem(BaseModel):
    """One catalogue item of a plan with the investment planned for it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    item_code: str = Field(description="Code of the item in the programme's catalogue.")
    investment_fen: int = Field(ge=0, description="Investment planned for the item, in fen.")
    tasks: list[str] = Field(default_factory=list, description="The task list (任务清单) for the item.")


class ItemProgress(BaseModel):
    """How far the works of one catalogue item have come."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    item_code: str
    percent_complete: int = Field(ge=0, le=100)


class Defect(BaseModel):
    """One defect found at a failed acceptance, by the party that recorded it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    description: str
    recorded_by: str = Field(description="Party code (from the programme's acceptance participants).")
    item_code: str | None = None


class Signature(BaseModel):
    """One party's signature on the joint acceptance form."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    party: str = Field(description="Party code from the programme's acceptance participants.")
    signatory: str = Field(description="Name of the person or organisation that signed.")


class ResidentsConsulted(_ProjectEvent):
    """Residents were consulted and the plan's content made public (宣传发动, 征求居民意见, 公示)."""

    TYPE: ClassVar[str] = "registry.project.residents_consulted.v1"

    consulted_on: date
    households_consulted: int = Field(ge=0)
    households_in_favour: int = Field(ge=0)
    share_in_favour: Decimal = Field(ge=0, le=1, description="households_in_favour / households_consulted.")
    publicity_notice: str = Field(description="Reference or title of the publicity notice (公示).")
    publicity_from: date
    publicity_to: date


class PlanSubmitted(_ProjectEvent):
    """A version of the project's plan (实施方案, 投资计划, 任务清单) was submitted; a revision is a
    new version, never an overwrite."""

    TYPE: ClassVar[str] = "registry.project.plan_submitted.v1"

    version: int = Field(ge=1)
    submitted_on: date
    items: list[PlanItem]
    investment_fen: int = Field(ge=0, description="Sum of the items' investment, in fen.")


class PlanApproved(_ProjectEvent):
    """A submitted plan version was approved; its investment is the project's approved investment."""

    TYPE: ClassVar[str] = "registry.project.plan_approved.v1"

    version: int = Field(ge=1)
    approved_on: date
    items: list[PlanItem]
    investment_fen: int = Field(ge=0, description="Approved investment, in fen.")
    was_investment_fen: int | None = Field(
        default=None,
        ge=0,
        description="The project's planned investment before this approval (its registration's, or the "
        "previous approved version's), in fen, so a consumer moves its planned total without reading "
        "back; absent in events written before it was added.",
    )


class TenderAwarded(_ProjectEvent):
    """The works were tendered and awarded (公开招标, 统一工程招标和监理)."""

    TYPE: ClassVar[str] = "registry.project.tender_awarded.v1"

    awarded_on: date
    contractor: str
    supervisor: str | None = None
    contract_fen: int | None = Field(default=None, ge=0, description="Contract price, in fen.")


class ConstructionStarted(_ProjectEvent):
    """Works started on site (组织施工)."""

    TYPE: ClassVar[str] = "registry.project.construction_started.v1"

    started_on: date


class ProgressReported(_ProjectEvent):
    """Progress of the works, per catalogue item."""

    TYPE: ClassVar[str] = "registry.project.progress_reported.v1"

    reported_on: date
    items: list[ItemProgress]
    note: str | None = None


class ConstructionCompleted(_ProjectEvent):
    """The works are finished (竣工) and ready for acceptance."""

    TYPE: ClassVar[str] = "registry.project.construction_completed.v1"

    completed_on: date


class AcceptanceFailed(_ProjectEvent):
    """Acceptance found defects; the project goes to rectification (对存在问题进行整改)."""

    TYPE: ClassVar[str] = "registry.project.acceptance_failed.v1"

    inspected_on: date
    defects: list[Defect]


class RectificationCompleted(_ProjectEvent):
    """The defects were rectified; the project may be presented for acceptance again."""

    TYPE: ClassVar[str] = "registry.project.rectification_completed.v1"

    rectified_on: date
    note: str | None = None


class PropertyTakenOver(_ProjectEvent):
    """Property management took the community over after acceptance (物业接管)."""

    TYPE: ClassVar[str] = "registry.project.property_taken_over.v1"

    taken_over_on: date
    mode: str = Field(description="Who manages: a party code from the programme's takeover step.")
    manager: str = Field(description="Name of the managing company or body.")
    service_level: str | None = Field(default=None, description="Service level code from the profile.")
    commitments: list[str] = Field(default_factory=list, description="Service item codes committed to.")
    floor_area_m2: Decimal | None = Field(
        default=None,
        gt=0,
        description="The floor area taken over in m², from the ledger: the community's, with its contiguous "
        "group's where the project renovates one (for subsidies).",
    )


class ProjectClosed(_ProjectEvent):
    """The project is closed out in the ledger (销号)."""

    TYPE: ClassVar[str] = "registry.project.closed.v1"

    closed_on: date


class ReviewPassed(_ProjectEvent):
    """A pre-works review passed: project approval (立项), design review or cost review (Kaifeng 七(五))."""

    TYPE: ClassVar[str] = "registry.project.review_passed.v1"

    step: str = Field(description="approval, design_review or cost_review (the profile's step code).")
    passed_on: date
    reference: str = Field(description="Reference of the approval or review document.")


class _PipelineWorkEvent(_ProjectEvent):
    """A utility company's pipeline work in a project (专业经营单位的管线改造); keyed by the
    project, so it stays in order with the project's own steps. `utility_code` names the company
    whose work it is: `shared.access.sees_event` lets that company, and no other, hear it."""

    work_id: UUID
    item_code: str = Field(description="The catalogue item the work belongs to.")
    utility_code: str = Field(description="The utility company (directory code) doing the work.")


class PipelineWorkAssigned(_PipelineWorkEvent):
    """The district assigned pipeline work in a project to a utility company."""

    TYPE: ClassVar[str] = "registry.pipeline_work.assigned.v1"

    scope: str = Field(description="What the company is to do.")
    planned_start_on: date
    planned_end_on: date


class PipelineWorkStarted(_PipelineWorkEvent):
    """The utility company started its pipeline work on site."""

    TYPE: ClassVar[str] = "registry.pipeline_work.started.v1"

    started_on: date


class PipelineWorkCompleted(_PipelineWorkEvent):
    """The utility company finished its pipeline work; it no longer holds up construction."""

    TYPE: ClassVar[str] = "registry.pipeline_work.completed.v1"

    completed_on: date
    scope_done: str = Field(description="What was done, as the company reports it.")
    evidence_ref: str = Field(description="Reference of the evidence (completion form, photos, record).")


class PipelineWorkExempted(_ProjectEvent):
    """The district let construction complete although these pipeline works are still open."""

    TYPE: ClassVar[str] = "registry.pipeline_work.exempted.v1"

    work_ids: list[UUID]
    utility_codes: list[str] = Field(description="The companies whose open works are exempted.")
    reason: str
    exempted_on: date


class StepDeadlineMissed(_ProjectEvent):
    """A project did not reach a step by the date its plan sets (a step deadline of the profile,
    e.g. Kaifeng 三: the 117 funded communities tendered by 2019-12-31). Announced once per project
    and deadline by the registry's sweep, on or after the day after the due date."""

    TYPE: ClassVar[str] = "registry.project.deadline_missed.v1"

    deadline_code: str = Field(description="The deadline's code in the programme's profile.")
    step: str = Field(description="The lifecycle step the deadline sits on.")
    due_on: date
    applies_to: str = Field(description="Which projects it binds (every_project, centrally_funded…).")


class SafetyPatrolRecorded(_ProjectEvent):
    """A street office's daily safety patrol of a site under construction (Zhongyuan 五(二)5:
    每天到施工小区进行巡查，发现安全隐患及时反馈施工方); one per project per day."""

    TYPE: ClassVar[str] = "registry.project.safety_patrol_recorded.v1"

    patrolled_on: date = Field(description="The day patrolled (Asia/Shanghai).")
    findings: str
    hazards: list[str] = Field(default_factory=list, description="Safety hazards found, one per entry.")
    contractor_notified: bool = Field(description="Whether the contractor was told of the hazards.")
    note: str | None = None
