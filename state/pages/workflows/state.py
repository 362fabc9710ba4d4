"""Workflows page state: a thin caller of agentflow.services.workflows.

Every event acts as the signed-in user in their active organisation: reads are
scoped to it and changes go through the use cases of
``agentflow.services.workflows.editing`` (permission check, change and audit event
in one transaction).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from agentflow.errors import AgentFlowError, Forbidden, InvalidInput
from agentflow.services.tenancy.acting import check
from agentflow.services.tenancy.permissions import Action, Actor
from agentflow.services.workflows import editing
from agentflow.services.workflows import management as service
from agentflow.spec.models import MAX_DOCUMENT_BYTES
from components.formatting import percent, relative_time
from state.common import database_url as _database
from state.session import current_actor, login_redirect

MAX_UPLOAD_BYTES = MAX_DOCUMENT_BYTES  # a bigger file could never be a valid document
DROP_ZONE_MAX_BYTES = 16 * MAX_UPLOAD_BYTES
# Why the drop zone refused a file, by react-dropzone's error code.
REJECTIONS = {
    "file-too-large": "The file is over 1 MiB, the size limit of a workflow document.",
    "file-invalid-type": "Only .json, .yaml and .yml files can be imported.",
    "too-many-files": "Drop one file at a time.",
}
STATUS_FILTERS = ("all", "draft", "published")


def _row(summary: service.WorkflowSummary) -> dict[str, str]:
    return {
        "id": summary.id,
        "name": summary.name,
        "description": summary.description,
        "status": summary.status,
        "version": str(summary.latest_version),
        "nodes": str(summary.node_count),
        "last_run": relative_time(summary.last_run_at),
        "last_status": summary.last_run_status or "",
        "success": percent(summary.success_rate),
        "updated": relative_time(summary.updated_at),
    }


def _problems(exc: service.InvalidWorkflow) -> list[dict[str, str]]:
    return [
        {"where": problem.node or problem.edge or problem.field or "", "message": problem.message}
        for problem in exc.problems
    ]


class WorkflowsState(rx.State):
    rows: list[dict[str, str]] = []
    loaded: bool = False
    search: str = ""
    status_filter: str = "all"
    error: str = ""

    create_open: bool = False
    new_name: str = ""
    create_error: str = ""

    import_open: bool = False
    import_text: str = ""
    import_problems: list[dict[str, str]] = []

    rename_id: str = ""
    rename_value: str = ""
    rename_error: str = ""
    delete_id: str = ""
    delete_name: str = ""

    @rx.event
    async def load(self) -> None:
        self.error = ""
        await self._reload()

    async def _actor(self) -> Actor | None:
        actor = await current_actor(self)
        if actor is None:
            self.rows = []
        return actor

    async def _reload(self) -> None:
        actor = await self._actor()
        if actor is None:
            return
        status = None if self.status_filter == "all" else self.status_filter
        try:
            check(actor, Action.WORKFLOW_READ)
        except Forbidden as exc:
            self.error, self.rows, self.loaded = exc.message, [], True
            return
        try:
            summaries = await asyncio.to_thread(
                service.list_workflows,
                _database(),
                org_id=actor.org_id,
                search=self.search,
                status=status,  # type: ignore[arg-type]
            )
        except InvalidInput as exc:  # e.g. a pasted NUL character in the search
            self.error, self.rows, self.loaded = exc.message, [], True
            return
        self.rows = [_row(summary) for summary in summaries]
        self.loaded = True

    @rx.event
    async def set_search(self, value: str) -> None:
        self.search, self.error = value[:200], ""
        await self._reload()

    @rx.event
    async def set_status_filter(self, value: str) -> None:
        self.status_filter = value if value in STATUS_FILTERS else "all"
        await self._reload()

    # -- create ---------------------------------------------------------------------

    @rx.event
    def open_create(self) -> None:
        self.create_open, self.new_name, self.create_error = True, "", ""

    @rx.event
    def set_create_open(self, value: bool) -> None:
        self.create_open = value

    @rx.event
    def set_new_name(self, value: str) -> None:
        self.new_name = value

    @rx.event
    async def create(self) -> Any:
        actor = await self._actor()
        if actor is None:
            return login_redirect(self)
        name = self.new_name
        try:
            workflow_id = await asyncio.to_thread(editing.create, _database(), actor, name)
        except service.InvalidWorkflow as exc:
            self.create_error = exc.problems[0].message
            return None
        except Forbidden as exc:
            self.create_error = exc.message
            return None
        self.create_open = False
        return rx.redirect(f"/workflows/{workflow_id}")

    # -- import ---------------------------------------------------------------------

    @rx.event
    def open_import(self) -> None:
        self.import_open, self.import_text, self.import_problems = True, "", []

    @rx.event
    def set_import_open(self, value: bool) -> None:
        self.import_open = value

    @rx.event
    def set_import_text(self, value: str) -> None:
        self.import_text = value
        self.import_problems = []

    async def _import(self, source: str | bytes) -> Any:
        actor = await self._actor()
        if actor is None:
            return login_redirect(self)
        try:
            workflow_id = await asyncio.to_thread(editing.import_source, _database(), actor, source)
        except service.InvalidWorkflow as exc:
            self.import_problems = _problems(exc)  # shown per node; nothing was stored
            return None
        except Forbidden as exc:
            self.import_problems = [{"where": "", "message": exc.message}]
            return None
        self.import_open = False
        return rx.redirect(f"/workflows/{workflow_id}")

    @rx.event
    async def import_pasted(self) -> Any:
        return await self._import(self.import_text)

    @rx.event
    def import_rejected(self, rejected: list[dict[str, Any]]) -> None:
        """The drop zone refused the file before sending it: say why, keep the text."""
        codes = [
            str(error.get("code", ""))
            for record in rejected[:5]
            if isinstance(record, dict)
            for error in record.get("errors") or []
            if isinstance(error, dict)
        ]
        messages = list(dict.fromkeys(REJECTIONS.get(code, "") for code in codes)) or [""]
        self.import_problems = [
            {"where": "file", "message": message or "This file cannot be imported."}
            for message in messages
        ]

    @rx.event
    async def import_uploaded(self, files: list[rx.UploadFile]) -> AsyncIterator[Any]:
        for upload in files[:1]:
            data = await upload.read()
            if len(data) > MAX_UPLOAD_BYTES:
                self.import_problems = [{"where": "file", "message": REJECTIONS["file-too-large"]}]
                return
            # Keep the text in the editor so the user can fix what is wrong in place.
            self.import_text = data.decode("utf-8", errors="replace")
            yield await self._import(data)

    # -- row actions ----------------------------------------------------------------

    @rx.event
    def start_rename(self, workflow_id: str, name: str) -> None:
        self.rename_id, self.rename_value, self.rename_error = workflow_id, name, ""

    @rx.event
    def set_rename_value(self, value: str) -> None:
        self.rename_value = value

    @rx.event
    def cancel_rename(self) -> None:
        self.rename_id = ""

    @rx.event
    async def rename(self) -> None:
        actor = await self._actor()
        if actor is None:
            return
        workflow_id, name = uuid.UUID(self.rename_id), self.rename_value
        try:
            await asyncio.to_thread(editing.rename, _database(), actor, workflow_id, name)
        except service.InvalidWorkflow as exc:
            self.rename_error = exc.problems[0].message
            return
        except AgentFlowError as exc:
            self.error = exc.message
        self.rename_id = ""
        await self._reload()

    @rx.event
    async def duplicate(self, workflow_id: str) -> None:
        actor = await self._actor()
        if actor is None:
            return
        source = uuid.UUID(workflow_id)
        try:
            await asyncio.to_thread(editing.duplicate, _database(), actor, source)
        except AgentFlowError as exc:
            self.error = exc.message
        await self._reload()

    @rx.event
    def ask_delete(self, workflow_id: str, name: str) -> None:
        self.delete_id, self.delete_name = workflow_id, name

    @rx.event
    def cancel_delete(self) -> None:
        self.delete_id = ""

    @rx.event
    async def confirm_delete(self) -> None:
        actor = await self._actor()
        if actor is None:
            return
        workflow_id = uuid.UUID(self.delete_id)
        try:
            await asyncio.to_thread(editing.delete, _database(), actor, workflow_id)
        except AgentFlowError as exc:
            self.error = exc.message
        self.delete_id = ""
        await self._reload()

    @rx.event
    async def export(self, workflow_id: str, syntax: str) -> Any:
        actor = await self._actor()
        if actor is None:
            return login_redirect(self)
        try:
            check(actor, Action.WORKFLOW_READ)
            text = await asyncio.to_thread(
                service.export,
                _database(),
                uuid.UUID(workflow_id),
                org_id=actor.org_id,
                syntax="yaml" if syntax == "yaml" else "json",
            )
        except AgentFlowError as exc:
            self.error = exc.message
            return None
        name = next((row["name"] for row in self.rows if row["id"] == workflow_id), "workflow")
        slug = "-".join(name.lower().split())[:60] or "workflow"
        return rx.download(data=text, filename=f"{slug}.{syntax}")
