"""System health: the ``GET /api/health`` route and the state behind Settings → System."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from agentflow.services.system.health import Health, check_health
from agentflow.settings import get_settings

router = APIRouter()


async def current_health() -> Health:
    settings = get_settings()
    return await check_health(
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        heartbeat_ttl_s=settings.worker_heartbeat_ttl_s,
    )


@router.get("/api/health", tags=["system"], summary="Database, Redis and worker-pool health")
async def health() -> JSONResponse:
    """200 when the database, Redis and at least one worker are alive, 503 otherwise."""
    result = await current_health()
    return JSONResponse(result.as_dict(), status_code=200 if result.ok else 503)


class SystemState(rx.State):
    loading: bool = False
    overall: str = ""
    components: list[dict[str, Any]] = []

    @rx.event
    async def refresh(self) -> AsyncIterator[None]:
        self.loading = True
        yield
        result = (await current_health()).as_dict()
        self.overall = result.pop("status")
        self.components = [
            {"name": name, "ok": part["ok"], "detail": part["detail"]}
            for name, part in result.items()
        ]
        self.loading = False
