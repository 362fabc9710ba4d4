"""The organisation card on Settings → General."""

from __future__ import annotations

import reflex as rx

from components.dialogs import dialog_footer
from state.pages.org_settings.state import OrgSettingsState as S
from state.session import SessionState


def _new_org_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(
                rx.icon("plus", size=14),
                "New organisation",
                variant="soft",
                data_testid="open-new-org",
            )
        ),
        rx.dialog.content(
            rx.dialog.title("New organisation"),
            rx.dialog.description(
                "You become its owner. Workflows, runs, keys and secrets are never shared "
                "between organisations."
            ),
            rx.input(
                placeholder="Organisation name",
                aria_label="Name of the new organisation",
                value=S.new_org_name,
                on_change=S.set_new_org_name,
                max_length=200,
                data_testid="new-org-name",
                margin_top="12px",
            ),
            rx.cond(S.new_org_error != "", rx.text(S.new_org_error, color="red", size="2")),
            dialog_footer(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Create", on_click=S.create_org, data_testid="create-org"),
            ),
        ),
        open=S.new_org_open,
        on_open_change=S.set_new_org_open,
    )


def organisation_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Organisation", size="4", as_="h2"),
            rx.text(
                "Your role here: ",
                rx.badge(SessionState.role, data_testid="my-role"),
                size="2",
            ),
            rx.hstack(
                rx.input(
                    value=S.name_draft,
                    on_change=S.set_name_draft,
                    max_length=200,
                    read_only=~SessionState.can_admin,
                    aria_label="Organisation name",
                    data_testid="org-name",
                    width="320px",
                ),
                rx.cond(
                    SessionState.can_admin,
                    rx.button("Save", on_click=S.rename, data_testid="save-org-name"),
                ),
                align="center",
            ),
            rx.text(
                "Slug ",
                rx.code(S.org_slug, data_testid="org-slug"),
                " (for the command line: agentflow submit FILE --org ",
                S.org_slug,
                ")",
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.cond(S.name_error != "", rx.text(S.name_error, color="red", size="2")),
            rx.cond(
                S.name_message != "",
                rx.text(S.name_message, color="green", size="2", data_testid="org-saved"),
            ),
            _new_org_dialog(),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )
