"""The Reflex app object: pages, and the API routers mounted through api_transformer.

This is the one module under agentflow/ allowed to import Reflex: it wires the
framework-free core to the UI. Everything it shows comes from agentflow.services.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from fastapi import FastAPI

from agentflow import __version__
from state import api_v1, auth_routes, system
from state.analytics import AnalyticsState
from state.analytics_governance import GovernanceState
from state.analytics_page import analytics_page
from state.api_docs import mount_docs
from state.api_keys import ApiKeysState
from state.api_keys_page import api_keys_page
from state.audit_log import AuditLogState
from state.audit_page import audit_page
from state.auth_pages import (
    AuthFormState,
    forgot_password_page,
    login_page,
    reset_password_page,
    signup_page,
)
from state.builder import BuilderState
from state.builder_page import builder_page
from state.executions import ExecutionsState
from state.executions_page import executions_page
from state.failed_runs import FailedRunsState
from state.failed_runs_page import failed_runs_page
from state.invite import InviteState
from state.invite_page import invite_page
from state.members import MembersState
from state.members_page import members_page
from state.notifications import NotificationsState
from state.notifications_page import notifications_page
from state.org_settings import OrgSettingsState
from state.pages import EMPTY_PAGES, EmptyPage, make_empty_page, settings_page
from state.run_detail import RunDetailState
from state.run_detail_page import run_detail_page
from state.schedules import SchedulesState
from state.schedules_page import schedules_page
from state.secrets import SecretsState
from state.secrets_page import secrets_page
from state.session import SessionState
from state.webhooks import WebhooksState
from state.webhooks_page import webhooks_page
from state.workflow_analytics import WorkflowAnalyticsState
from state.workflow_analytics_page import workflow_analytics_page
from state.workflows import WorkflowsState
from state.workflows_page import workflows_page


def create_api() -> FastAPI:
    api = FastAPI(
        title="AgentFlow API",
        version=__version__,
        docs_url=None,  # served by state.api_docs from local assets
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    api.include_router(system.router)
    api.include_router(api_v1.router)
    api.include_router(auth_routes.router)
    api_v1.install_error_handlers(api)
    mount_docs(api)
    return api


app = rx.App(api_transformer=create_api())


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
app.add_page(
    settings_page,
    route="/settings",
    title="Settings · AgentFlow",
    on_load=[SessionState.require, OrgSettingsState.load, system.SystemState.refresh],
)
app.add_page(
    executions_page,
    route="/executions",
    title="Executions · AgentFlow",
    on_load=[SessionState.require, ExecutionsState.load],
)
app.add_page(
    run_detail_page,
    route="/executions/[run_id]",
    title="Run · AgentFlow",
    on_load=[SessionState.require, RunDetailState.load],
)
for route in ("/", "/workflows"):
    app.add_page(
        workflows_page,
        route=route,
        title="Workflows · AgentFlow",
        on_load=[SessionState.require, WorkflowsState.load],
    )
app.add_page(
    builder_page,
    route="/workflows/[workflow_id]",
    title="Builder · AgentFlow",
    on_load=[SessionState.require, BuilderState.load],
)
app.add_page(login_page, route="/login", title="Log in · AgentFlow", on_load=AuthFormState.load)
app.add_page(signup_page, route="/signup", title="Sign up · AgentFlow", on_load=AuthFormState.load)
app.add_page(
    forgot_password_page,
    route="/forgot-password",
    title="Reset your password · AgentFlow",
    on_load=AuthFormState.load,
)
app.add_page(
    reset_password_page,
    route="/reset-password",
    title="Choose a new password · AgentFlow",
    on_load=AuthFormState.load,
)
app.add_page(
    api_keys_page,
    route="/settings/api-keys",
    title="API keys · AgentFlow",
    on_load=[SessionState.require, ApiKeysState.load],
)
app.add_page(
    analytics_page,
    route="/analytics",
    title="Analytics · AgentFlow",
    on_load=[SessionState.require, AnalyticsState.load, GovernanceState.load],
)
app.add_page(
    workflow_analytics_page,
    route="/analytics/workflows/[workflow_id]",
    title="Workflow analytics · AgentFlow",
    on_load=[SessionState.require, WorkflowAnalyticsState.load],
)
app.add_page(
    members_page,
    route="/settings/members",
    title="Members · AgentFlow",
    on_load=[SessionState.require, MembersState.load],
)
app.add_page(
    secrets_page,
    route="/settings/secrets",
    title="Secrets · AgentFlow",
    on_load=[SessionState.require, SecretsState.load],
)
app.add_page(
    audit_page,
    route="/settings/audit",
    title="Audit trail · AgentFlow",
    on_load=[SessionState.require, AuditLogState.load],
)
# Not SessionState.require: signed out, the page itself offers log-in and sign-up
# links that come back with the invitation's token (require would keep only the path).
app.add_page(invite_page, route="/invite", title="Invitation · AgentFlow", on_load=InviteState.load)
app.add_page(
    failed_runs_page,
    route="/executions/failed",
    title="Failed runs · AgentFlow",
    on_load=[SessionState.require, FailedRunsState.load],
)
app.add_page(
    schedules_page,
    route="/schedules",
    title="Schedules · AgentFlow",
    on_load=[SessionState.require, SchedulesState.load],
)
app.add_page(
    notifications_page,
    route="/notifications",
    title="Notifications · AgentFlow",
    on_load=[SessionState.require, NotificationsState.load],
)
app.add_page(
    webhooks_page,
    route="/settings/webhooks",
    title="Webhooks · AgentFlow",
    on_load=[SessionState.require, WebhooksState.load],
)
