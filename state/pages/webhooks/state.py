"""Settings → Webhooks state: event subscriptions, their delivery log, redelivery.

The actor is resolved from the session on every event. A new or rotated signing
secret is held only until it is dismissed or the page is left.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import reflex as rx

from agentflow.errors import AgentFlowError, Forbidden, InvalidInput, NotFound
from agentflow.services.delivery import outgoing, outgoing_log
from agentflow.services.delivery.outgoing import EVENTS, DeliveryInfo, SubscriptionInfo
from agentflow.services.delivery.outgoing_log import STATUSES
from agentflow.services.tenancy.permissions import Actor
from components.formatting import relative_time
from state.common import database_url as _database
from state.common import toggled
from state.session import current_actor

ALL = "all"


def _subscription_row(info: SubscriptionInfo) -> dict[str, str]:
    return {
        "id": str(info.id),
        "url": info.url,
        "description": info.description,
        "events": ", ".join(info.events),
        "enabled": "yes" if info.enabled else "",
        "created": relative_time(info.created_at),
    }


def _delivery_row(info: DeliveryInfo) -> dict[str, str]:
    return {
        "id": str(info.id),
        "event": info.event,
        "url": info.url,
        "status": info.status,
        "attempts": str(info.attempts),
        "code": str(info.response_code) if info.response_code is not None else "–",
        "latency": f"{info.latency_ms} ms" if info.latency_ms is not None else "–",
        "created": relative_time(info.created_at),
        "error": info.last_error or "",
        "redelivery": "redelivery" if info.redelivery_of else "",
        "payload": json.dumps(info.payload, indent=2, sort_keys=True, default=str)[:8000],
    }


class WebhooksState(rx.State):
    loaded: bool = False
    error: str = ""
    subscriptions: list[dict[str, str]] = []
    deliveries: list[dict[str, str]] = []
    status_filter: str = ALL

    new_url: str = ""
    new_description: str = ""
    new_events: list[str] = ["run.failed"]
    create_error: str = ""
    new_secret: str = ""

    delete_id: str = ""
    delete_url: str = ""
    payload_id: str = ""

    async def _actor(self) -> Actor | None:
        actor = await current_actor(self)
        if actor is None:
            self.subscriptions, self.deliveries = [], []
        return actor

    async def _reload(self, actor: Actor) -> None:
        status = self.status_filter if self.status_filter in STATUSES else None
        try:
            subs = await asyncio.to_thread(outgoing.list_subscriptions, _database(), actor)
            logged = await asyncio.to_thread(
                outgoing_log.list_deliveries, _database(), actor, status=status, limit=100
            )
        except Forbidden as exc:
            self.error = exc.message
            self.subscriptions, self.deliveries = [], []
            return
        self.subscriptions = [_subscription_row(info) for info in subs]
        self.deliveries = [_delivery_row(info) for info in logged]

    @rx.event
    async def load(self) -> None:
        self.error = self.create_error = self.new_secret = ""
        self.delete_id = self.delete_url = self.payload_id = ""
        actor = await self._actor()
        if actor is not None:
            await self._reload(actor)
        self.loaded = True

    @rx.event
    async def refresh(self, _tick: Any = None) -> None:
        await self._refresh()

    async def _refresh(self) -> None:
        actor = await self._actor()
        if actor is not None and not self.error:
            await self._reload(actor)

    @rx.event
    def set_new_url(self, value: str) -> None:
        self.new_url = value[:2000]

    @rx.event
    def set_new_description(self, value: str) -> None:
        self.new_description = value[:200]

    @rx.event
    def toggle_event(self, event: str, checked: bool) -> None:
        self.new_events = toggled(EVENTS, self.new_events, event, checked)

    @rx.event
    async def create(self) -> None:
        self.create_error = ""
        actor = await self._actor()
        if actor is None:
            return
        data = {
            "url": self.new_url.strip(),
            "events": self.new_events,
            "description": self.new_description,
        }
        try:
            new = await asyncio.to_thread(outgoing.create_subscription, _database(), actor, data)
        except AgentFlowError as exc:
            self.create_error = exc.message
            return
        self.new_secret = new.secret
        self.new_url = self.new_description = ""
        await self._reload(actor)

    @rx.event
    def dismiss_secret(self) -> None:
        self.new_secret = ""

    async def _change(self, work: Any) -> None:
        actor = await self._actor()
        if actor is None:
            return
        try:
            await asyncio.to_thread(work, actor)
        except (ValueError, NotFound, Forbidden, InvalidInput) as exc:
            self.error = getattr(exc, "message", "") or "this subscription was not found"
        await self._reload(actor)

    @rx.event
    async def set_enabled(self, subscription_id: str, enabled: bool) -> None:
        await self._change(
            lambda actor: outgoing.update_subscription(
                _database(), actor, uuid.UUID(subscription_id), {"enabled": enabled}
            )
        )

    @rx.event
    async def rotate(self, subscription_id: str) -> None:
        actor = await self._actor()
        if actor is None:
            return
        try:
            self.new_secret = await asyncio.to_thread(
                outgoing.rotate_secret, _database(), actor, uuid.UUID(subscription_id)
            )
        except (ValueError, NotFound, Forbidden) as exc:
            self.error = getattr(exc, "message", "") or "this subscription was not found"

    @rx.event
    def ask_delete(self, subscription_id: str, url: str) -> None:
        self.delete_id, self.delete_url = subscription_id, url

    @rx.event
    def cancel_delete(self) -> None:
        self.delete_id = self.delete_url = ""

    @rx.event
    async def confirm_delete(self) -> None:
        target, self.delete_id, self.delete_url = self.delete_id, "", ""
        await self._change(
            lambda actor: outgoing.delete_subscription(_database(), actor, uuid.UUID(target))
        )

    @rx.event
    async def redeliver(self, delivery_id: str) -> None:
        await self._change(
            lambda actor: outgoing_log.redeliver(_database(), actor, uuid.UUID(delivery_id))
        )

    @rx.event
    async def set_status_filter(self, value: str) -> None:
        self.status_filter = value if value in STATUSES else ALL
        await self._refresh()

    @rx.event
    def show_payload(self, delivery_id: str) -> None:
        self.payload_id = "" if self.payload_id == delivery_id else delivery_id

    @rx.event
    def dismiss_error(self) -> None:
        self.error = ""
