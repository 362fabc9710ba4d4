"""One template's page state: details, "Use this template" (asking for missing secrets),
adding missing secrets, rating, approval by instance admins and deletion by its owners."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import reflex as rx

from agentflow.errors import AgentFlowError, Forbidden
from agentflow.services.templates import gallery, publishing
from agentflow.services.templates.documents import input_fields
from agentflow.services.templates.preview import preview
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.permissions import Action, Actor
from components.formatting import relative_time
from state.common import database_url
from state.pages.templates.state import card
from state.session import current_actor, login_redirect


def _steps(document: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"id": str(node.get("id")), "name": str(node.get("name") or ""), "type": str(node["type"])}
        for node in document.get("nodes") or []
        if isinstance(node, dict)
    ]


class TemplateDetailState(rx.State):
    current: str = ""  # the template id from the URL
    loaded: bool = False
    not_found: bool = False
    error: str = ""
    info: dict[str, str] = {}
    inputs: list[dict[str, str]] = []
    steps: list[dict[str, str]] = []
    secrets: list[dict[str, str]] = []
    missing: list[str] = []
    versions: list[dict[str, str]] = []
    reviews: list[dict[str, str]] = []
    graph_nodes: list[dict[str, str]] = []
    graph_edges: list[dict[str, str]] = []
    graph_view_box: str = "0 0 1 1"
    graph_width: str = "1"
    graph_min_width: str = "1"
    mine: bool = False
    pending_for_me: bool = False  # an instance admin looking at a pending template
    can_install: bool = False
    can_write_secrets: bool = False
    can_rate: bool = False

    install_open: bool = False
    install_name: str = ""
    # An older version to install ("" for the newest).
    install_version: str = ""
    secret_values: dict[str, str] = {}
    install_error: str = ""
    secrets_error: str = ""
    stars: str = ""
    review_text: str = ""
    rate_error: str = ""
    decision_note: str = ""
    delete_open: bool = False

    async def _actor(self) -> Actor | None:
        return await current_actor(self)

    @rx.event
    async def load(self) -> Any:
        return await self._refresh()

    async def _refresh(self) -> Any:
        actor = await self._actor()
        if actor is None:
            return login_redirect(self)
        self.current = str(self.router.page.params.get("template_id", ""))
        self.error, self.install_open, self.delete_open = "", False, False
        try:
            template_id = uuid.UUID(self.current)
            detail = await asyncio.to_thread(
                gallery.get_template, database_url(), actor, template_id
            )
            reviews = await asyncio.to_thread(
                publishing.reviews, database_url(), actor, template_id
            )
            admin = await asyncio.to_thread(gallery.is_instance_admin, database_url(), actor)
        except (ValueError, gallery.TemplateNotFound):
            self.not_found, self.loaded = True, True
            return None
        except Forbidden as exc:
            self.error, self.loaded = exc.message, True
            return None
        summary = detail.summary
        self.not_found = False
        self.info = {
            **card(summary),
            "version": str(summary.version),
            "changelog": detail.changelog,
            "review": summary.review,
            "review_note": detail.review_note,
            "visibility": summary.visibility,
        }
        self.inputs = input_fields(detail.document)
        self.steps = _steps(detail.document)
        self.missing = detail.missing_secrets
        self.secrets = [
            {"name": name, "missing": "yes" if name in detail.missing_secrets else ""}
            for name in summary.secrets
        ]
        self.versions = [
            {
                "version": str(v["version"]),
                "changelog": v["changelog"],
                "when": relative_time(v["created_at"]),
            }
            for v in detail.versions
        ]
        self.reviews = [
            {
                "author": r.author,
                "stars": "★" * r.rating + "☆" * (5 - r.rating),
                "text": r.text,
                "when": relative_time(r.created_at),
            }
            for r in reviews
        ]
        picture = preview(detail.document)
        self.graph_nodes, self.graph_edges = picture["nodes"], picture["edges"]
        self.graph_view_box = picture["view_box"]
        self.graph_width, self.graph_min_width = picture["width"], picture["min_width"]
        self.mine = detail.mine
        self.pending_for_me = admin and summary.review == "pending"
        self.can_install = actor.allowed(Action.WORKFLOW_WRITE)
        self.can_write_secrets = actor.allowed(Action.SECRET_WRITE)
        rated = any(r.mine for r in reviews)
        can_review = actor.allowed(Action.TEMPLATE_REVIEW) and actor.api_key_id is None
        self.can_rate = can_review and not detail.mine and not rated
        self.loaded = True
        return None

    # -- installing -----------------------------------------------------------------

    @rx.event
    def open_install(self, version: str = "") -> None:
        """Install the newest version, or an older one picked from the version list."""
        self.install_open, self.install_error = True, ""
        self.install_name = self.info.get("name", "")
        self.install_version = version if version != self.info.get("version") else ""

    @rx.event
    def set_install_open(self, value: bool) -> None:
        self.install_open = value

    @rx.event
    def set_install_name(self, value: str) -> None:
        self.install_name = value

    @rx.event
    def set_secret_value(self, name: str, value: str) -> None:
        if name in self.missing:
            self.secret_values = {**self.secret_values, name: value}
            self.install_error = self.secrets_error = ""

    def _given(self) -> dict[str, str]:
        return {name: value for name, value in self.secret_values.items() if value}

    @rx.event
    async def install(self, skip_secrets: bool = False) -> Any:
        actor = await self._actor()
        if actor is None:
            return login_redirect(self)
        given = {} if skip_secrets or not self.can_write_secrets else self._given()
        empty = [name for name in self.missing if name not in given]
        if self.can_write_secrets and not skip_secrets and empty:
            self.install_error = (
                f"Enter a value for {', '.join(empty)}, or install without "
                f"{'them' if len(empty) > 1 else 'it'} (runs are refused until it is added)."
            )
            return None
        data = {
            "name": self.install_name.strip() or None,
            "secrets": given,
            "version": int(self.install_version) if self.install_version else None,
        }
        try:
            installed = await asyncio.to_thread(
                gallery.install_template, database_url(), actor, uuid.UUID(self.current), data
            )
        except AgentFlowError as exc:
            self.install_error = exc.message
            return None
        self.install_open, self.secret_values = False, {}
        message = "Installed. Open the test run to try it."
        if installed.missing_secrets:
            message = f"Installed. Runs wait for {', '.join(installed.missing_secrets)}."
        return [rx.toast.success(message), rx.redirect(f"/workflows/{installed.workflow_id}")]

    @rx.event
    async def save_secrets(self) -> Any:
        """Add the missing secrets from the template's page, without installing again."""
        actor = await self._actor()
        if actor is None:
            return login_redirect(self)
        given = self._given()
        if not given:
            self.secrets_error = "Enter at least one value."
            return None
        try:
            for name, value in sorted(given.items()):
                await asyncio.to_thread(
                    org_secrets.create_secret,
                    database_url(),
                    actor,
                    {"name": name, "value": value},
                )
        except AgentFlowError as exc:
            self.secrets_error = exc.message
            return None
        self.secret_values = {}
        await self._refresh()
        return rx.toast.success(f"Saved {', '.join(sorted(given))}.")

    # -- rating, approval, deletion -------------------------------------------------

    @rx.event
    def set_stars(self, value: str) -> None:
        self.stars, self.rate_error = value, ""

    @rx.event
    def set_review_text(self, value: str) -> None:
        self.review_text = value

    @rx.event
    async def rate(self) -> Any:
        actor = await self._actor()
        if actor is None:
            return login_redirect(self)
        if self.stars not in ("1", "2", "3", "4", "5"):
            self.rate_error = "Choose from one to five stars."
            return None
        data = {"rating": int(self.stars), "text": self.review_text}
        try:
            await asyncio.to_thread(
                publishing.rate, database_url(), actor, uuid.UUID(self.current), data
            )
        except AgentFlowError as exc:
            self.rate_error = exc.message
            return None
        self.stars, self.review_text = "", ""
        await self._refresh()
        return rx.toast.success("Thank you for rating this template.")

    @rx.event
    def set_decision_note(self, value: str) -> None:
        self.decision_note = value

    @rx.event
    async def decide(self, approve: bool) -> Any:
        actor = await self._actor()
        if actor is None:
            return login_redirect(self)
        data = {"approve": approve, "note": self.decision_note}
        try:
            await asyncio.to_thread(
                publishing.decide, database_url(), actor, uuid.UUID(self.current), data
            )
        except AgentFlowError as exc:
            return rx.toast.error(exc.message)
        self.decision_note = ""
        await self._refresh()
        return rx.toast.success("Approved: listed for everyone." if approve else "Rejected.")

    @rx.event
    def set_delete_open(self, value: bool) -> None:
        self.delete_open = value

    @rx.event
    async def delete(self) -> Any:
        actor = await self._actor()
        if actor is None:
            return login_redirect(self)
        try:
            await asyncio.to_thread(
                publishing.delete_template, database_url(), actor, uuid.UUID(self.current)
            )
        except AgentFlowError as exc:
            self.delete_open = False
            return rx.toast.error(exc.message)
        self.delete_open = False
        return [rx.toast.success("Template deleted."), rx.redirect("/templates")]
