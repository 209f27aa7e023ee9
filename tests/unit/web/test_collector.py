"""The service process's garbage-collector thresholds: set by the runner for the process it
serves from and for each worker process, from the settings' `gc_thresholds`."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from shared.settings import ServiceSettings
from shared.web import runner


@pytest.fixture(autouse=True)
def collector() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(runner, "configure_logging", lambda: None)
    monkeypatch.setattr(runner.uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    saved = {name: os.environ.pop(name, None) for name in (runner.FACTORY_ENV, runner.COLLECTOR_ENV)}
    yield calls
    for name, value in saved.items():  # serve() writes them for its workers
        os.environ.pop(name, None)
        if value is not None:
            os.environ[name] = value


def small_app() -> FastAPI:
    """A factory for `worker_app` to build."""
    return FastAPI()


def test_the_default_collects_the_young_generation_less_often_than_python() -> None:
    settings = ServiceSettings(service_name="registry")
    assert settings.gc_thresholds == (50_000, 50, 100)
    assert settings.gc_thresholds[0] > 700  # CPython's own young threshold


def test_thresholds_are_bounded() -> None:
    with pytest.raises(ValidationError) as refused:
        ServiceSettings(service_name="registry", gc_thresholds=(-1, 10, 10))
    assert refused.value.errors()[0]["loc"][0] == "gc_thresholds"
    with pytest.raises(ValidationError):
        ServiceSettings(service_name="registry", gc_thresholds=(10_000_001, 10, 10))


def test_serve_sets_the_thresholds_of_the_process_it_serves_from(served: list[dict[str, Any]]) -> None:
    gc.set_threshold(700, 10, 10)
    runner.serve(
        "tests.unit.web.test_collector:small_app",
        ServiceSettings(service_name="registry", gc_thresholds=(12_345, 11, 12)),
    )
    assert gc.get_threshold() == (12_345, 11, 12)
    assert served[0]["app"] == "tests.unit.web.test_collector:small_app"


def test_each_worker_process_sets_the_same_thresholds(served: list[dict[str, Any]]) -> None:
    settings = ServiceSettings(service_name="registry", gc_thresholds=(23_456, 21, 22), web_workers=2)
    runner.serve("tests.unit.web.test_collector:small_app", settings)
    assert served[0]["app"] == "shared.web.runner:worker_app" and served[0]["workers"] == 2
    assert os.environ[runner.COLLECTOR_ENV] == "23456,21,22"
    gc.set_threshold(700, 10, 10)  # a fresh worker process starts with Python's own
    app = runner.worker_app()
    assert isinstance(app, FastAPI)
    assert gc.get_threshold() == (23_456, 21, 22)
