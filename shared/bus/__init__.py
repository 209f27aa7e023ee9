"""The event bus: outbox and relay, consumer with inbox, retries and dead-lettering.

Why a package apart from `shared.contracts`: the contracts say what an event is; the bus moves
events between services' databases and Kafka, exactly once in effect (transactional outbox on the
producing side, idempotent inbox on the consuming side). Import the module you need:
`outbox.add_to_outbox`, `subscriptions.Subscriptions`, `errors.RetryableError` / `PermanentError`.
"""

__all__: list[str] = []
