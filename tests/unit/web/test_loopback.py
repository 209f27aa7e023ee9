"""The local stack listens on loopback: the runner binds BIND_HOST (127.0.0.1 by default)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from shared.settings import ServiceSettings
from shared.web import runner

ROOT = Path(__file__).resolve().parents[3]


def test_the_runner_binds_loopback_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BIND_HOST", raising=False)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(runner.uvicorn, "run", lambda *a, **kw: calls.append(kw))
    monkeypatch.setattr(runner, "configure_logging", lambda: None)
    runner.serve("x:y", ServiceSettings(service_name="registry", environment="test"))
    assert calls[0]["host"] == "127.0.0.1"


@pytest.mark.parametrize("procfile", ["Procfile", "deploy/Procfile.postgres"])
def test_the_local_procfiles_bind_every_service_to_loopback(procfile: str) -> None:
    text = (ROOT / procfile).read_text()
    assert "0.0.0.0" not in text
    services = [
        line for line in text.splitlines() if re.match(r"^(registry|funding|reporting|notification):", line)
    ]
    assert len(services) == 4
    assert all("BIND_HOST=127.0.0.1" in line for line in services)
