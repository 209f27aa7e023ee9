"""`renovation health`: GET /readyz of each local service, shown as one table.

Why /readyz: it says whether the service can do its work now (database and broker reachable),
not only that the process is up. Exit code 1 when any service is not ready, for scripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.table import Table

from cli.services import Service, default_port

__all__ = ["Readiness", "check", "health"]

TRANSPORT: httpx.AsyncBaseTransport | None = None
"""Tests replace this with an `httpx.MockTransport`; None sends real requests (to loopback)."""


@dataclass(frozen=True)
class Readiness:
    """One service's answer."""

    service: str
    url: str
    ready: bool
    status: str
    checks: str


async def check(urls: dict[str, str], timeout_s: float) -> list[Readiness]:
    """Ask every service's /readyz at once; an unreachable service is reported, not raised."""
    import asyncio

    async with httpx.AsyncClient(transport=TRANSPORT, timeout=timeout_s) as client:
        return list(await asyncio.gather(*(_one(client, name, url) for name, url in urls.items())))


async def _one(client: httpx.AsyncClient, name: str, base: str) -> Readiness:
    url = base.rstrip("/") + "/readyz"
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        return Readiness(name, base, False, "unreachable", type(exc).__name__)
    try:
        body = response.json()
    except ValueError:
        body = {}
    checks = body.get("checks", {}) if isinstance(body, dict) else {}
    shown = ", ".join(f"{k}: {v}" for k, v in checks.items()) if isinstance(checks, dict) else str(checks)
    return Readiness(name, base, response.status_code == 200, str(response.status_code), shown)


def health(
    host: Annotated[str, typer.Option(help="where the services listen")] = "127.0.0.1",
    url: Annotated[
        list[str] | None, typer.Option("--url", help="SERVICE=URL to override one service's address")
    ] = None,
    timeout: Annotated[float, typer.Option(help="seconds to wait for each answer")] = 3.0,
) -> None:
    """Check that each service of a running stack is ready (GET /readyz)."""
    import asyncio

    urls = {s.value: f"http://{host}:{default_port(s)}" for s in Service}
    for item in url or []:
        name, sep, address = item.partition("=")
        if not sep or name not in urls:
            raise typer.BadParameter(f"expected SERVICE=URL with SERVICE one of {', '.join(urls)}")
        urls[name] = address
    results = asyncio.run(check(urls, timeout))
    table = Table(title="Readiness (GET /readyz)")
    for column in ("service", "url", "ready", "status", "checks"):
        table.add_column(column)
    for r in results:
        table.add_row(
            r.service, r.url, "[green]yes[/green]" if r.ready else "[red]no[/red]", r.status, r.checks
        )
    Console().print(table)
    if not all(r.ready for r in results):
        raise typer.Exit(1)
