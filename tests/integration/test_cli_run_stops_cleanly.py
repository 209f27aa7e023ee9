"""`make run` stopped with Ctrl-C (or SIGTERM) ends quietly: no `make: *** Error 130/143`.

scripts/run is run as is, from a copy of the repository's layout in which `scripts/bootstrap` does
nothing and `honcho` is a stand-in that exits the way honcho does when it is interrupted.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
FAKE_HONCHO = """#!/usr/bin/env bash
trap 'echo "honcho: stopping"; exit 130' INT
trap 'echo "honcho: stopping"; exit 143' TERM
echo "honcho: started"
while true; do sleep 0.1; done
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "run", tmp_path / "scripts" / "run")
    (tmp_path / "scripts" / "bootstrap").write_text("#!/usr/bin/env bash\nexit 0\n")
    (tmp_path / ".venv" / "bin" / "honcho").write_text(FAKE_HONCHO)
    for executable in ("scripts/run", "scripts/bootstrap", ".venv/bin/honcho"):
        (tmp_path / executable).chmod(0o755)
    (tmp_path / "Procfile").write_text("")
    # the same recipe as the repository's Makefile
    (tmp_path / "Makefile").write_text("run:\n\tscripts/run\n")
    return tmp_path


def _run_then_signal(command: list[str], cwd: Path, sig: signal.Signals) -> tuple[int, str]:
    """Start `command` in its own process group, wait until honcho runs, then signal the group the
    way a terminal's Ctrl-C does."""
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    output = ""
    while "honcho: started" not in output and time.monotonic() < deadline:
        output += process.stdout.readline()
    os.killpg(process.pid, sig)
    rest, _ = process.communicate(timeout=30)
    return process.returncode, output + rest


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_make_run_stopped_by_a_signal_prints_no_make_error_and_says_where_data_is(
    checkout: Path, sig: signal.Signals
) -> None:
    _, output = _run_then_signal(["make", "run"], checkout, sig)
    assert "honcho: stopping" in output
    assert "Error" not in output, output
    assert "The platform has stopped" in output and "./var" in output


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_scripts_run_exits_zero_after_stopping_its_children(checkout: Path, sig: signal.Signals) -> None:
    status, output = _run_then_signal(["scripts/run"], checkout, sig)
    assert status == 0, output
    assert "honcho: stopping" in output and "The platform has stopped" in output
