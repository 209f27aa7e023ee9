"""Ledger rules (台账): how communities and projects are registered and closed out.

These are management rules, not project steps: Zhengzhou 2019's 登记和销号 (七(二)) closes a
project's ledger entry, and Zhongyuan's 台账 (六) is how the headquarters checks each item.
"""

from __future__ import annotations

from pydantic import model_validator

from shared.policy.models.base import Cited, Frozen, Named, Party

__all__ = [
    "Ledger",
    "LedgerRule",
]


class LedgerRule(Cited, Named):
    """One ledger rule; `keepers` are the levels that keep the ledger, `closes_out` marks 销号."""

    keepers: tuple[Party, ...] = ()
    closes_out: bool = False


class Ledger(Frozen):
    """The plan's ledger rules (none when it states none)."""

    rules: tuple[LedgerRule, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> Ledger:
        codes = [r.code for r in self.rules]
        if len(set(codes)) != len(codes):
            raise ValueError("rules: duplicate ledger rule code")
        return self
