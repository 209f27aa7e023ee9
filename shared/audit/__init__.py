"""The append-only audit trail: `record()` in the write's transaction, `query()` for the office."""

from shared.audit.trail import AuditEntry, AuditEntryPublic, query, record

__all__ = ["AuditEntry", "AuditEntryPublic", "query", "record"]
