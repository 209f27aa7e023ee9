"""Service-level targets for property services after renovation (Zhongyuan's 八有 / 四有)."""

from __future__ import annotations

from pydantic import model_validator

from shared.policy.models.base import Cited, Named, Text

__all__ = [
    "ServiceItem",
    "ServiceLevel",
]


class ServiceItem(Named):
    """One "have", e.g. 有公共保洁 (public cleaning)."""


class ServiceLevel(Cited, Named):
    """A named set of services a community of the stated kind must have."""

    applies_to_zh: Text
    applies_to_en: Text
    items: tuple[ServiceItem, ...]

    @model_validator(mode="after")
    def _unique(self) -> ServiceLevel:
        codes = [item.code for item in self.items]
        if not codes:
            raise ValueError("items: a service level needs at least one item")
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"items: duplicate service item codes {duplicates}")
        return self
