"""CPU accounting: wall time and the CPU seconds of this process, the Kafka JVM and PostgreSQL."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, its own user+system CPU seconds, its reaped children's) from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (
        int(rest[1]),
        (int(rest[11]) + int(rest[12])) / _CLK_TCK,
        (int(rest[13]) + int(rest[14])) / _CLK_TCK,
    )


def _tree_cpu_s(root: int) -> float | None:
    """CPU seconds of a process tree: every live process under `root`, and the children the
    tree's processes have reaped (a PostgreSQL backend that closed, counted by the postmaster;
    the JVM under the Kafka launcher's watchdog is a live child). None when `root` is gone."""
    stats: dict[int, tuple[int, float, float]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            got = _proc_stat(int(entry))
            if got is not None:
                stats[int(entry)] = got
    if root not in stats:
        return None
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        _, own, reaped = stats[pid]
        total += own + reaped
        todo.extend(children.get(pid, ()))
    return total


class CpuProbe:
    """CPU seconds used so far by the Kafka JVM and the PostgreSQL server, each with every process
    under it (None: not visible, e.g. an external broker or database)."""

    def __init__(self, kafka_pid: int | None, pg_postmaster_pid: int | None) -> None:
        self.kafka_pid = kafka_pid
        self.pg_pid = pg_postmaster_pid

    def kafka(self) -> float | None:
        """The broker's watchdog and the JVM under it."""
        return None if self.kafka_pid is None else _tree_cpu_s(self.kafka_pid)

    def postgres(self) -> float | None:
        """The postmaster and its children, with the backends that have closed."""
        return None if self.pg_pid is None else _tree_cpu_s(self.pg_pid)


@dataclass
class Usage:
    """Wall time and CPU seconds of each party over one timed stretch."""

    wall_s: float
    py_cpu_s: float
    kafka_cpu_s: float | None
    pg_cpu_s: float | None


class Meter:
    """Times a `with` block: `meter.usage` holds the block's `Usage` once it exits."""

    usage: Usage

    def __init__(self, probe: CpuProbe) -> None:
        self.probe = probe

    def __enter__(self) -> Meter:
        self._wall = time.perf_counter()
        self._py = time.process_time()
        self._kafka = self.probe.kafka()
        self._pg = self.probe.postgres()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self._wall
        py = time.process_time() - self._py
        kafka_now = self.probe.kafka()
        kafka = None if kafka_now is None or self._kafka is None else kafka_now - self._kafka
        pg_now = self.probe.postgres()
        pg = None if pg_now is None or self._pg is None else pg_now - self._pg
        self.usage = Usage(wall, py, kafka, pg)
