"""The invitation page: accept as the signed-in user, or sign in first and come back."""

from __future__ import annotations

import reflex as rx

from components.brand import public_card
from components.native_form import NativeForm, hidden
from state.pages.invite.state import InviteState as S


def _accept_form() -> rx.Component:
    return NativeForm.create(
        hidden("token", S.token),
        rx.button(
            rx.icon("user-check", size=16),
            "Accept invitation",
            type="submit",
            size="3",
            width="100%",
            data_testid="accept-invite",
        ),
        action="/auth/accept-invite",
        method="post",
        width="100%",
    )


def _signed_in() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.error != "",
            rx.callout(
                S.error, color_scheme="red", role="alert", width="100%", data_testid="invite-error"
            ),
        ),
        rx.cond(
            S.usable,
            rx.vstack(
                rx.text(
                    rx.text.strong(S.org_name),
                    " invites you to join as ",
                    rx.text.strong(S.role),
                    ".",
                    data_testid="invite-offer",
                ),
                _accept_form(),
                width="100%",
            ),
        ),
        rx.cond(
            S.already_member,
            rx.text("You already belong to ", rx.text.strong(S.org_name), "."),
        ),
        rx.text("Signed in as ", S.user_email, size="2", color=rx.color("gray", 11)),
        rx.link("Go to your workflows", href="/workflows", size="2"),
        spacing="3",
        width="100%",
    )


def _signed_out() -> rx.Component:
    return rx.vstack(
        rx.text(
            "You have been invited to an organisation on AgentFlow. Create an account or "
            "log in to accept; you come back to this invitation afterwards."
        ),
        rx.link(
            rx.button("Create an account", size="3", width="100%"),
            href="/signup" + S.next_query,
            width="100%",
            data_testid="invite-signup",
        ),
        rx.link(
            rx.button("Log in", size="3", variant="soft", width="100%"),
            href="/login" + S.next_query,
            width="100%",
            data_testid="invite-login",
        ),
        spacing="3",
        width="100%",
    )


def invite_page() -> rx.Component:
    return public_card(
        "Invitation",
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Checking the invitation")),
            rx.cond(S.signed_in, _signed_in(), _signed_out()),
        ),
        width="420px",
    )
