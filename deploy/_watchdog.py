"""Tie a server's life to its launcher: `python -m deploy._watchdog [--on-exit CMD] [-- CMD ...]`.

The launcher starts this with a pipe as stdin and never writes to it. When the launcher dies, by
SIGKILL included, the kernel closes its end and the read here returns EOF: the watchdog then
stops its child (SIGTERM, then SIGKILL after a grace period) and runs the `--on-exit` command
(e.g. `pg_ctl stop -m immediate` for a postmaster that daemonised itself). SIGTERM/SIGINT sent to
the watchdog are forwarded to the child. A pipe, unlike PR_SET_PDEATHSIG, does not fire when
merely the thread that started the process exits.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import subprocess
import sys
import threading

GRACE_S = 15.0


def _stop(child: subprocess.Popen[bytes] | None, on_exit: str | None) -> None:
    if child is not None and child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            child.terminate()
        try:
            child.wait(timeout=GRACE_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            child.wait(timeout=10)
    if on_exit:
        subprocess.run(shlex.split(on_exit), stdin=subprocess.DEVNULL, check=False, timeout=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy._watchdog", description=__doc__)
    parser.add_argument("--on-exit", default=None, help="command to run when the launcher is gone")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL) if command else None
    launcher_gone = threading.Event()

    def watch_stdin() -> None:
        with contextlib.suppress(OSError):
            while sys.stdin.buffer.read(1):
                pass
        launcher_gone.set()

    def forward(signum: int, _frame: object) -> None:
        if child is not None and child.poll() is None:
            child.send_signal(signum)
        else:
            launcher_gone.set()

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    threading.Thread(target=watch_stdin, daemon=True).start()
    while not launcher_gone.wait(0.2):
        if child is not None and child.poll() is not None:
            return child.returncode
    _stop(child, args.on_exit)
    return 0 if child is None else (child.returncode or 0)


if __name__ == "__main__":
    sys.exit(main())
