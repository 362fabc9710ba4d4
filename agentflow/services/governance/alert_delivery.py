"""Delivering an alert: the alert history always, in-app notices and outgoing webhooks
when the organisation's rule asks for them.

In-app notices are agentflow.services.delivery.notifications.notify (kind
``alert.triggered``, deduplicated by the alert's key) and webhooks
agentflow.services.delivery.outgoing.emit (event ``alert.triggered``, one delivery per
subscription, sent by the workers). A channel that fails is logged and noted in
the history (``delivery``); the alert itself is always recorded.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from agentflow.db.analytics import AlertEvent
from agentflow.db.engine import session_scope
from agentflow.services.delivery import notifications, outgoing

log = logging.getLogger("agentflow.alerts")
ALERT_EVENT = "alert.triggered"


@dataclass
class Alert:
    org_id: uuid.UUID
    kind: str  # triggered | resolved | budget_soft | budget_hard
    title: str
    message: str = ""
    link: str = "/analytics"
    rule_id: uuid.UUID | None = None
    budget_id: uuid.UUID | None = None
    workflow_id: uuid.UUID | None = None
    value: float | None = None
    threshold: float | None = None
    dedupe_key: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def deliver(database_url: str, alert: Alert, *, in_app: bool, webhook: bool) -> dict[str, str]:
    """Send the alert where asked, then record it with how each channel went."""
    delivery: dict[str, str] = {}
    if in_app:
        delivery["in_app"] = _notify(database_url, alert)
    if webhook:
        delivery["webhook"] = _emit(database_url, alert)
    with session_scope(database_url) as session:
        session.add(
            AlertEvent(
                org_id=alert.org_id, rule_id=alert.rule_id, budget_id=alert.budget_id,
                workflow_id=alert.workflow_id, kind=alert.kind, title=alert.title[:300],
                message=alert.message[:2000], value=alert.value, threshold=alert.threshold,
                delivery=delivery,
            )
        )  # fmt: skip
    return delivery


def _notify(database_url: str, alert: Alert) -> str:
    try:
        notifications.notify(
            database_url, alert.org_id, ALERT_EVENT, alert.title, body=alert.message,
            link=alert.link, dedupe_key=alert.dedupe_key,
        )  # fmt: skip
    except Exception as exc:  # the history still records the alert
        log.warning("in-app notice for alert %r failed: %s", alert.title, exc)
        return "failed"
    return "sent"


def _emit(database_url: str, alert: Alert) -> str:
    payload = {
        "kind": alert.kind,
        "title": alert.title,
        "message": alert.message,
        "rule_id": str(alert.rule_id) if alert.rule_id else None,
        "budget_id": str(alert.budget_id) if alert.budget_id else None,
        "workflow_id": str(alert.workflow_id) if alert.workflow_id else None,
        "value": alert.value,
        "threshold": alert.threshold,
        **alert.payload,
    }
    try:
        outgoing.emit(database_url, alert.org_id, ALERT_EVENT, payload)
    except Exception as exc:
        log.warning("webhook for alert %r failed: %s", alert.title, exc)
        return "failed"
    return "queued"
