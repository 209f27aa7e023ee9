"""Rows of the printed report: facts, and CPU per event by process."""

from __future__ import annotations

import os

from bench.harness.cpu import Usage

LABEL_WIDTH = 22


def fact_lines(facts: list[tuple[str, str]]) -> list[str]:
    """One indented `name  value` line per fact."""
    return [f"  {key:<{LABEL_WIDTH}} {value}" for key, value in facts]


def us_per_event(seconds: float | None, n: int) -> str:
    """Microseconds per event, or n/a when the figure is not visible."""
    return "n/a" if seconds is None else f"{seconds / n * 1e6:7.1f}"


def pct(seconds: float | None, wall: float) -> str:
    """CPU seconds as a share of one core over the wall time."""
    return "n/a" if seconds is None else f"{seconds / wall * 100:4.0f}%"


def cpu_row(label: str, usage: Usage, n: int) -> list[str]:
    """Rate, CPU per event of each process, and how busy the whole machine was."""
    busy = "n/a"  # an external broker or database: its CPU is not visible from here
    if usage.kafka_cpu_s is not None and usage.pg_cpu_s is not None:
        total = usage.py_cpu_s + usage.kafka_cpu_s + usage.pg_cpu_s
        busy = f"{total / usage.wall_s / (os.cpu_count() or 1) * 100:3.0f}%"
    return [
        f"  {label:<{LABEL_WIDTH}} {n / usage.wall_s:7.0f}/s  "
        f"python {us_per_event(usage.py_cpu_s, n)} µs/ev "
        f"({pct(usage.py_cpu_s, usage.wall_s)} of a core, ≤{n / usage.py_cpu_s:6.0f}/s at 100%)  "
        f"kafka {us_per_event(usage.kafka_cpu_s, n)}  "
        f"postgres {us_per_event(usage.pg_cpu_s, n)}  "
        f"machine busy {busy}"
    ]
