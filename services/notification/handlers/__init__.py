"""Notification's commands and event handlers, by feature; SUBSCRIPTIONS is its one event table."""

from services.notification.handlers.routing import fan_out
from shared.bus.subscriptions import Subscriptions
from shared.contracts.catalog import EVENT_TYPES

SUBSCRIPTIONS = Subscriptions({model: fan_out for model in EVENT_TYPES.values()})
"""Every published type is fanned out; who hears it is decided per subscription."""

__all__ = ["SUBSCRIPTIONS", "fan_out"]
