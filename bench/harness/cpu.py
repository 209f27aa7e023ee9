"""CPU accounting: wall time and the CPU seconds of this process, the Kafka JVM and PostgreSQL."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _proc_cpu_s(pid: int) -> tuple[int, float] | None:
    """(parent pid, user+system CPU seconds) of a process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / _CLK_TCK


class CpuProbe:
    """CPU seconds used so far by the Kafka JVM and the PostgreSQL server (None: not visible,
    e.g. an external broker or database)."""

    def __init__(self, kafka_pid: int | None, pg_postmaster_pid: int | None) -> None:
        self.kafka_pid = kafka_pid
        self.pg_pid = pg_postmaster_pid

    def kafka(self) -> float | None:
        if self.kafka_pid is None:
            return None
        got = _proc_cpu_s(self.kafka_pid)
        return got[1] if got else None

    def postgres(self) -> dict[int, float] | None:
        """Per-process CPU of the postmaster and its children (backends come and go)."""
        if self.pg_pid is None:
            return None
        out: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            got = _proc_cpu_s(pid)
            if got and (pid == self.pg_pid or got[0] == self.pg_pid):
                out[pid] = got[1]
        return out


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
        pg = None
        if pg_now is not None and self._pg is not None:
            pg = sum(cpu - self._pg.get(pid, 0.0) for pid, cpu in pg_now.items())
        self.usage = Usage(wall, py, kafka, pg)
