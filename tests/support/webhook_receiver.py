"""A subscriber's endpoint for tests: records every webhook, and can fail the first N on purpose."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI, Request, Response


@dataclass
class ReceivedWebhook:
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    fail_first: int = 0
    fail_status: int = 503
    received: list[ReceivedWebhook] = field(default_factory=list)
    attempts: int = 0

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            self.attempts += 1
            if self.attempts <= self.fail_first:
                return Response(status_code=self.fail_status)
            self.received.append(ReceivedWebhook(dict(request.headers), await request.body()))
            return Response(status_code=204)

        return app
