"""Templates page state: the gallery (search, category filter), publishing a workflow as a
template, and the instance admins' review queue. A thin caller of the template services.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from agentflow.errors import AgentFlowError, Forbidden
from agentflow.services.templates import gallery, publishing
from agentflow.services.tenancy.permissions import Action, Actor
from agentflow.services.workflows import management as workflow_service
from state.common import database_url
from state.session import current_actor, login_redirect

ALL = "All"
SOURCE_LABELS = {"official": "Official", "yours": "Your organisation", "community": "Community"}


def card(summary: gallery.TemplateSummary) -> dict[str, str]:
    """One gallery card, as text (the page renders it as is)."""
    rating = f"{summary.rating:.1f}" if summary.rating is not None else ""
    return {
        "id": summary.id,
        "name": summary.name,
        "description": summary.description,
        "category": summary.category,
        "source": summary.source,
        "source_label": SOURCE_LABELS[summary.source],
        "pending": "yes" if summary.review == "pending" else "",
        "steps": f"{summary.node_count} step{'s' if summary.node_count != 1 else ''}",
        "installs": f"{summary.installs} install{'s' if summary.installs != 1 else ''}",
        "rating": f"{rating} ({summary.rating_count})" if rating else "No ratings yet",
        "secrets": ", ".join(summary.secrets),
        "search": " ".join((summary.name, summary.description, summary.category)).lower(),
    }


class TemplatesState(rx.State):
    cards: list[dict[str, str]] = []
    categories: list[str] = []
    category: str = ALL
    search: str = ""
    loaded: bool = False
    error: str = ""
    can_publish: bool = False
    queue: list[dict[str, str]] = []

    publish_open: bool = False
    workflow_options: list[dict[str, str]] = []
    publish_workflow: str = ""
    publish_name: str = ""
    publish_description: str = ""
    publish_category: str = "General"
    publish_visibility: str = "organization"
    publish_changelog: str = ""
    publish_error: str = ""

    _all: list[dict[str, str]] = []

    @rx.event
    async def load(self) -> Any:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        self.error = ""
        try:
            summaries = await asyncio.to_thread(gallery.list_templates, database_url(), actor)
        except Forbidden as exc:
            self.error, self._all, self.loaded = exc.message, [], True
            self._filter()
            return None
        self._all = [card(summary) for summary in summaries]
        self.categories = sorted({row["category"] for row in self._all})
        if self.category not in self.categories:
            self.category = ALL
        self.can_publish = actor.allowed(Action.TEMPLATE_PUBLISH)
        self.queue = await asyncio.to_thread(_queue, actor)
        self._filter()
        self.loaded = True
        return None

    def _filter(self) -> None:
        words = self.search.lower().split()
        self.cards = [
            row
            for row in self._all
            if (self.category == ALL or row["category"] == self.category)
            and all(word in row["search"] for word in words)
        ]

    @rx.event
    def set_search(self, value: str) -> None:
        self.search = value[:200]
        self._filter()

    @rx.event
    def set_category(self, value: str) -> None:
        self.category = value if value in self.categories else ALL
        self._filter()

    # -- publishing a workflow ------------------------------------------------------

    @rx.event
    async def open_publish(self) -> Any:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        rows = await asyncio.to_thread(
            workflow_service.list_workflows, database_url(), org_id=actor.org_id
        )
        self.workflow_options = [{"id": row.id, "name": row.name} for row in rows]
        self.publish_workflow = rows[0].id if rows else ""
        self.publish_name = self.publish_description = self.publish_changelog = ""
        self.publish_category, self.publish_visibility = "General", "organization"
        self.publish_error = ""
        self.publish_open = True
        return None

    @rx.event
    def set_publish_open(self, value: bool) -> None:
        self.publish_open = value

    @rx.event
    def set_publish_field(self, name: str, value: str) -> None:
        if name in ("workflow", "name", "description", "category", "visibility", "changelog"):
            setattr(self, f"publish_{name}", value)
            self.publish_error = ""

    @rx.event
    async def publish(self) -> Any:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        if not self.publish_workflow:
            self.publish_error = "Choose the workflow to publish."
            return None
        data = {
            "workflow_id": self.publish_workflow,
            "visibility": self.publish_visibility,
            "name": self.publish_name.strip() or None,
            "description": self.publish_description,
            "category": self.publish_category.strip() or "General",
            "changelog": self.publish_changelog,
        }
        try:
            published = await asyncio.to_thread(publishing.publish, database_url(), actor, data)
        except workflow_service.InvalidWorkflow as exc:
            self.publish_error = f"The workflow has problems; fix them first: {exc.message}"
            return None
        except AgentFlowError as exc:
            self.publish_error = exc.message
            return None
        self.publish_open = False
        note = (
            "It is listed for everyone once an instance admin approves it."
            if published.review == "pending"
            else "Your organisation's members can install it now."
        )
        return [
            rx.toast.success(f"Published as version {published.version}. {note}"),
            rx.redirect(f"/templates/{published.template_id}"),
        ]


def _queue(actor: Actor) -> list[dict[str, str]]:
    """The review queue for instance admins; empty for everyone else."""
    if not gallery.is_instance_admin(database_url(), actor):
        return []
    rows = publishing.review_queue(database_url(), actor)
    return [{**row, "version": str(row["version"])} for row in rows]
