"""Schemathesis on the pipeline-work operations alone, as a district and as a utility company: no
server error and no undocumented status on any generated request (the whole-service run in
test_schemathesis.py covers them too, but takes long enough that this faster one is kept)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.e2e.test_schemathesis import CORE_CHECKS, MAX_EXAMPLES, RELAXED, SEED, _failures, _schemathesis
from tests.support import tokens

RUN_TIMEOUT_S = 900


async def _run(url: str, headers: dict[str, str], report: Path) -> tuple[int, str]:
    """The whole-service run's options, on the operations whose path names pipeline work."""
    args = [
        _schemathesis(), "run", f"{url}/openapi.json", "--include-path-regex", "pipeline",
        "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
        "--generation-deterministic", "--no-shrink", "--no-color", "--workers", "1",
        "--report", "ndjson", "--report-ndjson-path", str(report), "--request-timeout", "30",
    ]  # fmt: skip
    for name, value in headers.items():
        args += ["--header", f"{name}: {value}"]
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=RUN_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return process.returncode or 0, output.decode(errors="replace")


@pytest.mark.parametrize("who", ["district", "utility"])
async def test_the_pipeline_operations_answer_only_documented_statuses(
    platform, who: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    await platform.start("registry", **RELAXED)
    identity = tokens.district() if who == "district" else tokens.utility("power")
    report = tmp_path / "events.ndjson"
    code, output = await _run(platform.servers["registry"].url, identity, report)
    assert report.exists(), output[-4000:]
    labels = {
        json.loads(line)["ScenarioFinished"]["recorder"]["label"]
        for line in report.read_text().splitlines()
        if "ScenarioFinished" in line
    }
    assert labels and all("pipeline" in label for label in labels), labels
    core = sorted(f for f in _failures(report) if f[0] in CORE_CHECKS)
    assert not core, f"server errors or undocumented statuses: {core}\n{output[-6000:]}"
    assert code == 0 or _failures(report), output[-4000:]
