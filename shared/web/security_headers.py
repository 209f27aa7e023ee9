"""Security headers on every response: a pure ASGI wrapper around the whole app (500s included).

API responses get a CSP that allows nothing (`default-src 'none'`) and `Cache-Control: no-store`
(they carry tenant data); the local docs pages get a CSP that allows only this origin's scripts
and styles, plus the inline bootstrap script FastAPI writes into the page. Framing is refused
everywhere (`frame-ancestors 'none'` and `X-Frame-Options: DENY`).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["API_CSP", "DOCS_CSP", "SecurityHeadersMiddleware"]

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_COMMON: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeadersMiddleware:
    """Add the headers unless the response set them itself.

    Args:
        app: the whole app (wrapped outside FastAPI's error middleware, so 500s get them too).
        docs_paths: path prefixes served as HTML docs (get `DOCS_CSP` instead of `API_CSP`).
    """

    def __init__(self, app: ASGIApp, docs_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.docs_paths = tuple(docs_paths)
        api_only = ((b"content-security-policy", API_CSP.encode()), (b"cache-control", b"no-store"))
        self._api = (*_COMMON, *api_only)
        self._docs = (*_COMMON, (b"content-security-policy", DOCS_CSP.encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = bool(self.docs_paths) and scope["path"].startswith(self.docs_paths)
        extra = self._docs if is_docs else self._api

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {key.lower() for key, _ in headers}
                headers.extend(item for item in extra if item[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
