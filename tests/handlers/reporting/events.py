"""Reporting's input events for handler tests, with the event time a test chooses."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from shared.access import OrganisationKind, Principal, Scope
from shared.contracts.base import EventPayload
from shared.contracts.envelope import CloudEvent
from shared.contracts.funding import SubsidyApproved
from shared.contracts.registry import ProjectAccepted, ProjectRegistered

PROGRAMME = "zhengzhou-2019"
JINSHUI = "zz-jinshui"
ERQI = "zz-erqi"


def at(payload: EventPayload, time: datetime, event_id: str | None = None) -> CloudEvent:
    """The payload wrapped as its producer would have at `time`."""
    envelope = CloudEvent.wrap(payload, event_id=event_id or str(uuid.uuid4()))
    return envelope.model_copy(update={"time": time})


def shanghai(year: int, month: int, day: int, hour: int = 10) -> datetime:
    """An instant given as Asia/Shanghai wall time (UTC+8, no daylight saving)."""
    return datetime(year, month, day, hour, tzinfo=UTC) - (datetime(2000, 1, 1, 8) - datetime(2000, 1, 1))


def registered(district: str = JINSHUI, investment_fen: int = 500_000_00, **kw: object) -> ProjectRegistered:
    return ProjectRegistered(
        project_id=uuid4(),
        community_id=uuid4(),
        district_code=district,
        programme_code=str(kw.pop("programme_code", PROGRAMME)),
        name="金水区文化路1号院",
        investment_fen=investment_fen,
    )


def accepted(
    district: str = JINSHUI, investment_fen: int = 500_000_00, accepted_on: date = date(2026, 11, 20)
) -> ProjectAccepted:
    return ProjectAccepted(
        project_id=uuid4(),
        community_id=uuid4(),
        district_code=district,
        programme_code=PROGRAMME,
        investment_fen=investment_fen,
        audited_investment_fen=investment_fen,
        accepted_on=accepted_on,
    )


def approved(district: str = JINSHUI, amount_fen: int = 200_000_00) -> SubsidyApproved:
    return SubsidyApproved(
        award_id=uuid4(),
        project_id=uuid4(),
        district_code=district,
        programme_code=PROGRAMME,
        basis_fen=amount_fen * 10 // 4,
        ratio=Decimal("0.40"),
        amount_fen=amount_fen,
    )


def office() -> Principal:
    return Principal(
        "office", "zz-renovation-office", OrganisationKind.OFFICE, frozenset({Scope.REPORTING_READ})
    )


def district(code: str = JINSHUI) -> Principal:
    return Principal(
        code, code, OrganisationKind.DISTRICT, frozenset({Scope.REPORTING_READ}), district_code=code
    )


def project_common(district: str = JINSHUI, programme_code: str = PROGRAMME) -> dict[str, object]:
    return {
        "project_id": uuid4(),
        "community_id": uuid4(),
        "district_code": district,
        "programme_code": programme_code,
    }


def award_common(district: str = JINSHUI) -> dict[str, object]:
    return {
        "award_id": uuid4(),
        "project_id": uuid4(),
        "district_code": district,
        "programme_code": PROGRAMME,
    }


def street_office(code: str, district_code: str) -> Principal:
    return Principal(
        code,
        code,
        OrganisationKind.STREET_OFFICE,
        frozenset({Scope.REPORTING_READ}),
        district_code=district_code,
    )


def department(code: str = "housing") -> Principal:
    return Principal(code, code, OrganisationKind.DEPARTMENT, frozenset({Scope.REPORTING_READ}))
