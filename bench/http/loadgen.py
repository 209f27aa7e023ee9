"""The fallback load generator (when wrk cannot be installed): N keep-alive connections, each
sending the next request when the last one answered, for a fixed time; prints wrk's summary line.

    python -m bench.http.loadgen URL --seconds 10 --connections 16   (request from BENCH_* env)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

import httpx


async def _connection(
    client: httpx.AsyncClient, method: str, url: str, body: str | None, until: float, out: list[float]
) -> int:
    bad = 0
    while time.perf_counter() < until:
        start = time.perf_counter()
        response = await client.request(method, url, content=body)
        out.append(time.perf_counter() - start)
        bad += not 200 <= response.status_code < 300
    return bad


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q / 100 * len(sorted_values)))]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    headers = {}
    if auth := os.environ.get("BENCH_AUTHORIZATION"):
        headers["Authorization"] = auth
    body = os.environ.get("BENCH_BODY") or None
    if body:
        headers["Content-Type"] = "application/json"
    method = os.environ.get("BENCH_METHOD", "GET")
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    latencies: list[float] = []
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        start = time.perf_counter()
        until = start + args.seconds
        bad = await asyncio.gather(
            *(_connection(client, method, args.url, body, until, latencies) for _ in range(args.connections))
        )
        elapsed = time.perf_counter() - start
    latencies.sort()
    summary = {
        "requests": len(latencies),
        "duration_us": int(elapsed * 1e6),
        "non_2xx": sum(bad),
        "socket_errors": 0,
        **{f"p{q}_us": int(_percentile(latencies, q) * 1e6) for q in (50, 95, 99)},
    }
    print("BENCH_RESULT " + json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main())
