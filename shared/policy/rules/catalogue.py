"""Look up renovation items and who is responsible for them.

Services route work by these: when a project picks item 8, Fire and Police are told. Why from the
profile: each plan assigns items to departments in its own words (and some to utility companies),
so routing follows the plan in force, not a table in a service.
"""

from __future__ import annotations

from shared.policy.errors import UnknownItemError
from shared.policy.models.catalogue import CatalogueItem
from shared.policy.models.profile import ProgrammeProfile

__all__ = [
    "ItemRef",
    "catalogue_item",
    "items_for_department",
    "items_in_category",
    "responsible_departments",
    "responsible_utilities",
]

ItemRef = CatalogueItem | int | str
"""An item as callers name it: the item itself, its number (8 or "8") or its code."""


def catalogue_item(profile: ProgrammeProfile, number_or_code: int | str) -> CatalogueItem:
    """The item with this number (8 or "8") or code; UnknownItemError when there is none.

    Args:
        profile: the programme's profile.
        number_or_code: the item's number (an int, or a string of digits) or its code.

    Returns:
        The catalogue item.

    Raises:
        UnknownItemError: no item has this number or code.
        TypeError: a boolean was passed.
    """
    if isinstance(number_or_code, bool):
        raise TypeError("an item is identified by number or code, not a boolean")
    key: int | str = number_or_code
    if isinstance(key, str) and key.strip().isdigit():
        key = int(key)
    for item in profile.catalogue.items:
        if item.number == key or item.code == key:
            return item
    raise UnknownItemError(f"{profile.code}: no catalogue item {number_or_code!r}")


def _resolve(profile: ProgrammeProfile, item: ItemRef) -> CatalogueItem:
    if isinstance(item, CatalogueItem):
        if item not in profile.catalogue.items:
            raise UnknownItemError(f"{profile.code}: item {item.code!r} is not in this catalogue")
        return item
    return catalogue_item(profile, item)


def responsible_departments(profile: ProgrammeProfile, item: ItemRef) -> tuple[str, ...]:
    """Department codes responsible for an item, in the profile's order (may be empty).

    Args:
        profile: the programme's profile.
        item: the item, its number or its code.

    Returns:
        The department codes.

    Raises:
        UnknownItemError: the item is not in this profile's catalogue.
    """
    return _resolve(profile, item).responsible_departments


def responsible_utilities(profile: ProgrammeProfile, item: ItemRef) -> tuple[str, ...]:
    """Utility-company codes that do (and pay for) their own work on an item.

    Args:
        profile: the programme's profile.
        item: the item, its number or its code.

    Returns:
        The utility codes, in the profile's order (may be empty).

    Raises:
        UnknownItemError: the item is not in this profile's catalogue.
    """
    return _resolve(profile, item).responsible_utilities


def items_for_department(profile: ProgrammeProfile, department: str) -> tuple[CatalogueItem, ...]:
    """The items a department is responsible for: what it should subscribe to.

    Args:
        profile: the programme's profile.
        department: a department code, e.g. ``fire``.

    Returns:
        The items in catalogue order; empty for a department responsible for none (or unknown).
    """
    return tuple(i for i in profile.catalogue.items if department in i.responsible_departments)


def items_in_category(profile: ProgrammeProfile, category: str) -> tuple[CatalogueItem, ...]:
    """The items of one category, in number order.

    Args:
        profile: the programme's profile.
        category: a category code of the catalogue.

    Returns:
        The items; empty for an unknown category.
    """
    items = [i for i in profile.catalogue.items if i.category == category]
    return tuple(sorted(items, key=lambda i: i.number))
