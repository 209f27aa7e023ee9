"""The final-accounts audit (决算审计): a figure recorded after acceptance, not a step."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.types import BODY, Fen, ProcessDate


class FinalAccountsAudit(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    audited_on: ProcessDate
    audited_investment_fen: Fen
    confirm_over_plan: bool = Field(
        default=False, description="Confirms an investment above OVER_PLAN_FACTOR × the plan."
    )
