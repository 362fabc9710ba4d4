"""The builder's workflow name, renamed in place.

A click on the name (or Enter / F2 while it has focus) turns it into a text field;
Enter or leaving the field saves through ``services.workflows.editing.rename``
(which checks the permission, cleans the name and writes the audit entry), Escape
puts the name back. A refused name keeps what was typed, with the reason beside it.
People who may not edit workflows see the plain name.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import reflex as rx

from agentflow.errors import AgentFlowError, Forbidden
from agentflow.services.tenancy.permissions import Actor
from agentflow.services.workflows import editing
from agentflow.services.workflows import management as workflows
from state.common import database_url
from state.pages.builder.state import BuilderState
from state.session import SessionState, current_actor

ERROR_ID = "workflow-name-error"
# F2 renames too, as in file managers (Enter and Space are the button's own click).
F2_CLICKS: rx.Var[Any] = rx.Var(
    "((event) => { if (event.key === 'F2') "
    "{ event.preventDefault(); event.currentTarget.click(); } })"
)


def _sentence(text: str) -> str:
    """``a workflow needs a name`` -> ``A workflow needs a name.``"""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def refusal(exc: AgentFlowError) -> str:
    """What to show beside the field when a name is refused."""
    problems = getattr(exc, "problems", None)
    if problems:
        return _sentence(problems[0].message)
    return _sentence(exc.message)


class BuilderTitleState(rx.State):
    editing: bool = False
    draft: str = ""
    error: str = ""

    @rx.event
    def reset_view(self) -> None:
        """A builder page (re)loads: nothing is being renamed."""
        self.editing, self.draft, self.error = False, "", ""

    @rx.event
    async def start(self) -> None:
        builder = await self.get_state(BuilderState)
        if not builder.current_workflow or self.editing:
            return
        self.draft, self.error, self.editing = builder.workflow_name, "", True

    @rx.event
    def set_draft(self, value: str) -> None:
        self.draft = value

    @rx.event
    async def field_key(self, key: str, _info: dict[str, Any]) -> None:
        if key == "Enter":
            await self._save(self.draft)
        elif key == "Escape":
            self.editing, self.error = False, ""

    @rx.event
    async def field_blur(self, value: str) -> None:
        await self._save(value)

    async def _save(self, typed: str) -> None:
        if not self.editing:
            return  # already ended (Escape, or Enter then the field's blur)
        self.draft = typed
        builder = await self.get_state(BuilderState)
        if " ".join(typed.split()) == builder.workflow_name:
            self.editing, self.error = False, ""  # unchanged: nothing to save or audit
            return
        try:
            actor = await current_actor(self)
            if actor is None:
                raise Forbidden("your session has ended: log in again")
            name = await asyncio.to_thread(_rename, actor, builder.current_workflow, typed)
        except AgentFlowError as exc:
            self.error = refusal(exc)
            return
        builder.show_renamed(name)
        self.editing, self.error = False, ""


def _rename(actor: Actor, workflow_id: str, typed: str) -> str:
    """Rename, and answer the name as stored (the service tidies spaces)."""
    target = uuid.UUID(workflow_id)
    editing.rename(database_url(), actor, target, typed)
    return workflows.workflow_name(database_url(), target, org_id=actor.org_id)


def _field() -> rx.Component:
    S = BuilderTitleState
    return rx.hstack(
        rx.input(
            value=S.draft,
            on_change=S.set_draft,
            on_blur=S.field_blur,
            on_key_down=S.field_key,
            auto_focus=True,
            aria_label="Workflow name",
            aria_invalid=rx.cond(S.error != "", "true", "false"),
            aria_describedby=ERROR_ID,
            size="2",
            width="320px",
            data_testid="workflow-name-input",
        ),
        rx.cond(
            S.error != "",
            rx.text(
                S.error,
                id=ERROR_ID,
                role="alert",
                size="2",
                color=rx.color("red", 11),
                data_testid="workflow-name-error",
            ),
        ),
        align="center",
        spacing="2",
    )


def _editable_name() -> rx.Component:
    return rx.heading(
        rx.el.button(
            BuilderState.workflow_name,
            type="button",
            on_click=BuilderTitleState.start,
            custom_attrs={"onKeyDown": F2_CLICKS},
            title="Rename (click, Enter or F2)",
            data_testid="rename-workflow",
            style={
                "all": "unset",
                "cursor": "text",
                "border_radius": "4px",
                "padding": "0 4px",
                "_hover": {"background": rx.color("gray", 3)},
                "_focus_visible": {"outline": f"2px solid {rx.color('accent', 8)}"},
            },
        ),
        size="4",
        as_="h1",
        data_testid="workflow-name",
    )


def workflow_title() -> rx.Component:
    """The name in the builder's toolbar: editable in place for those who may edit."""
    return rx.cond(
        BuilderTitleState.editing,
        _field(),
        rx.cond(
            SessionState.can_write,
            _editable_name(),
            rx.heading(BuilderState.workflow_name, size="4", as_="h1", data_testid="workflow-name"),
        ),
    )
