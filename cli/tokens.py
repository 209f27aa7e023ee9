"""`renovation token issue --org CODE`: a signed local token for an organisation of the directory.

The kind and district come from the organisation directory (seeded from the programme
profiles), so nobody types them, and a typo is refused here with suggestions rather than
producing a token that fails later with a scope error. The token is signed with the same local
secret the services use (`shared.settings`: JWT_SECRET, or ./var/jwt-secret in development).
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from shared.directory import Organisation

__all__ = ["app", "directory_organisations", "find_organisation", "issue"]

app = typer.Typer(help="Issue local bearer tokens.", no_args_is_help=True)
_err = Console(stderr=True)


def directory_organisations() -> list[Organisation]:
    """The organisation directory seeded from the bundled programme profiles."""
    from shared.directory import seed_directory
    from shared.policy import bundled_profiles

    return seed_directory(bundled_profiles())


def find_organisation(code: str) -> Organisation:
    """The directory's organisation with `code`.

    Raises:
        typer.Exit: code 2 after printing the closest codes, when there is none.
    """
    from shared.directory import by_code

    directory = directory_organisations()
    found = by_code(directory).get(code)
    if found is not None:
        return found
    codes = [org.code for org in directory]
    names = {org.code: f"{org.name_zh} {org.name_en}" for org in directory}
    close = difflib.get_close_matches(code, codes, n=5, cutoff=0.5)
    close += [c for c in codes if code.lower() in names[c].lower() and c not in close][:5]
    _err.print(f"[red]No organisation {code!r} in the directory.[/red]")
    if close:
        _err.print("Did you mean: " + ", ".join(f"[bold]{c}[/bold] ({names[c]})" for c in close))
    else:
        _err.print("Codes: " + ", ".join(codes))
    raise typer.Exit(2)


@app.command("issue")
def issue(
    org: Annotated[str, typer.Option("--org", help="organisation code, e.g. finance or zz-jinshui")],
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="a scope (repeatable); default: the kind's scopes")
    ] = None,
    ttl: Annotated[int, typer.Option("--ttl", min=60, help="lifetime in seconds")] = 12 * 3600,
    subject: Annotated[str | None, typer.Option("--subject", help="the `sub` claim")] = None,
) -> None:
    """Print a signed token for ORG (kind and district looked up in the directory)."""
    from shared.access import OrganisationKind
    from shared.settings import ServiceSettings
    from shared.web.auth import issue_token

    organisation = find_organisation(org)
    try:
        settings = ServiceSettings(service_name="cli")
    except ValueError as exc:
        _err.print(f"[red]Cannot sign: {exc}[/red]")
        raise typer.Exit(1) from None
    if ttl > settings.jwt_max_lifetime_s:
        raise typer.BadParameter(
            f"at most {settings.jwt_max_lifetime_s}s (JWT_MAX_LIFETIME_S)", param_hint="--ttl"
        )
    kind = OrganisationKind(organisation.kind.value)
    district = {
        OrganisationKind.DISTRICT: organisation.code,
        OrganisationKind.STREET_OFFICE: organisation.parent_code,
    }.get(kind)
    token = issue_token(
        settings.jwt_key,
        org_code=organisation.code,
        org_kind=kind,
        subject=subject,
        district_code=district,
        scopes=scope or None,
        ttl_s=ttl,
    )
    _err.print(
        f"[dim]{organisation.code}: {organisation.name_zh} ({kind.value}"
        + (f", district {district}" if district else "")
        + f"), valid {ttl}s[/dim]"
    )
    typer.echo(token)
