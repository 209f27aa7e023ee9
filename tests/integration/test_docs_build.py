"""The documentation site builds offline with --strict: no broken link, no missing page, and the
generated API reference and event catalogue are there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_site_builds_strict_with_every_section(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "WARNING" not in result.stderr
    for page in (
        "index.html",
        "getting-started.html",
        "architecture.html",
        "glossary.html",
        "programmes.html",
        "receivers.html",
        "operations.html",
        "errors.html",
        "reference/events.html",
        "reference/deploy.html",
    ):
        assert (site / page).is_file(), page
    for service in ("registry", "funding", "reporting", "notification"):
        assert (site / "reference" / "api" / f"{service}.openapi.json").is_file()
        assert "/readyz" in (site / "reference" / "api" / f"{service}.html").read_text(encoding="utf-8")
    assert "registry.project.accepted.v1" in (site / "reference" / "events.html").read_text(encoding="utf-8")
    # offline: no page loads a script or stylesheet from another host
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", text), html
