"""The append-only audit trail: `record()` in the write's transaction, `query()` for the office.

Why a package of its own: every service must answer "who changed this record, when, from which
request" the same way (the programmes' supervision duties), and the trail must not be editable.
`api` (the read endpoint) and `migration` (the table and its guards) are imported separately.
"""

from shared.audit.trail import AuditEntry, AuditEntryPublic, query, record

__all__ = ["AuditEntry", "AuditEntryPublic", "query", "record"]
