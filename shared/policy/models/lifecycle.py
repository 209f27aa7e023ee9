"""The stages a project goes through under a plan, with the plan's own dates and requirements.

Stage codes are a fixed vocabulary so workflow code can rely on them; which stages apply, in
what order, and by when, is each plan's data.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import model_validator

from shared.policy.models.base import Cited, Code, Frozen, Named, Text


class StageCode(StrEnum):
    """Every stage any plan names (DOMAIN "The life of a project")."""

    SURVEY = "survey"  # 调查摸底
    ELIGIBILITY = "eligibility"  # 实施范围 / 改造范围
    CONSULTATION = "consultation"  # 宣传发动 / 征求居民意见 / 公示
    PLANNING = "planning"  # 制定方案
    APPROVAL = "approval"  # 立项、设计审核、造价评审、公开招标
    CONSTRUCTION = "construction"  # 组织施工
    ACCEPTANCE = "acceptance"  # 工程验收
    PROPERTY_TAKEOVER = "property_takeover"  # 物业接管
    CLOSE_OUT = "close_out"  # 销号


class Deadline(Cited):
    """A date the plan sets; `starts_on` marks a window (Zhongyuan: acceptance in Oct–Nov).

    Deadlines written "X前" / "X底前" are read as "on or before `due_on`".
    """

    code: Code
    description_zh: Text
    description_en: Text
    due_on: date
    starts_on: date | None = None

    @model_validator(mode="after")
    def _window(self) -> Deadline:
        if self.starts_on is not None and self.starts_on > self.due_on:
            raise ValueError("starts_on: a window must start on or before due_on")
        return self


class Requirement(Cited, Named):
    """Something the stage must do, e.g. one of the "five unifieds" (五个统一)."""


class Stage(Cited, Named):
    """One stage; `participants` are roles (contractor, owners' committee…), not organisations."""

    code: StageCode  # type: ignore[assignment]
    deadlines: tuple[Deadline, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    participants: tuple[Code, ...] = ()
    responsible_departments: tuple[Code, ...] = ()


class ProjectTier(Named):
    """A tier of the project library, e.g. 实施一批 (implement now)."""


class ProjectTiers(Cited):
    """Kaifeng sorts its project library into tiers (六(三))."""

    tiers: tuple[ProjectTier, ...]


class Lifecycle(Frozen):
    """The stages in the plan's order; each stage at most once."""

    stages: tuple[Stage, ...]
    project_tiers: ProjectTiers | None = None

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
        return self

    def stage(self, code: StageCode | str) -> Stage | None:
        """The stage with this code, or None when the plan does not have it."""
        return next((s for s in self.stages if s.code == code), None)
