"""The builder's Versions dialog: publish with a message, the version list, a diff of
any two versions (as text, and as highlights on a read-only canvas), rollback, and
the webhook URL with copy and rotate.

Thin: every action goes through ``services.workflows.versions`` /
``services.triggers.webhooks`` with the signed-in actor, which check permissions,
scope by organisation and record the audit trail.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import reflex as rx

from agentflow.errors import AgentFlowError, Forbidden, WorkflowNotFound
from agentflow.services.tenancy.permissions import Action, Actor
from agentflow.services.triggers import webhooks
from agentflow.services.workflows import versions
from agentflow.services.workflows.management import InvalidWorkflow
from agentflow.spec.diff import DocumentDiff
from components.formatting import relative_time, timestamp
from state.common import database_url
from state.pages.builder.state import BuilderState, DraftNotSaved
from state.session import current_actor

LINE_KINDS = {"+": "added", "-": "removed", "~": "changed"}


def _ref(value: str) -> versions.VersionRef:
    return versions.DRAFT if value == versions.DRAFT else int(value)


def _label(value: str) -> str:
    return "the draft" if value == versions.DRAFT else f"version {value}"


def diff_rows(diff: DocumentDiff) -> list[dict[str, str]]:
    """The diff's text lines with their kind (added, removed, changed), for colouring."""
    return [{"kind": LINE_KINDS[line[0]], "text": line} for line in diff.lines()]


class BuilderVersionsState(rx.State):
    open: bool = False
    tab: str = "versions"
    loading: bool = False
    error: str = ""
    rows: list[dict[str, str]] = []
    publish_message: str = ""
    publishing: bool = False
    compare_from: str = ""
    compare_to: str = ""
    diff_title: str = ""
    diff_summary: str = ""
    diff_lines: list[dict[str, str]] = []
    compare_view: dict[str, Any] = {}
    rollback_version: str = ""
    rotate_open: bool = False
    webhook: dict[str, str] = {}
    webhook_shown: bool = False  # the actor may see webhook URLs (webhook.manage)

    _seen: str = ""  # which workflow's list, of how many versions, the defaults are for
    _comparison: dict[str, Any] = {}

    @rx.var
    def version_options(self) -> list[str]:
        return [row["version"] for row in self.rows] + [versions.DRAFT]

    @rx.var
    def compared(self) -> bool:
        return bool(self.diff_title)

    # -- opening -----------------------------------------------------------------------------

    @rx.event
    def reset_view(self) -> None:
        """A builder page (re)loads: forget what was shown for the previous workflow."""
        self.open, self.rotate_open, self.rollback_version = False, False, ""
        self.rows, self.webhook, self.webhook_shown, self.error = [], {}, False, ""
        self._clear_diff()
        self.compare_view = {}

    def _clear_diff(self) -> None:
        self.diff_title, self.diff_summary, self.diff_lines = "", "", []
        self._comparison = {}

    async def _context(self) -> tuple[Actor, uuid.UUID]:
        builder = await self.get_state(BuilderState)
        actor = await current_actor(self)
        if actor is None:
            raise Forbidden("your session has ended: log in again")
        if not builder.current_workflow:
            raise WorkflowNotFound("")
        return actor, uuid.UUID(builder.current_workflow)

    async def _refresh(self) -> None:
        actor, workflow_id = await self._context()
        db = database_url()
        listed = await asyncio.to_thread(versions.list_versions, db, actor, workflow_id)
        self.rows = [
            {
                "version": str(row.version),
                "message": row.message,
                "author": row.author or "unknown",
                "when": relative_time(row.created_at),
                "at": timestamp(row.created_at),
                "latest": "yes" if row.latest else "",
            }
            for row in listed
        ]
        seen = f"{workflow_id}:{len(self.rows)}"
        if seen != self._seen:  # another workflow, or a new version: compare the newest
            self._seen = seen
            self._clear_diff()
            numbers = [row["version"] for row in self.rows[:2]]
            if len(numbers) == 2:  # the previous version → the latest
                self.compare_from, self.compare_to = numbers[1], numbers[0]
            else:  # the only version → the draft (or nothing to compare yet)
                self.compare_from = numbers[0] if numbers else ""
                self.compare_to = versions.DRAFT if numbers else ""
        self.webhook, self.webhook_shown = {}, actor.allowed(Action.WEBHOOK_MANAGE)
        if self.webhook_shown:
            info = await asyncio.to_thread(webhooks.webhook_info, db, actor, workflow_id)
            self.webhook = _webhook_row(info)

    @rx.event
    async def open_dialog(self) -> Any:
        self.open, self.loading, self.error = True, True, ""
        yield
        try:
            await self._refresh()
        except AgentFlowError as exc:
            self.error = exc.message
        finally:
            self.loading = False

    @rx.event
    def set_open(self, value: bool) -> None:
        self.open = value

    @rx.event
    def set_tab(self, value: str) -> None:
        self.tab = value

    @rx.event
    def set_publish_message(self, value: str) -> None:
        self.publish_message = value

    # -- publishing and rollback -----------------------------------------------------------

    @rx.event
    async def publish(self) -> Any:
        builder = await self.get_state(BuilderState)
        self.publishing = True
        yield
        try:
            version = await builder.publish_version(self.publish_message)
        except InvalidWorkflow:
            self.open = False  # the builder's problems dialog says what to fix
            return
        except (DraftNotSaved, AgentFlowError) as exc:
            yield rx.toast.error(exc.message)
            return
        finally:
            self.publishing = False
        self.publish_message = ""
        yield rx.toast.success(f"Published version {version}")
        try:
            await self._refresh()
        except AgentFlowError as exc:
            self.error = exc.message

    @rx.event
    def ask_rollback(self, version: str) -> None:
        self.rollback_version = version

    @rx.event
    def cancel_rollback(self) -> None:
        self.rollback_version = ""

    @rx.event
    async def confirm_rollback(self) -> Any:
        target, self.rollback_version = self.rollback_version, ""
        if not target:
            return
        try:
            actor, workflow_id = await self._context()
            db = database_url()
            version = await asyncio.to_thread(
                versions.rollback, db, actor, workflow_id, int(target)
            )
            draft = await asyncio.to_thread(
                versions.get_document, db, actor, workflow_id, versions.DRAFT
            )
        except AgentFlowError as exc:
            yield rx.toast.error(exc.message)
            return
        builder = await self.get_state(BuilderState)
        await builder.replace_draft(draft)
        self.compare_view = {}
        yield rx.toast.success(f"Version {target} is live again as version {version}")
        try:
            await self._refresh()
        except AgentFlowError as exc:
            self.error = exc.message

    # -- comparing -------------------------------------------------------------------------

    @rx.event
    def set_compare_from(self, value: str) -> None:
        self.compare_from = value
        self._clear_diff()

    @rx.event
    def set_compare_to(self, value: str) -> None:
        self.compare_to = value
        self._clear_diff()

    @rx.event
    async def compare(self) -> Any:
        if not self.compare_from or not self.compare_to:
            return
        try:
            actor, workflow_id = await self._context()
            diff, canvas = await asyncio.to_thread(
                versions.comparison,
                database_url(),
                actor,
                workflow_id,
                _ref(self.compare_from),
                _ref(self.compare_to),
            )
        except AgentFlowError as exc:
            yield rx.toast.error(exc.message)
            return
        self.diff_title = f"{_label(self.compare_from)} → {_label(self.compare_to)}".capitalize()
        self.diff_summary = diff.summary()
        self.diff_lines = diff_rows(diff)
        self._comparison = {
            **canvas,
            "title": self.diff_title,
            "summary": self.diff_summary,
            "lines": self.diff_lines,
        }

    @rx.event
    def show_on_canvas(self) -> None:
        if self._comparison:
            self.compare_view = {**self._comparison, "key": str(time.time_ns())}
            self.open = False

    @rx.event
    def close_compare(self) -> None:
        self.compare_view = {}

    # -- the webhook -----------------------------------------------------------------------

    @rx.event
    def copy_url(self) -> Any:
        url = self.webhook.get("url", "")
        if url:
            return [rx.set_clipboard(url), rx.toast.success("Webhook URL copied")]
        return None

    @rx.event
    def set_rotate_open(self, value: bool) -> None:
        self.rotate_open = value

    @rx.event
    async def confirm_rotate(self) -> Any:
        self.rotate_open = False
        try:
            actor, workflow_id = await self._context()
            info = await asyncio.to_thread(webhooks.rotate, database_url(), actor, workflow_id)
        except AgentFlowError as exc:
            return rx.toast.error(exc.message)
        self.webhook = _webhook_row(info)
        return rx.toast.success("New webhook URL made: the old one no longer works")


def _webhook_row(info: webhooks.WebhookInfo) -> dict[str, str]:
    return {
        "url": info.url or "",
        "active": "yes" if info.active else "",
        "draft_has_webhook": "yes" if info.draft_has_webhook else "",
        "method": info.method,
        "response": info.response,
        "signed": "yes" if info.signed else "",
        "rotated": relative_time(info.rotated_at) if info.rotated_at else "",
        "unreadable": "yes" if info.unreadable else "",
    }
