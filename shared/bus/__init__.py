"""The event bus: topics, outbox and relay, consumer with inbox, retries and dead-lettering."""
