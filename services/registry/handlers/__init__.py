"""Registry commands and queries, by feature; each command writes its state change, its events and
its audit entry in the caller's transaction and never commits.

The registry consumes no events yet; `SUBSCRIPTIONS` is its (empty) subscription table.
"""

from shared.bus.subscriptions import Subscriptions

SUBSCRIPTIONS = Subscriptions({})

__all__ = ["SUBSCRIPTIONS"]
