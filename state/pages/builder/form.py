"""The builder's right-hand panel: the selected node's form, or the workflow's own.

Fields come from agentflow.services.workflows.node_forms (generated from each node type's
config schema). Text that does not parse yet (half-typed JSON) is kept as a
draft next to its error and never overwritten, so nothing typed is lost.
"""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from agentflow.nodes.registry import get_node_type
from agentflow.services.providers import setup
from agentflow.services.tenancy.permissions import Actor
from agentflow.services.triggers import schedules
from agentflow.services.workflows import builder as builder_service
from agentflow.services.workflows import node_forms
from agentflow.services.workflows.suggestions import suggestions
from state.common import database_url
from state.pages.builder.state import BuilderState
from state.pages.model_providers.state import model_rows

MAX_SUGGESTIONS = 1000


def schedule_preview(node: dict[str, Any] | None) -> tuple[str, list[str]]:
    """For a schedule trigger: its cron in words (or the problem) and the next five times."""
    config = (node or {}).get("config") or {}
    if (node or {}).get("type") != "trigger" or config.get("kind") != "schedule":
        return "", []
    zone = str(config.get("timezone") or "UTC")
    preview = schedules.preview(str(config.get("cron") or ""), zone)
    if not preview.ok:
        return preview.error, []
    local = ZoneInfo(zone)
    return preview.description, [
        moment.astimezone(local).strftime("%a %Y-%m-%d %H:%M") for moment in preview.upcoming
    ]


class NodeFormState(rx.State):
    node_key: str = ""
    node_type: str = ""
    node_title: str = ""
    node_icon: str = ""
    node_description: str = ""
    node_id: str = ""
    fields: list[dict[str, Any]] = []
    workflow_fields: list[dict[str, Any]] = []
    suggestions: list[dict[str, str]] = []
    all_suggestions: list[dict[str, str]] = []
    # A schedule trigger's cron in words and its next five times ("" when not one).
    schedule_text: str = ""
    schedule_times: list[str] = []
    # The models of the organisation's providers, offered by every model field.
    model_choices: list[dict[str, str]] = []

    _drafts: dict[str, tuple[str, str]] = {}
    _workflow_drafts: dict[str, tuple[str, str]] = {}

    def forget(self) -> None:
        """Another workflow opens: no form, and no draft typed into this one's."""
        self._drafts, self._workflow_drafts = {}, {}
        self.node_key = self.node_type = self.node_title = self.node_icon = ""
        self.node_description = self.node_id = ""
        self.fields, self.workflow_fields = [], []
        self.suggestions, self.all_suggestions = [], []
        self.schedule_text, self.schedule_times = "", []

    async def load_models(self, actor: Actor) -> None:
        choices = await asyncio.to_thread(setup.models_for_forms, database_url(), actor)
        self._assign("model_choices", model_rows(choices))

    def show(self, document: dict[str, Any], key: str, *, keep_drafts: bool = False) -> None:
        """Rebuild the forms for ``key`` (the workflow form when empty)."""
        if key != self.node_key or not keep_drafts:
            self._drafts = {}
        index = builder_service.node_index(document, key) if key else None
        node = document["nodes"][index] if index is not None else None
        self.node_key = key if node is not None else ""
        if node is None:
            self.node_type = self.node_title = self.node_icon = self.node_description = ""
            self.node_id = ""
            self.fields = []
            self.suggestions = []
        else:
            node_type = get_node_type(str(node.get("type")))
            self.node_type = str(node.get("type"))
            self.node_title = node_type.title if node_type else f"Unknown type {self.node_type}"
            self.node_icon = node_type.icon if node_type else "circle-help"
            self.node_description = node_type.description if node_type else ""
            self.node_id = str(node.get("id", ""))
            self._assign("fields", node_forms.node_fields(node, self._drafts))
            self._assign("suggestions", suggestions(document, self.node_id)[:MAX_SUGGESTIONS])
        text, times = schedule_preview(node)
        self._assign("schedule_text", text)
        self._assign("schedule_times", times)
        # The workflow form (and its autocomplete of every node) only while it is shown.
        if node is None:
            self._assign(
                "workflow_fields", node_forms.workflow_fields(document, self._workflow_drafts)
            )
            self._assign("all_suggestions", suggestions(document, None)[:MAX_SUGGESTIONS])

    def _assign(self, name: str, value: Any) -> None:
        """Set a var only when it changes: every assignment is sent to the browser."""
        if getattr(self, name) != value:
            setattr(self, name, value)

    def _field(self, fields: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
        return next((field for field in fields if field["key"] == key), None)

    @staticmethod
    def _drafts_after(
        drafts: dict[str, tuple[str, str]], key: str, text: str, error: str
    ) -> dict[str, tuple[str, str]]:
        # The edited field keeps its text as typed; other fields only keep drafts that
        # are still errors (valid ones now show the document's value).
        kept = {k: v for k, v in drafts.items() if k != key and v[1]}
        kept[key] = (text, error)
        return kept

    @rx.event
    async def set_field(self, key: str, text: str) -> Any:
        builder = await self.get_state(BuilderState)
        document = builder.document()
        index = builder_service.node_index(document, self.node_key)
        field = self._field(self.fields, key)
        if index is None or field is None:
            return None
        try:
            node = node_forms.edit(document["nodes"][index], field, text)
        except node_forms.FieldError as exc:
            self._drafts = self._drafts_after(self._drafts, key, text, exc.message)
            self.fields = node_forms.node_fields(document["nodes"][index], self._drafts)
            return None
        self._drafts = self._drafts_after(self._drafts, key, text, "")
        builder.replace_node(self.node_key, node)
        self.show(builder.document(), self.node_key, keep_drafts=True)
        return BuilderState.autosave

    @rx.event
    async def set_flag(self, key: str, checked: bool) -> Any:
        builder = await self.get_state(BuilderState)
        document = builder.document()
        index = builder_service.node_index(document, self.node_key)
        field = self._field(self.fields, key)
        if index is None or field is None:
            return None
        node = node_forms.edit_flag(document["nodes"][index], field, checked)
        builder.replace_node(self.node_key, node)
        self.show(builder.document(), self.node_key, keep_drafts=True)
        return BuilderState.autosave

    @rx.event
    async def set_workflow_field(self, key: str, text: str) -> Any:
        builder = await self.get_state(BuilderState)
        field = self._field(self.workflow_fields, key)
        if field is None:
            return None
        try:
            document = node_forms.edit(builder.document(), field, text)
        except node_forms.FieldError as exc:
            self._workflow_drafts = self._drafts_after(
                self._workflow_drafts, key, text, exc.message
            )
            self.workflow_fields = node_forms.workflow_fields(
                builder.document(), self._workflow_drafts
            )
            return None
        self._workflow_drafts = self._drafts_after(self._workflow_drafts, key, text, "")
        builder.replace_document(document)
        self.show(builder.document(), self.node_key, keep_drafts=True)
        return BuilderState.autosave
