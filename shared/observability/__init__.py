"""Metrics, structured logs and traces: in-process state only, no I/O of their own (traces are
exported over OTLP only when configured: `tracing`).

Why apart from `web`: the bus records the same metrics and logs the same way outside any request.
Import `metrics`, `logs` or `tracing` directly.
"""

__all__: list[str] = []
