"""The root command: one sub-command group per everyday task."""

from __future__ import annotations

import typer

from cli import dead_letters, health, ledger, outbox, programmes, replay, tokens

__all__ = ["app", "main"]

app = typer.Typer(
    name="renovation",
    help=(
        "Operate the renovation platform (老旧小区改造): tokens, health, dead letters, outbox, "
        "programmes, replay and rewind, ledger import."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
app.add_typer(tokens.app, name="token")
app.add_typer(dead_letters.app, name="dlq")
app.add_typer(outbox.app, name="outbox")
app.add_typer(ledger.app, name="ledger")
app.command("health")(health.health)
app.command("programmes")(programmes.programmes)
app.command("replay")(replay.replay_command)
app.command("rewind")(replay.rewind_command)


def main() -> None:
    """Entry point of the `renovation` console script."""
    app()
