"""Bearer-token authentication: verifies OAuth2 client-credentials JWTs, the same in every service.

Tokens are signed with HS256 and `JWT_SECRET` locally; in production set `JWT_JWKS_URL` to the
city identity provider's JWKS and tokens are verified with its published keys (RS256/ES256). The
keys are fetched asynchronously and kept by `kid` (`shared.web.jwks.JwksKeys`, one per app): an
unknown `kid` refreshes the set at most once per 30 s, so no request ever waits on a blocking fetch.
Claims: `sub`, `org` (organisation code), `org_kind`, `district` (district-bound orgs), `scope`
(space-separated), `iss`, `aud`, `exp`, `iat`. `exp` and `iat` are required in every mode: a token
without them, issued in the future, or living longer than `JWT_MAX_LIFETIME_S` is refused, so no
leaked token stays valid for ever.

A verified token is remembered (`TokenCache`, keyed by the SHA-256 of the token, bounded) until its
own `exp`, so a busy caller does not pay for HMAC or RSA verification on every request; past `exp`
the token is verified afresh, so the answer is always the one verification would give.

    python -m shared.web.auth issue --org finance --kind department      # prints a token
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.access import OrganisationKind, Principal, default_scopes
from shared.errors import Forbidden, Unauthenticated
from shared.web.jwks import ALGORITHMS as JWKS_ALGORITHMS
from shared.web.jwks import JwksKeys
from shared.web.rate_limit import READ_METHODS, RateLimits

__all__ = [
    "AUDIENCE",
    "CLI_DEFAULT_TTL_S",
    "DEFAULT_LEEWAY_S",
    "DEFAULT_MAX_LIFETIME_S",
    "ISSUER",
    "REQUIRED_CLAIMS",
    "CurrentPrincipal",
    "TokenCache",
    "authenticate",
    "bearer",
    "check_scope",
    "decode_token",
    "issue_token",
    "main",
    "require",
]

ISSUER = "renovation-platform"
AUDIENCE = "renovation-platform"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
DEFAULT_MAX_LIFETIME_S = 24 * 3600
DEFAULT_LEEWAY_S = 60
CLI_DEFAULT_TTL_S = 12 * 3600
bearer = HTTPBearer(auto_error=False, description="OAuth2 client-credentials JWT")
"""The ``Authorization`` header, as a dependency that also documents the security scheme."""


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
    """Sign a local token (CLI and tests); production tokens come from the identity provider.

    Args:
        secret: the HS256 key (`ServiceSettings.jwt_key`).
        org_code: the caller's organisation code (claim `org`).
        org_kind: the organisation's kind (claim `org_kind`).
        subject: claim `sub`; defaults to ``client:<org_code>``.
        district_code: claim `district`, for district-bound organisations.
        scopes: the scopes granted; defaults to the kind's defaults (`shared.access.default_scopes`).
        ttl_s: seconds from now until the token expires.

    Returns:
        The signed, encoded JWT.
    """
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
    jwks_key: jwt.PyJWK | None = None,
    max_lifetime_s: int = DEFAULT_MAX_LIFETIME_S,
    leeway_s: int = DEFAULT_LEEWAY_S,
) -> Principal:
    """Verify signature, expiry, issue time, lifetime, issuer and audience; return the caller.

    Args:
        token: the encoded JWT, without the ``Bearer`` prefix.
        secret: the HS256 key, used when `jwks_key` is not given.
        jwks_key: the identity provider's key the token names (`JwksKeys.key_for`, awaited by the
            caller); when given, the token must be signed with it, in its algorithm (RS256/ES256).
        max_lifetime_s: the longest `exp - iat` accepted.
        leeway_s: clock skew tolerated on `exp` and on an `iat` in the future.

    Returns:
        The caller the token names.

    Raises:
        Unauthenticated: for any token that is not valid, with the reason.
    """
    principal, _ = _decode(
        token, secret=secret, jwks_key=jwks_key, max_lifetime_s=max_lifetime_s, leeway_s=leeway_s
    )
    return principal


def _decode(
    token: str,
    *,
    secret: str,
    jwks_key: jwt.PyJWK | None = None,
    max_lifetime_s: int = DEFAULT_MAX_LIFETIME_S,
    leeway_s: int = DEFAULT_LEEWAY_S,
) -> tuple[Principal, float]:
    """The caller and the token's `exp` (seconds since the epoch)."""
    options: dict[str, Any] = {"require": REQUIRED_CLAIMS}
    try:
        if jwks_key is not None:
            if jwks_key.algorithm_name not in JWKS_ALGORITHMS:
                raise ValueError(f"the key's algorithm {jwks_key.algorithm_name} is not accepted")
            claims = jwt.decode(
                token,
                jwks_key.key,
                algorithms=[jwks_key.algorithm_name],
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
        expires_at = float(claims["exp"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError, OverflowError) as exc:
        raise Unauthenticated(f"invalid bearer token: {exc}") from None
    if principal.is_district_bound and not principal.district_code:
        raise Unauthenticated("a district or street-office token must carry its district")
    return principal, expires_at


class TokenCache:
    """Verified tokens by the SHA-256 of the token, each kept until its own `exp` (not a second
    longer), at most `max_entries` (the least recently used goes first).

    One cache per app: apps in one process may trust different keys. Failures are never cached
    (each still counts against the auth-failure limit).

    Args:
        max_entries: bound on remembered tokens.
        clock: seconds since the epoch (tests pass a fake).
    """

    def __init__(self, max_entries: int = 10_000, clock: Callable[[], float] = time.time) -> None:
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[bytes, tuple[float, Principal]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def key(token: str) -> bytes:
        """The digest a token is stored under (the token itself is never kept).

        Args:
            token: the encoded JWT.

        Returns:
            The SHA-256 digest of the token.
        """
        return hashlib.sha256(token.encode()).digest()

    def get(self, token: str) -> Principal | None:
        """The cached caller of `token`, or None when unknown or at/after its `exp`.

        Args:
            token: the encoded JWT.

        Returns:
            The caller remembered for the token, or None.
        """
        key = self.key(token)
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, principal = entry
        if self._clock() >= expires_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return principal

    def put(self, token: str, principal: Principal, expires_at: float) -> None:
        """Remember a verified token until `expires_at` (its `exp`); no-op when already expired.

        Args:
            token: the encoded JWT, already verified.
            principal: the caller it names.
            expires_at: its `exp`, in seconds since the epoch.
        """
        if expires_at <= self._clock():
            return
        key = self.key(token)
        self._entries[key] = (expires_at, principal)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def verify(self, token: str, **decode_options: Any) -> Principal:
        """`decode_token(token, **decode_options)`, answered from the cache while it may be.

        Args:
            token: the encoded JWT.
            **decode_options: the keyword arguments of `decode_token` (secret, jwks_key, ...).

        Returns:
            The caller the token names.

        Raises:
            Unauthenticated: as `decode_token`.
        """
        cached = self.get(token)
        if cached is not None:
            return cached
        principal, expires_at = _decode(token, **decode_options)
        self.put(token, principal, expires_at)
        return principal

    async def verify_async(self, token: str, jwks: JwksKeys | None, **decode_options: Any) -> Principal:
        """As `verify`; on a miss, with `jwks`, the token's key is awaited from it first.

        Only a token not in the cache costs a key look-up; the signature is then checked
        synchronously (CPU only, no I/O).

        Args:
            token: the encoded JWT.
            jwks: the identity provider's keys, or None for HS256 with the `secret` option.
            **decode_options: the keyword arguments of `decode_token` but `jwks_key`.

        Returns:
            The caller the token names.

        Raises:
            Unauthenticated: as `decode_token`, or the key the token names is not published.
        """
        cached = self.get(token)
        if cached is not None:
            return cached
        if jwks is not None:
            decode_options["jwks_key"] = await jwks.key_for(token)
        principal, expires_at = _decode(token, **decode_options)
        self.put(token, principal, expires_at)
        return principal


async def authenticate(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> Principal:
    """The caller of this request; 401 without a valid bearer token, 429 when this client has
    failed too often or its organisation writes too fast (`shared.web.rate_limit`).

    Args:
        request: the request; its app's state holds the runtime, token cache and rate limits.
        credentials: the ``Authorization`` header, if any (FastAPI's `HTTPBearer`).

    Returns:
        The verified caller, also left in `request.state.principal`.

    Raises:
        Unauthenticated: no bearer token, or one that does not verify.
        TooManyRequests: this client IP failed too often, or the organisation writes too fast.
    """
    limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
    client_ip = request.client.host if request.client else "unknown"
    if limits is not None:
        limits.refuse_if_failing(client_ip)
    settings = request.app.state.runtime.settings
    try:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthenticated("a bearer token is required")
        principal = await _token_cache(request).verify_async(
            credentials.credentials,
            _jwks_keys(request, settings.jwt_jwks_url),
            secret=settings.jwt_key,
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


def _token_cache(request: Request) -> TokenCache:
    cache: TokenCache | None = getattr(request.app.state, "token_cache", None)
    if cache is None:
        cache = request.app.state.token_cache = TokenCache()
    return cache


def _jwks_keys(request: Request, url: str | None) -> JwksKeys | None:
    """The app's JWKS key source for `url` (created on first use), or None without a JWKS URL."""
    if not url:
        return None
    keys: JwksKeys | None = getattr(request.app.state, "jwks_keys", None)
    if keys is None or keys.url != url:
        keys = request.app.state.jwks_keys = JwksKeys(url)
    return keys


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def require(scope: str) -> Any:
    """A route dependency: the caller's token must carry `scope`, else 403.

    Args:
        scope: the scope the route needs, e.g. `Scope.REPORTING_READ` (`shared.access`).

    Returns:
        A `Depends` whose dependency answers the caller.

    Raises:
        Forbidden: (from the dependency, per request) the caller's token lacks `scope`.
    """

    async def check(principal: CurrentPrincipal) -> Principal:
        return check_scope(principal, scope)

    return Depends(check)


def check_scope(principal: Principal, scope: str) -> Principal:
    """The caller, if its token carries `scope`.

    Args:
        principal: the verified caller.
        scope: the scope a route needs.

    Returns:
        `principal`.

    Raises:
        Forbidden: the caller's token lacks `scope`.
    """
    if scope not in principal.scopes:
        raise Forbidden(f"this token lacks the scope '{scope}'")
    return principal


def main(argv: list[str] | None = None) -> int:
    """The command line `python -m shared.web.auth issue ...`: prints a signed local token.

    The key is the one the services use (`ServiceSettings(service_name="cli").jwt_key`).

    Args:
        argv: the arguments after the program name; None reads `sys.argv`.

    Returns:
        The exit status, 0 on success (argparse exits with 2 on a bad argument).
    """
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
