"""Metrics and structured logs: in-process state only, no I/O of their own.

Why apart from `web`: the bus records the same metrics and logs the same way outside any request.
Import `metrics` or `logs` directly.
"""

__all__: list[str] = []
