"""How the office watches progress: reports, cadence, yearly targets, indicators, sanctions.

Weekdays are ISO (Monday 1 … Sunday 7). Target shares must add up to 1 so a rollup can compare
cumulative progress with the plan. Indicators carry a unit, because the plans set counts, areas,
densities and distances as well as rates (Zhengzhou 2018 三).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import Field, model_validator

from shared.policy.models.base import Cited, Code, Frozen, Named, Party, Quantity, Ratio, Reading, Text
from shared.policy.models.jurisdiction import AreaKind

__all__ = [
    "Activity",
    "Assessment",
    "Cadence",
    "Comparison",
    "DailyPatrol",
    "DeadlineTarget",
    "Enforcement",
    "EvaluationWeights",
    "Indicator",
    "IndicatorScope",
    "Meeting",
    "MeetingCadence",
    "Milestone",
    "MonthlyEvaluation",
    "MonthlyReport",
    "Supervision",
    "TargetBasis",
    "Unit",
    "WeeklyReport",
    "YearlyTargets",
]


class WeeklyReport(Cited):
    """Each `reporters` party reports weekly progress to the programme office on `weekday`."""

    weekday: int = Field(ge=1, le=7)
    reporters: tuple[Party, ...]


class MonthlyReport(Cited):
    """Monthly project progress report (郑政办〔2018〕14号 五(二)).

    `due_day` is the day of the month by which that month's report is due (by the day's end in
    Asia/Shanghai); None: the month's last day. The plan says only 每月按时上报, so the bundled
    profile leaves it unset with `reading: platform`, for the office to set its own day.
    """

    reporters: tuple[Party, ...]
    due_day: int | None = Field(default=None, ge=1, le=28)
    reading: Reading = Reading.DOCUMENT


class Activity(StrEnum):
    """What the leading group does at one cadence (Kaifeng 七(七): 日督导，周通报，月考评)."""

    SUPERVISION = "supervision"  # 督导
    BULLETIN = "bulletin"  # 通报
    EVALUATION = "evaluation"  # 考评


class Cadence(Cited):
    """Kaifeng's 日督导，周通报，月考评: what the leading group does daily, weekly, monthly."""

    daily: Activity | None = None
    weekly: Activity | None = None
    monthly: Activity | None = None


class TargetBasis(StrEnum):
    """What yearly target shares are shares of."""

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


class DeadlineTarget(Cited):
    """The whole programme done by one day, where the plan sets no yearly shares (Kaifeng 三:
    2021年6月底前，基本完成…改造工作): the share due grows evenly by day from `starts_on` (the plan's
    issue date when unset) to `due_on`, when all of it is due."""

    due_on: date
    starts_on: date | None = None
    basis: TargetBasis = TargetBasis.COMMUNITY_COUNT
    reading: Reading = Reading.DOCUMENT

    @model_validator(mode="after")
    def _after_start(self) -> DeadlineTarget:
        if self.starts_on is not None and self.starts_on > self.due_on:
            raise ValueError(f"starts_on: {self.starts_on} is after due_on {self.due_on}")
        return self


class Comparison(StrEnum):
    """How a measured value is compared with the threshold, in the plan's words."""

    AT_LEAST = "at_least"  # 达到 / 以上 / 不低于 (以上 includes the number)
    MORE_THAN = "more_than"  # 大于
    AT_MOST = "at_most"  # 不大于 (a service radius)
    BETWEEN = "between"  # 4—7座 / 3—5万人: from `value` to `upper`, both included
    INCREASING = "increasing"  # 逐年提高: above last year's value, no fixed threshold


class Unit(StrEnum):
    """What an indicator's value counts."""

    RATIO = "ratio"  # a share from 0 to 1
    COUNT = "count"  # facilities, streets, communities
    KM = "km"  # a length of works (120 km of cables buried)
    METRES = "m"  # a distance (service radius, 300米见绿)
    M2 = "m2"  # a floor or site area
    M2_PER_PERSON = "m2_per_person"  # sports ground per resident
    PER_KM2 = "per_km2"  # a density (public toilets per km²)
    PERSONS = "persons"  # residents served by one facility


class IndicatorScope(StrEnum):
    """What one measurement is taken over: the whole programme, each district, each street…"""

    PROGRAMME = "programme"  # the city or district as a whole
    DISTRICT = "district"  # each county-level area (各县（市、区）)
    STREET = "street"  # each street (每个街道)
    COMMUNITY = "community"  # each renovated community
    FACILITY = "facility"  # each facility of the kind named
    DEMONSTRATION_AREA = "demonstration_area"  # the demonstration area (示范区)
    OLD_AREA = "old_area"  # the old areas (老旧片区)


class Milestone(Frozen):
    """A threshold in force from `by` (None: in force throughout); `upper` closes a range."""

    value: Quantity
    upper: Quantity | None = None
    by: date | None = None


class Indicator(Cited, Named):
    """A measured value with thresholds, e.g. HD video coverage 80% by end 2018, 100% by end 2020.

    `scope` says what one measurement covers; `area_kinds` limits it to counties or districts
    (Kaifeng: each county one demonstration community, each district two or three);
    `condition_zh` quotes a condition on who must meet it ("有资源的").
    """

    comparison: Comparison = Comparison.AT_LEAST
    unit: Unit = Unit.RATIO
    scope: IndicatorScope | None = None
    area_kinds: tuple[AreaKind, ...] = ()
    condition_zh: Text | None = None
    milestones: tuple[Milestone, ...] = ()
    binding: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> Indicator:
        if not self.milestones and self.comparison is not Comparison.INCREASING:
            raise ValueError("milestones: an indicator needs at least one threshold")
        if self.milestones and self.comparison is Comparison.INCREASING:
            raise ValueError("milestones: an increasing indicator compares with last year, not a threshold")
        dated = [m.by for m in self.milestones if m.by is not None]
        if dated != sorted(dated) or len(set(dated)) != len(dated):
            raise ValueError("milestones: dated thresholds must be in strictly increasing date order")
        for i, milestone in enumerate(self.milestones):
            if self.unit is Unit.RATIO and max(milestone.value, milestone.upper or 0) > 1:
                raise ValueError(f"milestones[{i}].value: a ratio must be between 0 and 1")
            if (milestone.upper is not None) != (self.comparison is Comparison.BETWEEN):
                raise ValueError(
                    f"milestones[{i}].upper: give an upper bound exactly when comparison is between"
                )
            if milestone.upper is not None and milestone.upper < milestone.value:
                raise ValueError(f"milestones[{i}].upper: the upper bound is below the lower one")
        return self


class Enforcement(Cited):
    """Evaluation of `evaluated` parties, with rewards and the sanctions for laggards."""

    evaluated: tuple[Party, ...]
    rewards: bool = False
    sanctions: tuple[Named, ...] = ()


class DailyPatrol(Cited):
    """Zhongyuan: street offices patrol sites daily and file the written record (五(二)5).

    `accountability_zh` quotes what befalls a party that does not file it and then has an
    accident ("拒不上报者发生安全事故，追究相应责任"), so a missing record is flagged as a liability.
    """

    actor: Party
    written_record: bool = True
    description_zh: Text | None = None
    accountability_zh: Text | None = None


class Assessment(Cited):
    """Who supervises and assesses whom (督查考核), e.g. Kaifeng's counties assess street offices."""

    assessor: Party
    assessed: tuple[Party, ...] = Field(min_length=1)
    description_zh: Text | None = None


class MeetingCadence(StrEnum):
    """How often a standing meeting sits."""

    WEEKLY = "weekly"  # 周例会
    REGULAR = "regular"  # 定期: the plan gives no interval


class Meeting(Cited, Named):
    """A standing meeting the plan sets up; `convener` and `participants` are office or role codes."""

    convener: Code | None = None
    participants: tuple[Code, ...] = ()
    cadence: MeetingCadence
    purpose_zh: Text | None = None


class EvaluationWeights(Frozen):
    """How much each component weighs in a district's monthly score; the weights add up to 1.

    The plans name what is evaluated (计划制定、任务落实、工作进度, Zhengzhou 2019 七(四)) but give
    no formula, so the weights are the platform's reading, for the office to change here.
    """

    progress: Ratio
    timeliness: Ratio
    first_pass_acceptance: Ratio
    rectification: Ratio
    payout: Ratio

    @model_validator(mode="after")
    def _sum_to_one(self) -> EvaluationWeights:
        parts = (self.progress, self.timeliness, self.first_pass_acceptance, self.rectification, self.payout)
        total = sum(parts, Decimal(0))
        if total != 1:
            raise ValueError(f"weights: the weights must add up to 1, they add up to {total}")
        return self


class MonthlyEvaluation(Cited):
    """The monthly evaluation (月考评, Kaifeng 七(七)): a score per district out of `full_marks`.

    Each component is a share from 0 to 1 (see `shared.policy.evaluation_score`); a component a
    district has no data for yet (no acceptance inspected, no award approved) is left out and the
    other weights scaled up, so nobody gains or loses marks for work not yet due.
    """

    weights: EvaluationWeights
    full_marks: Quantity = Decimal(100)
    reading: Reading = Reading.PLATFORM


class Supervision(Frozen):
    """The supervision rules a plan has; each absent rule is None or empty."""

    weekly_report: WeeklyReport | None = None
    monthly_report: MonthlyReport | None = None
    cadence: Cadence | None = None
    yearly_targets: YearlyTargets | None = None
    deadline_target: DeadlineTarget | None = None
    indicators: tuple[Indicator, ...] = ()
    enforcement: Enforcement | None = None
    daily_patrol: DailyPatrol | None = None
    assessments: tuple[Assessment, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    evaluation: MonthlyEvaluation | None = None

    @model_validator(mode="after")
    def _unique_indicators(self) -> Supervision:
        if self.yearly_targets is not None and self.deadline_target is not None:
            raise ValueError("deadline_target: a plan states yearly shares or one deadline, not both")
        for field in ("indicators", "meetings"):
            seen: set[str] = set()
            for i, rule in enumerate(getattr(self, field)):
                if rule.code in seen:
                    raise ValueError(f"{field}[{i}].code: duplicate code {rule.code!r}")
                seen.add(rule.code)
        return self
