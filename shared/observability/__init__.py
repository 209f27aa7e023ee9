"""Metrics and structured logs: in-process state only, no I/O of their own."""
