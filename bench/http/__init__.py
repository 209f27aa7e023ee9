"""The HTTP path benchmark (issue 15): the registry's endpoints beside a bare FastAPI endpoint.

    python -m bench.http [--duration 10] [--connections 16] [--databases postgresql,sqlite]

Each server runs in its own process (one uvicorn worker, loopback only) and the load comes from
wrk (Debian's package, installed by `load.ensure_wrk`) or, when wrk cannot be had, from an async
httpx client in a separate process (`bench.http.loadgen`).
"""
