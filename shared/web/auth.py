"""Bearer-token authentication: verifies OAuth2 client-credentials JWTs, the same in every service.

Tokens are signed with HS256 and `JWT_SECRET` locally; in production set `JWT_JWKS_URL` to the
city identity provider's JWKS and tokens are verified with its published keys (RS256/ES256).
Claims: `sub`, `org` (organisation code), `org_kind`, `district` (district-bound orgs), `scope`
(space-separated), `iss`, `aud`, `exp`, `iat`. `exp` and `iat` are required in every mode: a token
without them, issued in the future, or living longer than `JWT_MAX_LIFETIME_S` is refused, so no
leaked token stays valid for ever.

    python -m shared.web.auth issue --org finance --kind department      # prints a token
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from functools import lru_cache
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.access import OrganisationKind, Principal, default_scopes
from shared.errors import Forbidden, Unauthenticated
from shared.web.rate_limit import READ_METHODS, RateLimits

ISSUER = "renovation-platform"
AUDIENCE = "renovation-platform"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
DEFAULT_MAX_LIFETIME_S = 24 * 3600
DEFAULT_LEEWAY_S = 60
CLI_DEFAULT_TTL_S = 12 * 3600
_bearer = HTTPBearer(auto_error=False, description="OAuth2 client-credentials JWT")


def issue_token(
    secret: str,
    *,
    org_code: str,
    org_kind: OrganisationKind,
    subject: str | None = None,
    district_code: str | None = None,
    scopes: Iterable[str] | None = None,
    ttl_s: int = 3600,
) -> str:
    """Sign a local token (CLI and tests); production tokens come from the identity provider."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject or f"client:{org_code}",
        "org": org_code,
        "org_kind": org_kind.value,
        "scope": " ".join(sorted(scopes if scopes is not None else default_scopes(org_kind, org_code))),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ttl_s,
    }
    if district_code:
        claims["district"] = district_code
    return jwt.encode(claims, secret, algorithm="HS256")


def decode_token(
    token: str,
    *,
    secret: str,
    jwks_url: str | None = None,
    max_lifetime_s: int = DEFAULT_MAX_LIFETIME_S,
    leeway_s: int = DEFAULT_LEEWAY_S,
) -> Principal:
    """Verify signature, expiry, issue time, lifetime, issuer and audience; return the caller.

    Raises:
        Unauthenticated: for any token that is not valid, with the reason.
    """
    options: dict[str, Any] = {"require": REQUIRED_CLAIMS}
    try:
        if jwks_url:
            key = _jwks_client(jwks_url).get_signing_key_from_jwt(token).key
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256", "ES256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options=options,  # type: ignore[arg-type]
                leeway=leeway_s,
            )
        else:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options=options,  # type: ignore[arg-type]
                leeway=leeway_s,
            )
        lifetime = int(claims["exp"]) - int(claims["iat"])
        if lifetime > max_lifetime_s:
            raise ValueError(f"token lifetime {lifetime}s exceeds the maximum of {max_lifetime_s}s")
        kind = OrganisationKind(claims["org_kind"])
        principal = Principal(
            subject=str(claims["sub"]),
            org_code=str(claims["org"]),
            org_kind=kind,
            scopes=frozenset(str(claims.get("scope", "")).split()),
            district_code=claims.get("district"),
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError, OverflowError) as exc:
        raise Unauthenticated(f"invalid bearer token: {exc}") from None
    if principal.is_district_bound and not principal.district_code:
        raise Unauthenticated("a district or street-office token must carry its district")
    return principal


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


async def authenticate(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal:
    """The caller of this request; 401 without a valid bearer token, 429 when this client has
    failed too often or its organisation writes too fast (`shared.web.rate_limit`)."""
    limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
    client_ip = request.client.host if request.client else "unknown"
    if limits is not None:
        limits.refuse_if_failing(client_ip)
    settings = request.app.state.runtime.settings
    try:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthenticated("a bearer token is required")
        principal = decode_token(
            credentials.credentials,
            secret=settings.jwt_key,
            jwks_url=settings.jwt_jwks_url,
            max_lifetime_s=settings.jwt_max_lifetime_s,
            leeway_s=settings.jwt_leeway_s,
        )
    except Unauthenticated:
        if limits is not None:
            limits.count_failure(client_ip)
        raise
    if limits is not None and request.method not in READ_METHODS:
        limits.count_write(principal.org_code)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def require(scope: str) -> Any:
    """A route dependency: the caller's token must carry `scope`, else 403."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if scope not in principal.scopes:
            raise Forbidden(f"this token lacks the scope '{scope}'")
        return principal

    return Depends(check)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.web.auth", description="Issue local tokens.")
    sub = parser.add_subparsers(dest="command", required=True)
    issue = sub.add_parser("issue", help="print a signed token for an organisation")
    issue.add_argument("--org", required=True, help="organisation code, e.g. finance or zz-jinshui")
    issue.add_argument("--kind", required=True, choices=[k.value for k in OrganisationKind])
    issue.add_argument("--district", help="district code (district and street-office tokens)")
    issue.add_argument("--scope", help="space-separated scopes (default: the kind's defaults)")
    issue.add_argument(
        "--ttl", type=int, default=CLI_DEFAULT_TTL_S, help="seconds (at most JWT_MAX_LIFETIME_S, 24 h)"
    )
    args = parser.parse_args(argv)
    from shared.settings import ServiceSettings

    settings = ServiceSettings(service_name="cli")
    if args.ttl > settings.jwt_max_lifetime_s:
        parser.error(f"--ttl may be at most {settings.jwt_max_lifetime_s}s (JWT_MAX_LIFETIME_S)")
    secret = settings.jwt_key
    kind = OrganisationKind(args.kind)
    district = args.district or (args.org if kind is OrganisationKind.DISTRICT else None)
    print(
        issue_token(
            secret,
            org_code=args.org,
            org_kind=kind,
            district_code=district,
            scopes=args.scope.split() if args.scope else None,
            ttl_s=args.ttl,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
