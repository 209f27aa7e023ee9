"""Every published event type, by its stable type string.

The catalogue is collected from the producers' contract modules: a payload class with a `TYPE`
defined in one of `PRODUCER_MODULES` is published. Adding a contract is adding the class. Why a
catalogue: the consumer and the AsyncAPI document both need every type, and a list kept by hand
would drift from the classes.
"""

from __future__ import annotations

import inspect
from types import ModuleType

from shared.contracts import funding, registry, reporting
from shared.contracts.base import EventPayload

__all__ = ["EVENT_TYPES", "PRODUCER_MODULES", "payload_model"]

PRODUCER_MODULES: tuple[ModuleType, ...] = (registry, funding, reporting)
"""The contract modules of the producing services, one per service."""


def _published(modules: tuple[ModuleType, ...]) -> dict[str, type[EventPayload]]:
    found: dict[str, type[EventPayload]] = {}
    for module in modules:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, EventPayload) and cls.__module__ == module.__name__ and "TYPE" in vars(cls):
                if cls.TYPE in found and found[cls.TYPE] is not cls:
                    raise RuntimeError(f"event type {cls.TYPE} is defined twice")
                found[cls.TYPE] = cls
    return dict(sorted(found.items()))


EVENT_TYPES: dict[str, type[EventPayload]] = _published(PRODUCER_MODULES)
"""Every published type string to its payload class, sorted by type; import fails on a duplicate."""


def payload_model(event_type: str) -> type[EventPayload] | None:
    """The payload model for a type string, or None for a type this build does not know.

    Args:
        event_type: a versioned type string, e.g. ``registry.project.accepted.v1``.

    Returns:
        The payload class, or None (an unknown family or an unknown version of a known one).
    """
    return EVENT_TYPES.get(event_type)
