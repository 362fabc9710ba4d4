"""The builder page's document state: load, canvas sync, autosave, problems, publish.

The canvas (components/canvas/flow_canvas.jsx) edits structure and positions
locally and sends the whole graph here after each gesture, with the revision it was
based on. Edits made here (forms, auto-layout) bump the revision and go back as
a full ``graph`` or a node ``patch``. A canvas graph based on an older revision
is merged (its structure, this side's node content) and sent back, so neither
side's edit is lost. The draft is saved ~0.6 s after the last change.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from agentflow.errors import AgentFlowError, Forbidden
from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.tenancy.acting import check
from agentflow.services.tenancy.permissions import Action, Actor
from agentflow.services.workflows import builder as builder_service
from agentflow.services.workflows import editing, versions
from agentflow.services.workflows import management as workflows
from agentflow.spec.canvas import auto_layout, from_canvas, to_canvas
from agentflow.spec.problems import Problem
from agentflow.spec.validation import validate_document
from state.common import database_url

SAVE_QUIET_S = 0.6
SAVE_POLL_S = 0.2
SAVE_RETRY_S = 2.0
SAVE_GIVE_UP_S = 15 * 60  # then the next change tries again

SAVED, UNSAVED, SAVING, FAILED = "saved", "unsaved", "saving", "error"


class DraftNotSaved(Exception):
    def __init__(self) -> None:
        self.message = "The draft could not be saved, so it was not published."
        super().__init__(self.message)


class BuilderState(rx.State):
    current_workflow: str = ""
    workflow_name: str = ""
    load_error: str = ""
    graph: dict[str, Any] = {}
    patch: dict[str, Any] = {}
    focus: dict[str, Any] = {}
    command: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    problem_rows: list[dict[str, str]] = []
    save_status: str = SAVED
    save_error: str = ""
    selected: str = ""
    publish_open: bool = False
    publish_message: str = ""
    publish_problems: list[dict[str, str]] = []

    _document: dict[str, Any] = {}
    _rev: int = 0
    _layout_rev: int = 0  # the revision of the last auto-layout
    _change_seq: int = 0
    _saved_seq: int = 0
    _last_change: float = 0.0
    _retry_at: float = 0.0
    _saver_running: bool = False

    # -- revisions and pushes ------------------------------------------------------------

    def _next_rev(self) -> int:
        self._rev = max(self._rev + 1, int(time.time() * 1000))
        return self._rev

    def _push_graph(self, *, record: bool = False) -> None:
        self.graph = {
            "workflow": self.current_workflow,
            "rev": self._next_rev(),
            "record": record,
            **to_canvas(self._document, NODE_TYPES),
        }

    def _push_node(self, key: str) -> None:
        index = builder_service.node_index(self._document, key)
        if index is None:
            return
        node = self._document["nodes"][index]
        self.patch = {
            "workflow": self.current_workflow,
            "rev": self._next_rev(),
            "nodes": [{"id": key, "data": builder_service.canvas_node_data(node)}],
        }

    def _changed(self) -> None:
        self._change_seq += 1
        self._last_change = time.time()
        self._retry_at = 0.0
        if self.save_status != FAILED:
            self.save_status = UNSAVED

    def _set_problems(self, problems: list[Problem]) -> None:
        self.problems = builder_service.problems_by_node(problems, self._document)
        self.problem_rows = builder_service.problem_rows(problems, self._document)

    @rx.var
    def dirty(self) -> bool:
        return self.save_status != SAVED

    @rx.var
    def problem_count(self) -> int:
        return len(self.problem_rows)

    # -- for the other builder states --------------------------------------------------

    def document(self) -> dict[str, Any]:
        return self._document

    def replace_node(self, key: str, node: dict[str, Any]) -> None:
        """A form changed one node: store it, patch the canvas, schedule the save."""
        index = builder_service.node_index(self._document, key)
        if index is None:
            return
        nodes = list(self._document["nodes"])
        nodes[index] = node
        self._document = {**self._document, "nodes": nodes}
        self._push_node(key)
        self._changed()

    def show_renamed(self, name: str) -> None:
        """The workflow was renamed (title.py): the stored draft already has the name."""
        self.workflow_name = name
        if self._document:
            self._document = {**self._document, "name": name}

    def replace_document(self, document: dict[str, Any]) -> None:
        """A form changed workflow-level fields (inputs, output, settings)."""
        self._document = document
        self._changed()

    # -- loading ---------------------------------------------------------------------------

    @rx.event
    async def load(self) -> AsyncIterator[Any]:
        from state.pages.builder.form import NodeFormState
        from state.pages.builder.run import RUN_PARAM, BuilderRunState

        if self.current_workflow and self._saved_seq < self._change_seq:
            await self._save_now()
        # The route arg, read the way Reflex reads it for its own dynamic route vars.
        raw_id = str(self.router._page.params.get("workflow_id", ""))
        if raw_id != self.current_workflow:
            # Nothing of the previous workflow stays on screen while this one loads: its
            # graph, name, forms (and their drafts) and test-run input go first.
            self.current_workflow, self.workflow_name, self._document = "", "", {}
            self.graph, self.problems = {}, {}
            (await self.get_state(NodeFormState)).forget()
            (await self.get_state(BuilderRunState)).forget_workflow()
            yield
        self._saver_running = False
        self.selected = ""
        self.load_error = ""
        self.publish_open = False
        try:
            actor = await self._actor()
            check(actor, Action.WORKFLOW_READ)
            draft = await asyncio.to_thread(
                workflows.get_draft, database_url(), uuid.UUID(raw_id), org_id=actor.org_id
            )
        except (ValueError, workflows.WorkflowNotFound, Forbidden):
            self.current_workflow, self._document, self.graph = "", {}, {}
            self.load_error = "This workflow does not exist, or it was deleted."
            return
        self.current_workflow = raw_id
        self.workflow_name = str(draft.get("name", ""))
        self._document = draft
        self._change_seq = self._saved_seq = 0
        self.save_status, self.save_error = SAVED, ""
        self._push_graph()
        self._set_problems(await asyncio.to_thread(validate_document, draft, NODE_TYPES))
        form = await self.get_state(NodeFormState)
        form.show(self._document, "")
        await form.load_models(actor)
        run = await self.get_state(BuilderRunState)
        run.reset_run()
        await run.load_recent(actor, raw_id)
        shown = self.router.url.query_parameters.get(RUN_PARAM, "")
        if shown and run.restore(shown, builder_service.node_keys(self._document)):
            yield BuilderRunState.follow

    # -- from the canvas -------------------------------------------------------------------

    @rx.event
    async def graph_changed(self, graph: dict[str, Any], base_rev: int) -> Any:
        from state.pages.builder.form import NodeFormState

        if not self.current_workflow or graph.get("workflow") != self.current_workflow:
            return None  # a late message about another workflow (or none loaded)
        if base_rev == self._rev:
            self._document = from_canvas(graph, self._document, NODE_TYPES)
        else:
            self._document = builder_service.merge_canvas(
                self._document, graph, keep_positions=base_rev < self._layout_rev
            )
            self._push_graph()
        self._changed()
        form = await self.get_state(NodeFormState)
        if self.selected and builder_service.node_index(self._document, self.selected) is None:
            self.selected = ""
        form.show(self._document, self.selected, keep_drafts=True)
        return BuilderState.autosave

    @rx.event
    async def select(self, key: str) -> None:
        await self._select(key)

    async def _select(self, key: str) -> None:
        from state.pages.builder.form import NodeFormState
        from state.pages.builder.run import BuilderRunState

        self.selected = key
        form = await self.get_state(NodeFormState)
        form.show(self._document, key)
        run = await self.get_state(BuilderRunState)
        run.show_step(key)

    @rx.event
    async def select_problem(self, key: str) -> None:
        if key:
            self.focus = {"seq": self._next_rev(), "id": key}
            await self._select(key)

    @rx.event
    def delete_node(self, key: str) -> None:
        self.command = {"seq": self._next_rev(), "name": "delete", "id": key}

    @rx.event
    def auto_layout(self) -> Any:
        if not self._document:
            return None
        self._document = auto_layout(self._document, NODE_TYPES)
        self._push_graph(record=True)
        self._layout_rev = self._rev
        self.command = {"seq": self._next_rev(), "name": "fit"}
        self._changed()
        return BuilderState.autosave

    # -- saving ------------------------------------------------------------------------------

    async def _actor(self) -> Actor:
        """The signed-in user, checked on every load and save (Forbidden when signed out)."""
        from state.session import current_actor

        actor = await current_actor(self)
        if actor is None:
            raise Forbidden("your session has ended: log in again")
        return actor

    @staticmethod
    def _save(actor: Actor, workflow_id: str, document: dict[str, Any]) -> list[Problem]:
        return editing.save_draft(database_url(), actor, uuid.UUID(workflow_id), document)

    async def _save_now(self) -> bool:
        """Save at once (inside an event: before publishing, before leaving)."""
        seq, document, workflow_id = self._change_seq, self._document, self.current_workflow
        try:
            actor = await self._actor()
            problems = await asyncio.to_thread(self._save, actor, workflow_id, document)
        except Exception as exc:
            self.save_status, self.save_error = FAILED, getattr(exc, "message", str(exc))
            return False
        self._saved_seq = max(self._saved_seq, seq)
        self.save_status = SAVED if self._saved_seq >= self._change_seq else UNSAVED
        self.save_error = ""
        self._set_problems(problems)
        return True

    @rx.event(background=True)
    async def autosave(self) -> None:
        async with self:
            if self._saver_running:
                return
            self._saver_running = True
        try:
            await self._autosave_loop()
        finally:
            async with self:
                self._saver_running = False

    async def _autosave_loop(self) -> None:
        failing_since: float | None = None
        while True:
            await asyncio.sleep(SAVE_POLL_S)
            async with self:
                if not self.current_workflow or self._saved_seq >= self._change_seq:
                    return
                now = time.time()
                if now - self._last_change < SAVE_QUIET_S or now < self._retry_at:
                    continue
                seq, document = self._change_seq, self._document
                workflow_id = self.current_workflow
                self.save_status = SAVING
            try:
                actor = await self._actor()
                problems = await asyncio.to_thread(self._save, actor, workflow_id, document)
            except AgentFlowError as exc:  # retrying cannot help
                async with self:
                    self.save_status, self.save_error = FAILED, exc.message
                return
            except Exception as exc:  # the database may be restarting: keep retrying
                failing_since = failing_since or time.time()
                async with self:
                    self.save_status = FAILED
                    self.save_error = getattr(exc, "message", None) or str(exc)[:300]
                    self._retry_at = time.time() + SAVE_RETRY_S
                if time.time() - failing_since > SAVE_GIVE_UP_S:
                    return
                continue
            failing_since = None
            async with self:
                if workflow_id != self.current_workflow:
                    return
                self._saved_seq = max(self._saved_seq, seq)
                self.save_status = SAVED if self._saved_seq >= self._change_seq else UNSAVED
                self.save_error = ""
                self._set_problems(problems)

    # -- publishing -------------------------------------------------------------------------

    async def publish_version(self, message: str = "") -> int:
        """Save what is unsaved, then publish the draft as the next version (with its
        webhook URL, see services.workflows.versions). Problems open the problems dialog and
        are raised again as InvalidWorkflow; DraftNotSaved and Forbidden are raised."""
        if self._saved_seq < self._change_seq and not await self._save_now():
            raise DraftNotSaved()
        target = uuid.UUID(self.current_workflow)
        actor = await self._actor()
        try:
            version = await asyncio.to_thread(
                versions.publish, database_url(), actor, target, message
            )
        except workflows.InvalidWorkflow as exc:
            self.publish_problems = builder_service.problem_rows(exc.problems, self._document)
            self.publish_message = (
                f"Not published: the workflow has {len(exc.problems)} "
                f"problem{'s' if len(exc.problems) != 1 else ''}. Fix them and publish again."
            )
            self.publish_open = True
            raise
        self.publish_problems = []
        self.publish_message = ""
        return version

    @rx.event
    async def publish(self) -> Any:
        if not self.current_workflow:
            return None
        try:
            version = await self.publish_version()
        except (DraftNotSaved, Forbidden) as exc:
            return rx.toast.error(exc.message)
        except workflows.InvalidWorkflow:
            return None
        return rx.toast.success(f"Published version {version}")

    async def replace_draft(self, draft: dict[str, Any]) -> None:
        """The server replaced the draft (a rollback): show it; nothing is left to save."""
        from state.pages.builder.form import NodeFormState

        self._document = draft
        self._saved_seq = self._change_seq
        self.save_status, self.save_error, self.selected = SAVED, "", ""
        self._push_graph(record=True)
        self._set_problems(await asyncio.to_thread(validate_document, draft, NODE_TYPES))
        form = await self.get_state(NodeFormState)
        form.show(self._document, "")

    @rx.event
    def set_publish_open(self, value: bool) -> None:
        self.publish_open = value
