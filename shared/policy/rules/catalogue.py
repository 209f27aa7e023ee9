"""Look up renovation items and who is responsible for them.

Services route work by these: when a project picks item 8, Fire and Police are told.
"""

from __future__ import annotations

from shared.policy.errors import UnknownItemError
from shared.policy.models.catalogue import CatalogueItem
from shared.policy.models.profile import ProgrammeProfile

ItemRef = CatalogueItem | int | str


def catalogue_item(profile: ProgrammeProfile, number_or_code: int | str) -> CatalogueItem:
    """The item with this number (8 or "8") or code; UnknownItemError when there is none.

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

    Raises:
        UnknownItemError: the item is not in this profile's catalogue.
    """
    return _resolve(profile, item).responsible_departments


def responsible_utilities(profile: ProgrammeProfile, item: ItemRef) -> tuple[str, ...]:
    """Utility-company codes that do (and pay for) their own work on an item.

    Raises:
        UnknownItemError: the item is not in this profile's catalogue.
    """
    return _resolve(profile, item).responsible_utilities


def items_for_department(profile: ProgrammeProfile, department: str) -> tuple[CatalogueItem, ...]:
    """The items a department is responsible for: what it should subscribe to."""
    return tuple(i for i in profile.catalogue.items if department in i.responsible_departments)


def items_in_category(profile: ProgrammeProfile, category: str) -> tuple[CatalogueItem, ...]:
    """The items of one category, in number order."""
    items = [i for i in profile.catalogue.items if i.category == category]
    return tuple(sorted(items, key=lambda i: i.number))
