"""A programme profile: one plan's rules, loaded from `profiles/<code>.yaml`.

The cross-reference checks live here because only the whole profile knows which departments,
utilities and districts the plan names; a catalogue item citing an undeclared department is
almost always a typo that would route work to nobody.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from pydantic import Field, model_validator

from shared.policy.models.acknowledgement import ActionRequest
from shared.policy.models.base import Code, Frozen, Text
from shared.policy.models.catalogue import Catalogue
from shared.policy.models.eligibility import Eligibility
from shared.policy.models.funding import Funding
from shared.policy.models.jurisdiction import Jurisdiction
from shared.policy.models.ledger import Ledger
from shared.policy.models.lifecycle import Lifecycle
from shared.policy.models.parties import DepartmentRef, Office, UtilityRef
from shared.policy.models.service import ServiceLevel
from shared.policy.models.standards import Standard
from shared.policy.models.supervision import Supervision

__all__ = [
    "ProgrammeProfile",
]


class ProgrammeProfile(Frozen):
    """One programme's rules; an absent rule is None (or empty), never a guessed default."""

    code: Code
    name_zh: Text
    name_en: Text
    document_number: Text
    issuer_zh: Text
    issuer_en: Text
    issued_on: date
    year: int = Field(ge=1990, le=2100)

    office: Office | None = None
    departments: tuple[DepartmentRef, ...] = ()
    utilities: tuple[UtilityRef, ...] = ()
    jurisdiction: Jurisdiction
    eligibility: Eligibility
    catalogue: Catalogue
    lifecycle: Lifecycle
    ledger: Ledger = Ledger()
    funding: Funding | None = None
    supervision: Supervision
    service_levels: tuple[ServiceLevel, ...] = ()
    standards: tuple[Standard, ...] = ()
    action_requests: tuple[ActionRequest, ...] = ()

    @property
    def department_codes(self) -> frozenset[str]:
        """The codes of the departments the plan declares (catalogue items may only name these)."""
        return frozenset(d.code for d in self.departments)

    @property
    def utility_codes(self) -> frozenset[str]:
        """The codes of the utility companies the plan declares."""
        return frozenset(u.code for u in self.utilities)

    @model_validator(mode="after")
    def _consistent(self) -> ProgrammeProfile:
        if self.year != self.issued_on.year:
            raise ValueError(f"year: {self.year} does not match issued_on {self.issued_on}")
        _unique("departments", [d.code for d in self.departments])
        _unique("utilities", [u.code for u in self.utilities])
        _unique("service_levels", [s.code for s in self.service_levels])
        _unique("standards", [s.code for s in self.standards])
        for i, stage in enumerate(self.lifecycle.stages):
            for j, deadline in enumerate(stage.deadlines):
                if deadline.due_on < self.issued_on and not deadline.note:
                    raise ValueError(
                        f"lifecycle.stages[{i}].deadlines[{j}].note: due {deadline.due_on}, before the "
                        f"plan was issued ({self.issued_on}); say so in a note"
                    )
        departments = self.department_codes
        for path, code in self._department_refs():
            if code not in departments:
                raise ValueError(f"{path}: unknown department code {code!r} (not declared under departments)")
        items = {item.code for item in self.catalogue.items}
        for i, stage in enumerate(self.lifecycle.stages):
            for j, inspection in enumerate(stage.item_inspections):
                for k, code in enumerate(inspection.items):
                    if code not in items:
                        raise ValueError(
                            f"lifecycle.stages[{i}].item_inspections[{j}].items[{k}]: unknown catalogue "
                            f"item {code!r}"
                        )
        for i, item in enumerate(self.catalogue.items):
            for j, code in enumerate(item.responsible_utilities):
                if code not in self.utility_codes:
                    raise ValueError(
                        f"catalogue.items[{i}].responsible_utilities[{j}]: unknown utility code "
                        f"{code!r} (not declared under utilities)"
                    )
        if self.office is not None and self.office.host is not None:
            hosts = departments | {d.code for d in self.jurisdiction.districts}
            if self.office.host not in hosts:
                raise ValueError(
                    f"office.host: {self.office.host!r} is neither a declared department "
                    "nor a district of the jurisdiction"
                )
        return self

    def _department_refs(self) -> Iterator[tuple[str, str]]:
        """Every (field path, department code) the profile refers to."""
        for i, item in enumerate(self.catalogue.items):
            for j, code in enumerate(item.responsible_departments):
                yield f"catalogue.items[{i}].responsible_departments[{j}]", code
        for i, stage in enumerate(self.lifecycle.stages):
            for j, code in enumerate(stage.responsible_departments):
                yield f"lifecycle.stages[{i}].responsible_departments[{j}]", code
            for j, inspection in enumerate(stage.item_inspections):
                yield f"lifecycle.stages[{i}].item_inspections[{j}].department", inspection.department
        for i, request in enumerate(self.action_requests):
            for j, code in enumerate(request.departments):
                yield f"action_requests[{i}].departments[{j}]", code
        funding = self.funding
        if funding is not None and funding.award is not None:
            yield "funding.award.payer_department", funding.award.payer_department
            yield "funding.award.approver_department", funding.award.approver_department
            for j, code in enumerate(funding.award.rules_by):
                yield f"funding.award.rules_by[{j}]", code
        if funding is not None and funding.central_subsidy is not None:
            roles = funding.central_subsidy.roles
            if roles is not None:
                path = "funding.central_subsidy.roles"
                yield f"{path}.proposer_department", roles.proposer_department
                yield f"{path}.allocator_department", roles.allocator_department


def _unique(field: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for i, code in enumerate(codes):
        if code in seen:
            raise ValueError(f"{field}[{i}].code: duplicate code {code!r}")
        seen.add(code)
