"""Settings → Members: roles, removal (confirmed), invitation links, leaving."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from components.callouts import error_callout, shown_once_callout
from components.dialogs import confirm_dialog
from components.list_table import list_table
from components.settings_nav import settings_nav
from components.shell import page_frame
from state.pages.members.state import ROLES
from state.pages.members.state import MembersState as S

ROLE_HELP = (
    "Owners and admins manage members, API keys, secrets and the audit trail (only owners "
    "grant or remove the owner role); editors build and run workflows; viewers only look."
)


def _role_select(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label="Role of " + row["email"], data_testid="member-role"),
        rx.select.content(*[rx.select.item(role.title(), value=role) for role in ROLES]),
        value=row["role"],
        on_change=lambda role: S.change_role(row["user_id"], role),
        size="1",
    )


def _member_row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                rx.text(rx.cond(row["name"] != "", row["name"], "—"), weight="medium"),
                rx.cond(row["me"] != "", rx.badge("you", variant="soft")),
                spacing="2",
                align="center",
            )
        ),
        rx.table.cell(rx.text(row["email"])),
        rx.table.cell(rx.cond(S.can_manage, _role_select(row), rx.badge(row["role"]))),
        rx.table.cell(rx.text(row["joined"], size="2")),
        rx.table.cell(
            rx.cond(
                S.can_manage & (row["me"] == ""),
                rx.button(
                    "Remove",
                    size="1",
                    color_scheme="red",
                    variant="soft",
                    on_click=S.ask_remove(row["user_id"], row["label"]),
                    data_testid="remove-member",
                ),
            )
        ),
        data_testid="member-row",
    )


def _members_table() -> rx.Component:
    headers = ["Name", "Email", "Role", "Joined", ""]
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(S.rows, _member_row)),
        width="100%",
        data_testid="members-table",
    )


def _link_callout() -> rx.Component:
    return shown_once_callout(
        S.new_link,
        icon="link",
        explanation="Share this link with the person you invite. It is shown only once, works "
        "once, and expires; revoke it below if it goes astray.",
        on_done=S.dismiss_link,
        test_ids=("invite-callout", "invite-link", "copy-invite-link"),
    )


def _invite_form() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Invite someone", size="4", as_="h2"),
            rx.hstack(
                rx.vstack(
                    rx.el.label("Role", html_for="invite-role", font_size="14px"),
                    rx.select.root(
                        rx.select.trigger(id="invite-role", data_testid="invite-role"),
                        rx.select.content(
                            *[rx.select.item(role.title(), value=role) for role in ROLES]
                        ),
                        value=S.invite_role,
                        on_change=S.set_invite_role,
                    ),
                    spacing="1",
                ),
                rx.vstack(
                    rx.el.label("Email (optional)", html_for="invite-email", font_size="14px"),
                    rx.input(
                        id="invite-email",
                        type="email",
                        placeholder="only this address may accept",
                        value=S.invite_email,
                        on_change=S.set_invite_email,
                        width="300px",
                        data_testid="invite-email",
                    ),
                    spacing="1",
                ),
                align="end",
                wrap="wrap",
                spacing="3",
            ),
            rx.text(
                "With an email, the link is also mailed and only that account can use it.",
                size="1",
                color=rx.color("gray", 11),
            ),
            rx.cond(S.invite_error != "", rx.text(S.invite_error, color="red", size="2")),
            rx.button(
                rx.icon("user-plus", size=14),
                "Create invitation link",
                on_click=S.create_invitation,
                data_testid="create-invitation",
            ),
            spacing="2",
        ),
        width="100%",
    )


def _invitation_row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.badge(row["role"])),
        rx.table.cell(rx.text(rx.cond(row["email"] != "", row["email"], "anyone with the link"))),
        rx.table.cell(rx.text(row["created"], size="2")),
        rx.table.cell(rx.text(row["expires"], size="2")),
        rx.table.cell(
            rx.button(
                "Revoke",
                size="1",
                color_scheme="red",
                variant="soft",
                on_click=S.ask_revoke(row["id"], row["role"]),
                data_testid="revoke-invitation",
            )
        ),
        data_testid="invitation-row",
    )


def _invitations() -> rx.Component:
    headers = ["Role", "For", "Created", "Expires", ""]
    return rx.vstack(
        rx.heading("Pending invitations", size="4", as_="h2"),
        list_table(
            headers,
            S.invitations,
            _invitation_row,
            rx.text("No pending invitations.", color=rx.color("gray", 11), size="2"),
        ),
        width="100%",
    )


def _leave() -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.heading("Leave this organisation", size="3", as_="h2"),
                rx.text(
                    "You lose access to its workflows and runs. An organisation keeps at "
                    "least one owner: make someone else owner before you leave.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                error_callout(S.leave_error, "leave-error"),
                spacing="1",
            ),
            rx.spacer(),
            rx.button(
                rx.icon("log-out", size=14),
                "Leave organisation",
                color_scheme="red",
                variant="outline",
                on_click=S.ask_leave,
                data_testid="leave-org",
            ),
            width="100%",
            align="center",
        ),
        width="100%",
    )


def _dialogs() -> rx.Component:
    return rx.fragment(
        confirm_dialog(
            title="Remove member?",
            description=rx.text(
                "“", S.remove_label, "” loses access to this organisation immediately."
            ),
            confirm_label="Remove",
            open=S.remove_id != "",
            on_cancel=S.cancel_remove,
            on_confirm=S.confirm_remove,
            confirm_test_id="confirm-remove",
        ),
        confirm_dialog(
            title="Revoke invitation?",
            description=rx.text("The ", S.revoke_label, " invitation link will stop working."),
            confirm_label="Revoke",
            open=S.revoke_id != "",
            on_cancel=S.cancel_revoke,
            on_confirm=S.confirm_revoke,
            confirm_test_id="confirm-revoke-invitation",
        ),
        confirm_dialog(
            title="Leave organisation?",
            description=rx.text("You will need a new invitation to come back."),
            confirm_label="Leave",
            open=S.leave_open,
            on_cancel=S.cancel_leave,
            on_confirm=S.confirm_leave,
            confirm_test_id="confirm-leave",
        ),
    )


def members_page() -> rx.Component:
    return page_frame(
        "Members",
        "Who belongs to this organisation, and what each of them may do.",
        settings_nav(),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading members")),
            rx.vstack(
                error_callout(S.error, "members-error"),
                rx.text(ROLE_HELP, size="2", color=rx.color("gray", 11)),
                _members_table(),
                rx.cond(
                    S.can_invite,
                    rx.vstack(_link_callout(), _invite_form(), _invitations(), width="100%"),
                ),
                _leave(),
                _dialogs(),
                spacing="4",
                width="100%",
            ),
        ),
    )
