"""How the office watches progress: reports, cadence, yearly targets, indicators, sanctions.

Weekdays are ISO (Monday 1 … Sunday 7). Target shares must add up to 1 so a rollup can compare
cumulative progress with the plan.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import Field, model_validator

from shared.policy.models.base import Cited, Frozen, Named, Party, Ratio, Text


class WeeklyReport(Cited):
    """Each `reporters` party reports weekly progress to the programme office on `weekday`."""

    weekday: int = Field(ge=1, le=7)
    reporters: tuple[Party, ...]


class MonthlyReport(Cited):
    """Monthly project progress report (郑政办〔2018〕14号 五(二))."""

    reporters: tuple[Party, ...]


class Activity(StrEnum):
    SUPERVISION = "supervision"  # 督导
    BULLETIN = "bulletin"  # 通报
    EVALUATION = "evaluation"  # 考评


class Cadence(Cited):
    """Kaifeng's 日督导，周通报，月考评: what the leading group does daily, weekly, monthly."""

    daily: Activity | None = None
    weekly: Activity | None = None
    monthly: Activity | None = None


class TargetBasis(StrEnum):
    COMMUNITY_COUNT = "community_count"  # 整治任务（个数）
    TASK_SHARE = "task_share"  # 总体任务目标


class YearlyTargets(Cited):
    """Share of the whole programme to finish in each year, e.g. {2019: 0.5, 2020: 0.5}."""

    basis: TargetBasis
    shares: dict[int, Ratio]

    @model_validator(mode="after")
    def _sum_to_one(self) -> YearlyTargets:
        total = sum(self.shares.values(), Decimal(0))
        if total != 1:
            raise ValueError(f"shares: yearly shares must add up to 1, they add up to {total}")
        return self


class Comparison(StrEnum):
    AT_LEAST = "at_least"  # 达到 / 以上 / 不低于
    MORE_THAN = "more_than"  # 大于


class Milestone(Frozen):
    """A threshold in force from `by` (None: in force throughout)."""

    value: Ratio
    by: date | None = None


class Indicator(Cited, Named):
    """A measured rate with thresholds, e.g. HD video coverage 80% by end 2018, 100% by end 2020."""

    comparison: Comparison = Comparison.AT_LEAST
    milestones: tuple[Milestone, ...]
    binding: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> Indicator:
        if not self.milestones:
            raise ValueError("milestones: an indicator needs at least one threshold")
        dated = [m.by for m in self.milestones if m.by is not None]
        if dated != sorted(dated) or len(set(dated)) != len(dated):
            raise ValueError("milestones: dated thresholds must be in strictly increasing date order")
        return self


class Enforcement(Cited):
    """Evaluation of `evaluated` parties, with rewards and the sanctions for laggards."""

    evaluated: tuple[Party, ...]
    rewards: bool = False
    sanctions: tuple[Named, ...] = ()


class DailyPatrol(Cited):
    """Zhongyuan: street offices patrol sites daily and file the written record (五(二)5)."""

    actor: Party
    written_record: bool = True
    description_zh: Text | None = None


class Supervision(Frozen):
    """The supervision rules a plan has; each absent rule is None or empty."""

    weekly_report: WeeklyReport | None = None
    monthly_report: MonthlyReport | None = None
    cadence: Cadence | None = None
    yearly_targets: YearlyTargets | None = None
    indicators: tuple[Indicator, ...] = ()
    enforcement: Enforcement | None = None
    daily_patrol: DailyPatrol | None = None

    @model_validator(mode="after")
    def _unique_indicators(self) -> Supervision:
        seen: set[str] = set()
        for i, indicator in enumerate(self.indicators):
            if indicator.code in seen:
                raise ValueError(f"indicators[{i}].code: duplicate indicator {indicator.code!r}")
            seen.add(indicator.code)
        return self
