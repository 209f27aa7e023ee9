"""`renovation programmes [CODE]`: the programme profiles and their rules, each with its clause.

Read from the bundled profiles (`shared.policy`), the one home of programme rules; nothing here
restates a rule. Without CODE: one line per programme. With CODE: each cited rule of that
programme (eligibility, catalogue, lifecycle, funding, supervision ...) with the clause of the
plan it comes from, so a reader can check it against the document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from collections.abc import Iterator

    from shared.policy import Cited, ProgrammeProfile

__all__ = ["cited_rules", "programmes"]

_NOT_SHOWN = frozenset({"clause", "note", "see_also"})


def cited_rules(profile: ProgrammeProfile, *, with_parties: bool = False) -> Iterator[tuple[str, Cited]]:
    """Every cited rule with its path: the walk `GET /programmes/{code}` lists (imported lazily,
    so `renovation --help` does not load the web stack)."""
    from services.registry.api.programmes import cited_rules as walk

    return walk(profile, with_parties=with_parties)


def _summary(rule: Cited, limit: int = 160) -> str:
    parts = []
    for name in type(rule).model_fields:
        value = getattr(rule, name)
        if name in _NOT_SHOWN or isinstance(value, BaseModel | tuple | list) or value in (None, ""):
            continue
        parts.append(f"{name}={getattr(value, 'value', value)}")
    text = ", ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def programmes(
    code: Annotated[str | None, typer.Argument(help="a programme's code; omit to list them")] = None,
    parties: Annotated[
        bool, typer.Option("--parties", help="also list the office, departments, districts")
    ] = False,
) -> None:
    """List the programmes, or one programme's rules with their clause citations."""
    from shared.policy import bundled_profiles

    profiles = bundled_profiles()
    console = Console()
    if code is None:
        table = Table(title="Programmes (shared/policy/profiles)")
        for column in ("code", "name", "document", "issuer", "issued on", "rules"):
            table.add_column(column, overflow="fold")
        for profile in profiles.values():
            table.add_row(
                profile.code,
                profile.name_zh,
                profile.document_number,
                profile.issuer_zh,
                profile.issued_on.isoformat(),
                str(sum(1 for _ in cited_rules(profile))),
            )
        console.print(table)
        return
    profile = profiles.get(code)
    if profile is None:
        Console(stderr=True).print(f"[red]No programme {code!r}.[/red] Programmes: {', '.join(profiles)}")
        raise typer.Exit(2)
    table = Table(title=f"{profile.code}: {profile.name_zh} ({profile.document_number})")
    for column in ("rule", "clause", "kind", "values"):
        table.add_column(column, overflow="fold")
    for path, rule in cited_rules(profile, with_parties=parties):
        table.add_row(path, rule.clause, type(rule).__name__, _summary(rule))
    console.print(table)
