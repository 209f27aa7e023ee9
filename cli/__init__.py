"""`renovation`: the command line for operators and integrators (Typer + rich).

Why one tool: issuing a token, checking a running stack, re-driving dead letters and parked
outbox rows, and reading the programmes' rules were spread over modules and curl; each command
here is one of those everyday tasks, fast to start (heavy imports happen inside commands).
"""

from cli.app import app, main

__all__ = ["app", "main"]
