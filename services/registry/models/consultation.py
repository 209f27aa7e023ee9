"""The residents' consultation and publicity (宣传发动, 征求居民意见, 公示)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.registry.models.bounds import MAX_HOUSEHOLDS
from shared.types import BODY, Count, Name, ProcessDate


class ResidentsConsultation(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    consulted_on: ProcessDate
    households_consulted: Count(MAX_HOUSEHOLDS, minimum=1)  # type: ignore[valid-type]
    households_in_favour: Count(MAX_HOUSEHOLDS)  # type: ignore[valid-type]
    publicity_notice: Name
    publicity_from: ProcessDate
    publicity_to: ProcessDate
