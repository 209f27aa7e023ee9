"""The platform's shared library, in layers a reader can tell apart by folder.

Pure (no I/O): `money`, `clock`, `errors`, `context`, `types`, `access`, `settings`, and the
packages `policy` (programme rules), `directory` (organisations) and `contracts` (event payloads).
I/O: `db` (engines, unit of work, idempotency keys), `bus` (outbox, relay, consumer, inbox),
`audit`, `observability` and `web` (the FastAPI app builder and its dependencies). Services import
the modules they need; this package re-exports nothing, so importing it opens no connection.
"""

__all__: list[str] = []
