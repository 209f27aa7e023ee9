"""Approval, design review, cost review and tender (Kaifeng 七(五); Zhongyuan 三(一))."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from shared.types import BODY, Fen, Name, Note, ProcessDate


class ReviewRecord(BaseModel):
    """A project approval (立项), design review (设计审核) or cost review (造价评审)."""

    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    done_on: ProcessDate
    reference: Name
    note: Note | None = None


class TenderAward(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    awarded_on: ProcessDate
    contractor: Name
    supervisor: Name | None = None
    contract_fen: Fen | None = None
