"""The Versions dialog's Webhook tab: the URL with copy and rotate (confirmed), whether
it is live and whether requests must be signed. State: state/pages/builder/versions.py.

The URL is rendered as text.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from components.dialogs import confirm_dialog
from state.pages.builder.versions import BuilderVersionsState

S = BuilderVersionsState


def _muted(text: Any, **props: Any) -> rx.Component:
    return rx.text(text, size="2", color=rx.color("gray", 11), **props)


def _webhook_status() -> rx.Component:
    hook: Any = S.webhook
    return rx.cond(
        hook["active"] != "",
        rx.callout(
            "Live: "
            + hook["method"].to(str)
            + " requests start the latest published version ("
            + hook["response"].to(str)
            + " answer).",
            icon="radio",
            color_scheme="green",
            size="1",
        ),
        rx.cond(
            hook["draft_has_webhook"] != "",
            rx.callout(
                "The draft's trigger is a webhook: publish it to make this URL start runs.",
                icon="info",
                size="1",
            ),
            rx.callout(
                "Set the trigger's kind to webhook and publish to receive requests here.",
                icon="info",
                color_scheme="gray",
                size="1",
            ),
        ),
    )


def webhook_tab() -> rx.Component:
    hook: Any = S.webhook
    return rx.cond(
        S.webhook_shown,
        rx.vstack(
            _webhook_status(),
            rx.cond(
                hook["url"] != "",
                rx.hstack(
                    rx.code(
                        hook["url"],
                        size="2",
                        flex="1",
                        min_width="0",
                        overflow_wrap="anywhere",
                        data_testid="webhook-url",
                    ),
                    rx.icon_button(
                        rx.icon("copy", size=14),
                        variant="soft",
                        on_click=S.copy_url,
                        aria_label="Copy the webhook URL",
                        title="Copy",
                        data_testid="copy-webhook-url",
                    ),
                    width="100%",
                    align="center",
                ),
                rx.cond(
                    hook["unreadable"] != "",
                    rx.callout(
                        "This URL cannot be shown: the server's secret key changed since it "
                        "was made. It still works for senders who have it; rotate it to see "
                        "a new one.",
                        icon="key-round",
                        color_scheme="amber",
                        size="1",
                        data_testid="webhook-unreadable",
                    ),
                    _muted("No URL yet.", data_testid="webhook-no-url"),
                ),
            ),
            rx.cond(
                hook["signed"] != "",
                _muted("Signed: requests must carry X-AgentFlow-Signature (see docs/webhooks.md)."),
                _muted(
                    "Unsigned: anyone with the URL can start runs. Set a secret on the "
                    "trigger to require HMAC signatures."
                ),
            ),
            rx.hstack(
                rx.button(
                    rx.icon("refresh-cw", size=14),
                    rx.cond(hook["url"] != "", "Rotate URL", "Make a URL now"),
                    variant="soft",
                    color_scheme="orange",
                    on_click=S.set_rotate_open(True),
                    data_testid="rotate-webhook",
                ),
                rx.cond(
                    hook["rotated"] != "",
                    _muted("Last rotated " + hook["rotated"].to(str)),
                ),
                align="center",
                spacing="3",
            ),
            spacing="3",
            width="100%",
        ),
        _muted("Only editors and admins can see and rotate webhook URLs."),
    )


def rotate_confirm() -> rx.Component:
    return confirm_dialog(
        title="Rotate the webhook URL?",
        description=rx.text(
            "A new URL is made and the current one stops working at once: every sender "
            "must be given the new URL."
        ),
        confirm_label="Rotate",
        open=S.rotate_open,
        on_cancel=S.set_rotate_open(False),
        on_confirm=S.confirm_rotate,
        confirm_test_id="confirm-rotate",
    )
