"""REST API v1 under /api/v1: workflows, versions, runs, run events, templates,
analytics, schedules, notifications, outgoing events and model providers, documented at /api/docs.

``router`` carries every route; ``install_error_handlers(api)`` registers the JSON
error shape on the FastAPI app. Authentication, CSRF and rate limits: ``deps``.
"""

from __future__ import annotations

from fastapi import APIRouter

from state.web.api_v1 import (
    analytics,
    event_subscriptions,
    events,
    model_providers,
    notifications,
    runs,
    schedules,
    templates,
    versions,
    workflows,
)
from state.web.api_v1.errors import install_error_handlers

router = APIRouter()
router.include_router(workflows.router)
router.include_router(versions.router)
router.include_router(runs.router)
router.include_router(events.router)
router.include_router(analytics.router)
router.include_router(templates.router)
router.include_router(schedules.router)
router.include_router(notifications.router)
router.include_router(event_subscriptions.router)
router.include_router(model_providers.router)

__all__ = ["install_error_handlers", "router"]
