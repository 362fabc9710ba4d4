"""The Reflex app object: pages, and the API routers mounted through api_transformer.

This is the one module under agentflow/ allowed to import Reflex: it wires the
framework-free core to the UI. Everything it shows comes from agentflow.services.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import reflex as rx
from fastapi import FastAPI
from starlette.types import ASGIApp

from agentflow import __version__
from agentflow.queue import close_shared_queues
from state.pages.analytics.governance import GovernanceState
from state.pages.analytics.page import analytics_page
from state.pages.analytics.state import AnalyticsState
from state.pages.analytics.workflow import WorkflowAnalyticsState
from state.pages.analytics.workflow_page import workflow_analytics_page
from state.pages.api_keys.page import api_keys_page
from state.pages.api_keys.state import ApiKeysState
from state.pages.audit.page import audit_page
from state.pages.audit.state import AuditLogState
from state.pages.auth.page import (
    AuthFormState,
    finish_signup_page,
    forgot_password_page,
    login_page,
    reset_password_page,
    signup_page,
)
from state.pages.builder.page import builder_page
from state.pages.builder.state import BuilderState
from state.pages.builder.title import BuilderTitleState
from state.pages.builder.versions import BuilderVersionsState
from state.pages.invite.page import invite_page
from state.pages.invite.state import InviteState
from state.pages.members.page import members_page
from state.pages.members.state import MembersState
from state.pages.model_providers.page import ROUTE as MODEL_PROVIDERS_ROUTE
from state.pages.model_providers.page import model_providers_page
from state.pages.model_providers.state import ModelProvidersState
from state.pages.notifications.page import notifications_page
from state.pages.notifications.state import NotificationsState
from state.pages.org_settings.state import OrgSettingsState
from state.pages.runs.detail import RunDetailState
from state.pages.runs.detail_page import run_detail_page
from state.pages.runs.executions import ExecutionsState
from state.pages.runs.executions_page import executions_page
from state.pages.runs.failed import FailedRunsState
from state.pages.runs.failed_page import failed_runs_page
from state.pages.schedules.page import schedules_page
from state.pages.schedules.state import SchedulesState
from state.pages.secrets.page import secrets_page
from state.pages.secrets.state import SecretsState
from state.pages.shell import (
    EMPTY_PAGES,
    EmptyPage,
    make_empty_page,
    not_found_page,
    settings_page,
)
from state.pages.system import state as system
from state.pages.templates.detail import TemplateDetailState
from state.pages.templates.detail_page import template_detail_page
from state.pages.templates.page import templates_page
from state.pages.templates.state import TemplatesState
from state.pages.webhooks.page import webhooks_page
from state.pages.webhooks.state import WebhooksState
from state.pages.workflows.page import workflows_page
from state.pages.workflows.state import WorkflowsState
from state.session import SessionState
from state.web import api_v1, auth_routes, hooks
from state.web.api_docs import mount_docs
from state.web.page_status import PageStatus
from state.web.security_headers import FramingRule, SecurityHeaders


def create_api() -> FastAPI:
    api = FastAPI(
        title="AgentFlow API",
        version=__version__,
        docs_url=None,  # served by state.web.api_docs from local assets
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    api.include_router(system.router)
    api.include_router(api_v1.router)
    api.include_router(auth_routes.router)
    api.include_router(hooks.router)
    api_v1.install_error_handlers(api)
    mount_docs(api)
    return api


# Pages that need a signed-in user: (view, route, title, the page state's load events).
SIGNED_IN_PAGES: list[tuple[Callable[[], rx.Component], str, str, list[Any]]] = [
    (workflows_page, "/", "Workflows", [WorkflowsState.load]),
    (workflows_page, "/workflows", "Workflows", [WorkflowsState.load]),
    (
        builder_page,
        "/workflows/[workflow_id]",
        "Builder",
        [BuilderState.load, BuilderVersionsState.reset_view, BuilderTitleState.reset_view],
    ),
    (executions_page, "/executions", "Executions", [ExecutionsState.load]),
    (failed_runs_page, "/executions/failed", "Failed runs", [FailedRunsState.load]),
    (run_detail_page, "/executions/[run_id]", "Run", [RunDetailState.load]),
    (templates_page, "/templates", "Templates", [TemplatesState.load]),
    (template_detail_page, "/templates/[template_id]", "Template", [TemplateDetailState.load]),
    (schedules_page, "/schedules", "Schedules", [SchedulesState.load]),
    (notifications_page, "/notifications", "Notifications", [NotificationsState.load]),
    (analytics_page, "/analytics", "Analytics", [AnalyticsState.load, GovernanceState.load]),
    (
        workflow_analytics_page,
        "/analytics/workflows/[workflow_id]",
        "Workflow analytics",
        [WorkflowAnalyticsState.load],
    ),
    (
        settings_page,
        "/settings",
        "Settings",
        [OrgSettingsState.load, system.SystemState.refresh],
    ),
    (members_page, "/settings/members", "Members", [MembersState.load]),
    (api_keys_page, "/settings/api-keys", "API keys", [ApiKeysState.load]),
    (secrets_page, "/settings/secrets", "Secrets", [SecretsState.load]),
    (
        model_providers_page,
        MODEL_PROVIDERS_ROUTE,
        "Model providers",
        [ModelProvidersState.load],
    ),
    (webhooks_page, "/settings/webhooks", "Webhooks", [WebhooksState.load]),
    (audit_page, "/settings/audit", "Audit trail", [AuditLogState.load]),
]

# Open to everyone. The invitation page is not behind SessionState.require: signed
# out, it offers log-in and sign-up links that come back with the invitation's token
# (require would keep only the path).
PUBLIC_PAGES: list[tuple[Callable[[], rx.Component], str, str, Any]] = [
    (login_page, "/login", "Log in", AuthFormState.load),
    (signup_page, "/signup", "Sign up", AuthFormState.load),
    (finish_signup_page, "/signup/finish", "Finish signing up", AuthFormState.load),
    (forgot_password_page, "/forgot-password", "Reset your password", AuthFormState.load),
    (reset_password_page, "/reset-password", "Choose a new password", AuthFormState.load),
    (invite_page, "/invite", "Invitation", InviteState.load),
]

# Every address a page answers at; the not-found page is Reflex's "404" route.
PAGE_ROUTES = [
    *(page.route for page in EMPTY_PAGES),
    *(route for _, route, _, _ in SIGNED_IN_PAGES),
    *(route for _, route, _, _ in PUBLIC_PAGES),
]


def with_page_status(asgi_app: ASGIApp) -> PageStatus:
    """Deep links to pages with an id in their address answer 200 (state.web.page_status)."""
    return PageStatus(asgi_app, PAGE_ROUTES)


# Pages that other sites may frame, each with who may (the hosted chat page will be
# the one: its workflow names the origins). Every other response says DENY.
FRAMING_RULES: list[FramingRule] = []


def with_security_headers(asgi_app: ASGIApp) -> SecurityHeaders:
    """The outermost layer of our app: every page, API answer and error gets the headers."""
    return SecurityHeaders(asgi_app, framing=FRAMING_RULES)


# The API is mounted first (it mounts Reflex's own app, with the compiled frontend, under
# itself), then page statuses are set, then everything is wrapped in the security headers.
app = rx.App(api_transformer=[create_api(), with_page_status, with_security_headers])


@contextlib.asynccontextmanager
async def shared_clients() -> AsyncIterator[None]:
    """The web process's shared queue client lives as long as the app (agentflow.queue)."""
    yield
    await close_shared_queues()


app.register_lifespan_task(shared_clients)


def _page_component(page: EmptyPage) -> Callable[[], rx.Component]:
    def component() -> rx.Component:
        return make_empty_page(page)

    component.__name__ = page.route.strip("/") or "index"
    return component


for page in EMPTY_PAGES:
    app.add_page(
        _page_component(page),
        route=page.route,
        title=f"{page.title} · AgentFlow",
        on_load=SessionState.require,
    )

for view, route, title, loads in SIGNED_IN_PAGES:
    app.add_page(
        view, route=route, title=f"{title} · AgentFlow", on_load=[SessionState.require, *loads]
    )

for view, route, title, load in PUBLIC_PAGES:
    app.add_page(view, route=route, title=f"{title} · AgentFlow", on_load=load)

app.add_page(
    not_found_page, route="404", title="Page not found · AgentFlow", on_load=SessionState.require
)
