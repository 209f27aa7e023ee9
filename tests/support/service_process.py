"""A service in a process of its own (`python -m services.<name>`, as the Procfile runs it), so a
test can SIGKILL it the way a node failure would and start it again on the same port and database.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.servers import free_port

REPO = Path(__file__).resolve().parents[2]


@dataclass
class ServiceProcess:
    """One service's process; `settings` are its environment (upper-cased by pydantic-settings)."""

    name: str
    settings: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout_s: float = 90) -> None:
        """Start the process and wait until `/readyz` says its relay and consumer run."""
        self.process = self._spawn()
        deadline = asyncio.get_running_loop().time() + timeout_s
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as client:
            while asyncio.get_running_loop().time() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited ({self.process.returncode}); see {self.log_path}")
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError(f"{self.name} was not ready in {timeout_s} s; see {self.log_path}")

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            **{key.upper(): value for key, value in self.settings.items()},
            "BIND_HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_WORKERS": "1",
        }
        with self.log_path.open("ab") as log:
            return subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", f"services.{self.name}"],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, whatever was in flight stays where it was."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM and wait (the test's clean-up); SIGKILL if it does not end."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
