"""The steps a project goes through under a plan, with the plan's own dates and requirements.

Step codes are a fixed vocabulary so workflow code can rely on them; which steps apply, in what
order, and by when, is each plan's data. What is not a step stays out of the list: eligibility
is an assessment of the community, close-out (销号) a ledger rule, rectification (整改) part of
acceptance, and the final-accounts audit a record made after acceptance (`FinalAccountsAudit`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import Field, model_validator

from shared.policy.models.base import Cited, Clause, Code, Frozen, Named, Ratio, Reading, Strictness, Text

__all__ = [
    "ConditionGroup",
    "Consent",
    "Deadline",
    "DeadlineMet",
    "DeadlineScope",
    "DeadlineStatus",
    "DemonstrationAreaRule",
    "ExemptionCondition",
    "FinalAccountsAudit",
    "ItemInspection",
    "Lifecycle",
    "Match",
    "Mode",
    "PermitExemption",
    "ProjectTier",
    "ProjectTiers",
    "Requirement",
    "SignOff",
    "Stage",
    "StageCode",
]


class StageCode(StrEnum):
    """Every step any plan writes (DOMAIN "The life of a project")."""

    SURVEY = "survey"  # 调查摸底
    CONSULTATION = "consultation"  # 宣传发动 / 征求居民意见 / 公示
    PLANNING = "planning"  # 制定方案
    APPROVAL = "approval"  # 项目投资立项 (Kaifeng 七(五))
    DESIGN_REVIEW = "design_review"  # 设计审核 (Kaifeng 七(五))
    COST_REVIEW = "cost_review"  # 造价评审 (Kaifeng 七(五))
    TENDER = "tender"  # 公开招标 (Kaifeng) / 工程预算及招投标 (Zhongyuan 三(一))
    CONSTRUCTION = "construction"  # 组织施工
    ACCEPTANCE = "acceptance"  # 工程验收
    PROPERTY_TAKEOVER = "property_takeover"  # 物业接管


class DeadlineStatus(StrEnum):
    """Where a deadline stands on a given day; "overdue" is for services that know the work."""

    PAST_AT_ISSUE = "past_at_issue"  # already passed when the plan was issued: never overdue
    UPCOMING = "upcoming"  # a window (starts_on) that has not opened yet
    OPEN = "open"  # can still be met: inside the window, or on or before the due date
    PASSED = "passed"  # after the due date


class DeadlineScope(StrEnum):
    """Which projects a deadline binds, as the plan words it."""

    EVERY_PROJECT = "every_project"  # every project of the programme
    DEMONSTRATION = "demonstration"  # demonstration communities (Kaifeng 示范小区, 六(三))
    DEMONSTRATION_AREA = "demonstration_area"  # communities of a 示范区 (Zhengzhou 2018 四)
    CENTRALLY_FUNDED = "centrally_funded"  # Kaifeng's 117 on the central-fund list (三)
    PROGRAMME = "programme"  # a district's or the city's own plan or survey: no project's step


class DeadlineMet(StrEnum):
    """What in a project's timeline meets a deadline on its step."""

    STARTED = "started"  # the step has begun (works started 开始施工; plans sent 报)
    COMPLETED = "completed"  # the step is done (the default)


class Deadline(Cited):
    """A date the plan sets; `starts_on` marks a window (Zhongyuan: acceptance in Oct–Nov).

    Deadlines written "X前" / "X底前" are read as "on or before `due_on`". A due date before the
    plan's issue date is legal data (Kaifeng's 2019-12-15 in a plan of 2019-12-29): the profile
    must then say so in `note`, and `deadline_status` reports it as past at issue.
    `applies_to` says which projects it binds and `met_when` what meets it, so the registry can
    track it per project (met, due, overdue) without knowing the programme.
    """

    code: Code
    description_zh: Text
    description_en: Text
    due_on: date
    starts_on: date | None = None
    applies_to: DeadlineScope = DeadlineScope.EVERY_PROJECT
    met_when: DeadlineMet = DeadlineMet.COMPLETED

    @model_validator(mode="after")
    def _window(self) -> Deadline:
        if self.starts_on is not None and self.starts_on > self.due_on:
            raise ValueError("starts_on: a window must start on or before due_on")
        return self


class Requirement(Cited, Named):
    """Something the step must do, e.g. one of the "five unifieds" (五个统一)."""


class SignOff(Cited):
    """One signature a step needs: any one of the roles in `any_of` signs.

    Alternatives are data: Kaifeng's "业主委员会（或业主代表）" is one sign-off that either the
    owners' committee or the owners' representatives give, so a community without a committee
    can still be accepted. `round` orders sign-offs: Zhongyuan's headquarters inspects (round 2)
    after the street office and the community have signed (round 1).
    """

    any_of: tuple[Code, ...] = Field(min_length=1)
    round: int = Field(default=1, ge=1)
    description_zh: Text | None = None

    @model_validator(mode="after")
    def _distinct(self) -> SignOff:
        if len(set(self.any_of)) != len(self.any_of):
            raise ValueError("any_of: an alternative is listed twice")
        return self


class ItemInspection(Cited):
    """A department that inspects some catalogue items and so signs the acceptance of a project
    whose plan has one of them (#8 "Acceptance is joint": the department responsible for an item
    where the plan names one, e.g. Fire for fire facilities).

    Zhengzhou 2019 四(五) has the district organise 相关单位 to accept the works, and 六 gives the
    fire brigade the inspection (检查) of fire facilities and fire lanes.
    """

    department: Code
    items: tuple[Code, ...] = Field(min_length=1)
    description_zh: Text | None = None
    reading: Reading = Reading.DOCUMENT

    @model_validator(mode="after")
    def _distinct(self) -> ItemInspection:
        if len(set(self.items)) != len(self.items):
            raise ValueError("items: an item is listed twice")
        return self


class Mode(Cited, Named):
    """One way the plan allows a step to be done, e.g. a property-takeover mode (后勤式管理).

    `when_zh` quotes the condition under which the plan points to this mode, if it gives one.
    """

    when_zh: Text | None = None


class Consent(Frozen):
    """What the residents' consultation must reach before the plan may be submitted (#8 "Residents
    decide"): a share of the consulted households in favour, and days the publicity notice was up.

    None of the four plans in the seeds states a figure (Zhengzhou 2019 四(二) asks the district to
    consult the owners fully; Kaifeng 六(二) to publish content, money, design and works), so no
    bundled profile sets one; an office that adopts a threshold states it here, with where it comes
    from in `clause` (its own rule if not the plan's) and `reading: platform` when it is the office's
    own choice. Either figure may be left out.
    """

    share_in_favour: Ratio | None = None
    publicity_days: int | None = Field(default=None, ge=1, le=366)
    clause: Clause | None = None
    reading: Reading = Reading.DOCUMENT
    note: str | None = None

    @model_validator(mode="after")
    def _states_something(self) -> Consent:
        if self.share_in_favour is None and self.publicity_days is None:
            raise ValueError("consent: state share_in_favour, publicity_days or both")
        if self.share_in_favour is not None and self.share_in_favour == 0:
            raise ValueError("consent: share_in_favour must be above 0 (leave it out for no share)")
        return self


class Stage(Cited, Named):
    """One step; `participants` are roles (residents, property company…), not organisations.

    `organiser` is the role that runs the step; `sign_offs` are the signatures that complete it.
    """

    code: StageCode  # type: ignore[assignment]
    deadlines: tuple[Deadline, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    participants: tuple[Code, ...] = ()
    organiser: Code | None = None
    sign_offs: tuple[SignOff, ...] = ()
    modes: tuple[Mode, ...] = ()
    responsible_departments: tuple[Code, ...] = ()
    consent: Consent | None = None
    item_inspections: tuple[ItemInspection, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Stage:
        if self.item_inspections and self.code is not StageCode.ACCEPTANCE:
            raise ValueError("item_inspections: only the acceptance step is signed by item departments")
        inspecting = [i.department for i in self.item_inspections]
        if len(set(inspecting)) != len(inspecting):
            raise ValueError("item_inspections: a department is listed twice")
        if self.consent is not None and self.code is not StageCode.CONSULTATION:
            raise ValueError("consent: only the consultation step states a threshold")
        rounds = sorted({s.round for s in self.sign_offs})
        if rounds and rounds != list(range(1, len(rounds) + 1)):
            raise ValueError(f"sign_offs: rounds must run 1, 2, … without gaps (got {rounds})")
        roles = [role for s in self.sign_offs for role in s.any_of] + inspecting
        duplicates = sorted({r for r in roles if roles.count(r) > 1})
        if duplicates:
            raise ValueError(f"sign_offs: roles {duplicates} appear in more than one sign-off")
        modes = [m.code for m in self.modes]
        if len(set(modes)) != len(modes):
            raise ValueError("modes: duplicate mode code")
        return self


class ProjectTier(Named):
    """A tier of the project library, e.g. 实施一批 (implement now)."""


class ProjectTiers(Cited):
    """Kaifeng sorts its project library into tiers (六(三))."""

    tiers: tuple[ProjectTier, ...]


class DemonstrationAreaRule(Cited):
    """Zhengzhou 2018 四(一): a demonstration area (示范区) of about `area_km2` holding at least
    `min_communities` old communities (选定1平方公里左右围合区域…包含3个以上老旧小区; 以上 includes
    the number). The area is "about" its size, so the size is recorded, never enforced."""

    min_communities: int = Field(ge=1)
    area_km2: Decimal | None = Field(default=None, gt=0)


class FinalAccountsAudit(Cited):
    """The final-accounts audit (决算审计): a figure recorded on a project once `after` is done.

    Not a step: the plan hands a project over right after acceptance (整治一个、合格一个、交付一个),
    so takeover must not wait for the audit; the audited figure arrives whenever the audit ends.
    """

    after: StageCode


class Match(StrEnum):
    """How a group of conditions combines."""

    ALL = "all"
    ANY = "any"


class ExemptionCondition(Cited, Named):
    """A fact about a project that an exemption rule looks at, e.g. no change to the structure."""


class ConditionGroup(Named):
    """Conditions combined by `match`."""

    match: Match
    conditions: tuple[ExemptionCondition, ...] = Field(min_length=1)


class PermitExemption(Cited):
    """Kaifeng 六(四): projects that may be exempted from the construction permit (施工许可豁免).

    The sentence joins its conditions with "或" and "以及", which can be read more than one
    way; `match` and each group's `match` hold the reading, `reading` says whose it is, and
    `strictness` the plan's "可" (the exemption is allowed, never owed).
    """

    strictness: Strictness
    qualifier_zh: Text | None = None
    reading: Reading
    match: Match
    groups: tuple[ConditionGroup, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> PermitExemption:
        codes = [c.code for g in self.groups for c in g.conditions]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"groups: condition codes {duplicates} appear twice")
        return self


class Lifecycle(Frozen):
    """The steps in the plan's order; each step at most once."""

    stages: tuple[Stage, ...]
    project_tiers: ProjectTiers | None = None
    demonstration_area: DemonstrationAreaRule | None = None
    final_accounts_audit: FinalAccountsAudit | None = None
    permit_exemption: PermitExemption | None = None

    @model_validator(mode="after")
    def _unique(self) -> Lifecycle:
        if not self.stages:
            raise ValueError("stages: a lifecycle needs at least one stage")
        seen: set[str] = set()
        deadlines: set[str] = set()
        for i, stage in enumerate(self.stages):
            if stage.code in seen:
                raise ValueError(f"stages[{i}].code: stage {stage.code.value!r} appears twice")
            seen.add(stage.code)
            for j, deadline in enumerate(stage.deadlines):
                if deadline.code in deadlines:
                    raise ValueError(
                        f"stages[{i}].deadlines[{j}].code: duplicate deadline code {deadline.code!r}"
                    )
                deadlines.add(deadline.code)
        audit = self.final_accounts_audit
        if audit is not None and audit.after not in seen:
            raise ValueError(f"final_accounts_audit.after: {audit.after.value!r} is not a step of this plan")
        return self

    def stage(self, code: StageCode | str) -> Stage | None:
        """The stage with this code, or None when the plan does not have it.

        Args:
            code: a `StageCode` or its string value.

        Returns:
            The stage, or None.
        """
        return next((s for s in self.stages if s.code == code), None)
