"""The load generator: wrk in its own process (installed from Debian's packages when missing), or
`bench.http.loadgen` (async httpx, also its own process) when wrk cannot be had."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.harness import say

SCRIPT = Path(__file__).with_name("report.lua")
MARKER = "BENCH_RESULT "


@dataclass(frozen=True)
class Request:
    """One scenario's request: method, path, JSON body (or None) and bearer token (or None)."""

    method: str
    path: str
    body: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class LoadResult:
    """What one timed run measured."""

    requests: int
    seconds: float
    non_2xx: int
    socket_errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    server_cpu_s: float | None = None
    """User + system CPU the server process used during the run (None: not measured)."""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float | None:
        """The server's CPU per request: steadier than requests/s on a machine others load."""
        if self.server_cpu_s is None or not self.requests:
            return None
        return 1000 * self.server_cpu_s / self.requests


def ensure_wrk() -> str | None:
    """wrk's path; installs Debian's `wrk` with apt-get when it is missing and we may (root).
    None when it cannot be had: the caller falls back to the httpx load generator."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        say("installing wrk from Debian's packages (apt-get install -y wrk)")
        done = subprocess.run([apt, "install", "-y", "wrk"], capture_output=True, text=True)
        if done.returncode != 0:
            say(f"apt-get install wrk failed: {done.stderr.strip()[-300:]}")
    return shutil.which("wrk")


def run_load(
    wrk: str | None, base_url: str, request: Request, *, seconds: float, connections: int
) -> LoadResult:
    """Drive `request` at `base_url` for `seconds` with `connections` keep-alive connections."""
    env = {
        **os.environ,
        "BENCH_METHOD": request.method,
        "BENCH_BODY": request.body or "",
        "BENCH_AUTHORIZATION": f"Bearer {request.token}" if request.token else "",
    }
    url = base_url + request.path
    if wrk:
        argv = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(SCRIPT), url]
    else:
        argv = [
            sys.executable, "-m", "bench.http.loadgen", url,
            "--seconds", str(seconds), "--connections", str(connections),
        ]  # fmt: skip
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=seconds + 120)
    for line in done.stdout.splitlines():
        if line.startswith(MARKER):
            raw = json.loads(line[len(MARKER) :])
            return LoadResult(
                requests=raw["requests"],
                seconds=raw["duration_us"] / 1e6,
                non_2xx=raw["non_2xx"],
                socket_errors=raw["socket_errors"],
                p50_ms=raw["p50_us"] / 1000,
                p95_ms=raw["p95_us"] / 1000,
                p99_ms=raw["p99_us"] / 1000,
            )
    raise RuntimeError(f"the load generator printed no result:\n{done.stdout}\n{done.stderr}")
