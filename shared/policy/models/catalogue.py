"""The renovation catalogue: numbered items in categories, each with the parties responsible.

Zhengzhou 2019 numbers its 30 items itself (三); Kaifeng lists content without numbers (五), so
its profile numbers them in document order and says so (`numbered_by_document: false`).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from shared.policy.models.base import Cited, Clause, Code, Frozen, Named, Party, Reading

__all__ = [
    "Catalogue",
    "CatalogueItem",
    "CatalogueLead",
    "Category",
]


class Category(Cited, Named):
    """A group of items, e.g. 改造基础设施 (infrastructure) or 基础性改造 (basic)."""


class CatalogueItem(Cited, Named):
    """One renovation item; `responsibility_clause` cites where its parties are named.

    `responsibility_reading` is `platform` where the plan's sentence does not map departments to
    items one to one (Kaifeng 七(二): three departments "分别" lead four kinds of facility).
    """

    number: int = Field(ge=1)
    category: Code
    responsible_departments: tuple[Code, ...] = ()
    responsible_utilities: tuple[Code, ...] = ()
    responsibility_clause: Clause | None = None
    responsibility_reading: Reading = Reading.DOCUMENT

    @property
    def cited_responsibility(self) -> str:
        """The clause that assigns the responsible parties."""
        return self.responsibility_clause or self.clause


class CatalogueLead(Cited):
    """Which level of government carries out the items (各区 / 各街道办事处)."""

    party: Party


class Catalogue(Frozen):
    """Categories and items; numbers and codes are unique and every item's category exists."""

    lead: CatalogueLead
    numbered_by_document: bool = True
    note: str | None = None
    categories: tuple[Category, ...]
    items: tuple[CatalogueItem, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        if not self.items:
            raise ValueError("items: a catalogue needs at least one item")
        categories: set[str] = set()
        for i, category in enumerate(self.categories):
            if category.code in categories:
                raise ValueError(f"categories[{i}].code: duplicate category code {category.code!r}")
            categories.add(category.code)
        numbers: set[int] = set()
        codes: set[str] = set()
        for i, item in enumerate(self.items):
            if item.number in numbers:
                raise ValueError(f"items[{i}].number: duplicate item number {item.number}")
            if item.code in codes:
                raise ValueError(f"items[{i}].code: duplicate item code {item.code!r}")
            if item.category not in categories:
                raise ValueError(
                    f"items[{i}].category: unknown category {item.category!r} "
                    f"(declared: {', '.join(sorted(categories))})"
                )
            numbers.add(item.number)
            codes.add(item.code)
        return self
