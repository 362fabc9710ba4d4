"""Settings → Webhooks: subscribe URLs to events, see every delivery, redeliver."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from agentflow.services.delivery.outgoing import EVENTS
from agentflow.services.delivery.outgoing_log import STATUSES
from components.callouts import shown_once_callout
from components.choice_boxes import choice_boxes
from components.dialogs import confirm_dialog
from components.list_table import list_table
from components.settings_nav import settings_nav
from components.shell import page_frame
from state.pages.webhooks.state import ALL
from state.pages.webhooks.state import WebhooksState as S

REFRESH_MS = 3000
DELIVERY_COLORS = {
    "pending": "gray",
    "sending": "blue",
    "retrying": "amber",
    "succeeded": "green",
    "failed": "red",
}


def _create_form() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Add an endpoint", size="4", as_="h2"),
            rx.el.label("URL", html_for="webhook-url", font_size="14px"),
            rx.input(
                id="webhook-url",
                placeholder="https://example.com/agentflow-events",
                value=S.new_url,
                on_change=S.set_new_url,
                width="100%",
                max_length=2000,
                data_testid="webhook-url",
            ),
            rx.el.label("Description (optional)", html_for="webhook-description", font_size="14px"),
            rx.input(
                id="webhook-description",
                placeholder="e.g. On-call alerts",
                value=S.new_description,
                on_change=S.set_new_description,
                width="320px",
                max_length=200,
            ),
            rx.text("Events", size="2"),
            choice_boxes(EVENTS, S.new_events, S.toggle_event, "event-", wrap="wrap"),
            rx.cond(
                S.create_error != "",
                rx.text(S.create_error, color="red", size="2", data_testid="create-error"),
            ),
            rx.button("Add endpoint", on_click=S.create, data_testid="create-webhook"),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _secret_callout() -> rx.Component:
    return shown_once_callout(
        S.new_secret,
        icon="key-round",
        explanation="Copy the signing secret now: it is shown only once. Each delivery carries "
        "X-AgentFlow-Signature: t=<time>,v1=<HMAC-SHA256 of “t.body” with this secret>.",
        on_done=S.dismiss_secret,
        test_ids=("secret-callout", "webhook-secret", "copy-webhook-secret"),
    )


def _subscription(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.text(row["url"], weight="medium", style={"word_break": "break-all"}),
                rx.text(row["description"], size="1", color=rx.color("gray", 11)),
                spacing="0",
            )
        ),
        rx.table.cell(rx.text(row["events"], size="2")),
        rx.table.cell(
            rx.switch(
                checked=row["enabled"] != "",
                on_change=lambda on: S.set_enabled(row["id"], on),
                aria_label="Send events to " + row["url"],
                data_testid="webhook-enabled",
            )
        ),
        rx.table.cell(
            rx.hstack(
                rx.button("New secret", size="1", variant="soft", on_click=S.rotate(row["id"])),
                rx.button(
                    "Delete",
                    size="1",
                    color_scheme="red",
                    variant="soft",
                    on_click=S.ask_delete(row["id"], row["url"]),
                    data_testid="delete-webhook",
                ),
            )
        ),
        data_testid="webhook-row",
    )


def _subscriptions() -> rx.Component:
    return list_table(
        ("Endpoint", "Events", "On", ""),
        S.subscriptions,
        _subscription,
        rx.text(
            "No endpoints yet: add one above to be told when runs succeed, fail or wait, "
            "and when workflows are published.",
            color=rx.color("gray", 11),
            data_testid="no-webhooks",
        ),
    )


def _delivery(row: ObjectVar[dict[str, str]]) -> rx.Component:
    color = rx.match(row["status"], *DELIVERY_COLORS.items(), "gray")
    return rx.fragment(
        rx.table.row(
            rx.table.cell(rx.text(row["created"], size="2")),
            rx.table.cell(rx.code(row["event"])),
            rx.table.cell(rx.text(row["url"], size="1", style={"word_break": "break-all"})),
            rx.table.cell(
                rx.badge(row["status"], color_scheme=color, data_testid="delivery-status")
            ),
            rx.table.cell(row["attempts"], data_testid="delivery-attempts"),
            rx.table.cell(row["code"], data_testid="delivery-code"),
            rx.table.cell(row["latency"]),
            rx.table.cell(
                rx.hstack(
                    rx.button(
                        "Payload", size="1", variant="ghost", on_click=S.show_payload(row["id"])
                    ),
                    rx.button(
                        "Redeliver",
                        size="1",
                        variant="soft",
                        on_click=S.redeliver(row["id"]),
                        data_testid="redeliver",
                    ),
                )
            ),
            data_testid="delivery-row",
        ),
        rx.cond(
            row["error"] != "",
            rx.table.row(
                rx.table.cell(
                    rx.text(row["error"], size="1", color=rx.color("red", 11)),
                    col_span=8,
                )
            ),
        ),
        rx.cond(
            S.payload_id == row["id"],
            rx.table.row(
                rx.table.cell(
                    rx.el.pre(row["payload"], style={"font_size": "12px", "overflow_x": "auto"}),
                    col_span=8,
                )
            ),
        ),
    )


def _deliveries() -> rx.Component:
    headers = ("When", "Event", "Endpoint", "Status", "Attempts", "Response", "Latency", "")
    return rx.vstack(
        rx.hstack(
            rx.heading("Delivery log", size="4", as_="h2"),
            rx.spacer(),
            rx.select.root(
                rx.select.trigger(
                    placeholder="Status",
                    aria_label="Filter deliveries by status",
                    data_testid="delivery-status-filter",
                ),
                rx.select.content(
                    rx.select.item("All statuses", value=ALL),
                    *[rx.select.item(status, value=status) for status in STATUSES],
                ),
                value=S.status_filter,
                on_change=S.set_status_filter,
            ),
            width="100%",
            align="center",
        ),
        list_table(
            headers,
            S.deliveries,
            _delivery,
            rx.text("No deliveries yet.", color=rx.color("gray", 11), data_testid="no-deliveries"),
            data_testid="delivery-log",
        ),
        width="100%",
    )


def _delete_dialog() -> rx.Component:
    return confirm_dialog(
        title="Delete this endpoint?",
        description=rx.text(
            "“", S.delete_url, "” will receive no more events, and its delivery log is deleted."
        ),
        confirm_label="Delete",
        open=S.delete_id != "",
        on_cancel=S.cancel_delete,
        on_confirm=S.confirm_delete,
        confirm_test_id="confirm-delete-webhook",
    )


def webhooks_page() -> rx.Component:
    return page_frame(
        "Webhooks",
        "Send your organisation's events to other systems, signed, retried and logged.",
        settings_nav(),
        rx.moment(interval=REFRESH_MS, on_change=S.refresh, display="none"),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading")),
            rx.vstack(
                rx.cond(
                    S.error != "",
                    rx.callout.root(
                        rx.callout.text(S.error),
                        color_scheme="red",
                        width="100%",
                        data_testid="webhooks-error",
                    ),
                ),
                _secret_callout(),
                _create_form(),
                _subscriptions(),
                _deliveries(),
                _delete_dialog(),
                spacing="4",
                width="100%",
            ),
        ),
    )
