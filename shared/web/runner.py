"""Runs one service process: JSON logs, then uvicorn on the service's app factory.

`WEB_WORKERS` (settings `web_workers`, default 1) sets how many worker processes serve the port:
one event loop per core is how a container uses more than one core. Each worker is a separate
process with its own pool, token cache and in-memory rate limits (see shared/web/rate_limit.py).
Compose and the cluster manifests set it per service.
"""

from __future__ import annotations

import os
from importlib import import_module

import uvicorn
from fastapi import FastAPI

from shared.observability.logs import configure_logging
from shared.settings import ServiceSettings
from shared.web.collector import tune_collector

__all__ = ["COLLECTOR_ENV", "FACTORY_ENV", "serve", "worker_app"]

FACTORY_ENV = "RENOVATION_APP_FACTORY"
"""Names the service's factory for `worker_app` in worker processes (they inherit the env)."""

COLLECTOR_ENV = "RENOVATION_GC_THRESHOLDS"
"""Carries the settings' `gc_thresholds` to worker processes, as "young,middle,old"."""


def serve(factory: str, settings: ServiceSettings) -> None:
    """Serve `factory` ("package.module:function") on `settings.bind_host`:`settings.port`.

    `BIND_HOST` defaults to 127.0.0.1: a local stack is reachable from this machine only. A
    container sets 0.0.0.0 so its published port works (docker-compose.yml). uvicorn's own access
    log is off: `RequestContextMiddleware` writes one line per request with its correlation id.

    Args:
        factory: the app factory's import path, called with no arguments (settings from the env).
        settings: where to listen and how many worker processes to run (`web_workers`).
    """
    configure_logging()
    tune_collector(settings.gc_thresholds)
    workers = settings.web_workers
    if workers > 1:
        os.environ[FACTORY_ENV] = factory
        os.environ[COLLECTOR_ENV] = ",".join(map(str, settings.gc_thresholds))
        factory = "shared.web.runner:worker_app"
    uvicorn.run(
        factory,
        factory=True,
        host=settings.bind_host,
        port=settings.port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


def worker_app() -> FastAPI:
    """The app of one worker process: configure its JSON logs and collector, then build the named
    service."""
    configure_logging()
    young, middle, old = (int(n) for n in os.environ[COLLECTOR_ENV].split(","))
    tune_collector((young, middle, old))
    module, _, name = os.environ[FACTORY_ENV].partition(":")
    app: FastAPI = getattr(import_module(module), name)()
    return app
