"""The /login, /signup and password pages: plain HTML forms posted to ``state.web.auth_routes``.

The browser posts the form itself (no websocket event), so the response's
HttpOnly session cookie lands in the browser. A failed attempt comes back with a
short ``?error=<code>`` that is shown as text.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import reflex as rx

from components.brand import public_card
from components.native_form import NativeForm, hidden
from state.session import safe_next

ERRORS = {
    "invalid_credentials": "The email or the password is incorrect.",
    "locked": "Too many failed attempts. Wait a few minutes and try again.",
    "invalid_link": "This sign-up link is invalid, already used or expired. Sign up again.",
    "invalid": "Enter a valid email address and a password of 8 to 256 characters.",
    "invalid_token": "This reset link is invalid, already used or expired. Ask for a new one.",
    "weak_password": "Choose a password of 8 to 256 characters.",
}
NOTICES = {
    "sent": "If an account exists for that address, a reset link is on its way. "
    "It works once, for a limited time.",
    "reset": "Your password was changed and every session was signed out. Log in again.",
    # The same after every valid sign-up, new address or not (services.tenancy.registration).
    "check_email": "Check your e-mail: we sent a message to the address you entered. "
    "To finish creating your account, open the link in it within 24 hours.",
    "account_exists": "This address already has an account. Log in.",
}


# The pages the log-in and sign-up forms link to each other with.
SWITCH_TARGETS = ("/login", "/signup")


class AuthFormState(rx.State):
    error: str = ""
    notice: str = ""
    # The token of an e-mailed link (password reset, finishing a sign-up), posted back.
    reset_token: str = ""
    ready: bool = False
    # Where to go after signing in: the page that asked for it, same-site only.
    next_path: str = "/"
    # What was typed before a refused post (auth_routes.KEPT_FIELDS), shown again.
    typed_name: str = ""
    typed_email: str = ""
    typed_org_name: str = ""

    @rx.event
    def load(self) -> None:
        params = self.router.url.query_parameters
        code = params.get("error", "")
        self.error = ERRORS.get(code, "Something went wrong. Try again." if code else "")
        self.next_path = safe_next(params.get("next", "/"))
        self.notice = NOTICES.get(params.get("notice", ""), "")
        self.reset_token = params.get("token", "")[:200]
        self.typed_name = params.get("name", "")[:254] if code else ""
        self.typed_email = params.get("email", "")[:254] if code else ""
        self.typed_org_name = params.get("org_name", "")[:254] if code else ""
        self.ready = True

    @rx.var
    def next_query(self) -> str:
        return _next_query(self.next_path)

    @rx.event
    def switch_form(self, path: str) -> Any:
        # Read from this event's own URL, not from `load`: a click made right after the
        # page opens may be handled before `load`, and must still carry `next` along.
        if path not in SWITCH_TARGETS:  # the argument comes from the browser
            return None
        asked = self.router.url.query_parameters.get("next", "/")
        return rx.redirect(path + _next_query(safe_next(asked)))


TYPED = {
    "name": AuthFormState.typed_name,
    "email": AuthFormState.typed_email,
    "org_name": AuthFormState.typed_org_name,
}


def _next_query(next_path: str) -> str:
    return "" if next_path == "/" else f"?next={quote(next_path)}"


def _field(label: str, name: str, kind: str, autocomplete: str, required: bool) -> rx.Component:
    field_id = f"field-{name}"
    typed = TYPED.get(name)
    # A refused post comes back with what was typed; the key remounts the input when it
    # arrives (a default value is read only when an input mounts).
    kept: dict[str, Any] = {} if typed is None else {"default_value": typed, "key": typed}
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_size="14px", font_weight="500"),
        rx.el.input(
            **kept,
            id=field_id,
            name=name,
            type=kind,
            required=required,
            auto_complete=autocomplete,
            max_length=256 if kind == "password" else 254,
            style={
                "width": "100%",
                "padding": "8px 10px",
                "border": f"1px solid {rx.color('gray', 7)}",
                "border_radius": "6px",
                "background": rx.color("gray", 1),
                "color": rx.color("gray", 12),
            },
        ),
        spacing="1",
        width="100%",
    )


def _submit(label: str, testid: str) -> rx.Component:
    # Enabled once the page's state has read the URL: a form sent before that would
    # lose the hidden `next` (and the reset token) and land on the default page.
    return rx.el.button(
        label,
        type="submit",
        disabled=~AuthFormState.ready,
        data_testid=testid,
        style={
            "width": "100%",
            "padding": "9px 12px",
            "border_radius": "6px",
            "background": rx.color("accent", 9),
            "color": "white",
            "font_weight": "500",
            "cursor": "pointer",
        },
    )


def _card(title: str, form: rx.Component, footer: rx.Component) -> rx.Component:
    return public_card(
        title,
        rx.cond(
            AuthFormState.notice != "",
            rx.callout(
                AuthFormState.notice,
                color_scheme="green",
                role="status",
                width="100%",
                data_testid="auth-notice",
            ),
        ),
        rx.cond(
            AuthFormState.error != "",
            rx.callout(
                AuthFormState.error,
                color_scheme="red",
                role="alert",
                width="100%",
                data_testid="auth-error",
            ),
        ),
        form,
        footer,
    )


def _form(action: str, *children: rx.Component) -> rx.Component:
    """A form the browser posts itself to an ``/auth`` route (see the module docstring)."""
    return NativeForm.create(
        rx.vstack(*children, spacing="3", width="100%"),
        action=action,
        method="post",
        width="100%",
    )


def _switch_link(label: str, path: str, testid: str) -> rx.Component:
    return rx.link(
        label,
        href=path + AuthFormState.next_query,  # for opening in a new tab
        on_click=AuthFormState.switch_form(path).prevent_default,
        data_testid=testid,
    )


def login_page() -> rx.Component:
    form = _form(
        "/auth/login",
        _field("Email", "email", "email", "username", True),
        _field("Password", "password", "password", "current-password", True),
        hidden("next", AuthFormState.next_path),
        _submit("Log in", "login-submit"),
    )
    footer = rx.vstack(
        rx.link(
            "Forgot your password?", href="/forgot-password", size="2", data_testid="to-forgot"
        ),
        rx.text(
            "No account yet? ",
            _switch_link("Sign up", "/signup", "to-signup"),
            size="2",
        ),
        spacing="2",
    )
    return _card("Log in", form, footer)


def signup_page() -> rx.Component:
    form = _form(
        "/auth/signup",
        _field("Name", "name", "text", "name", False),
        _field("Email", "email", "email", "username", True),
        _field("Password (8 characters or more)", "password", "password", "new-password", True),
        _field("Organisation name", "org_name", "text", "organization", False),
        hidden("next", AuthFormState.next_path),
        _submit("Create account", "signup-submit"),
    )
    footer = rx.text(
        "Already have an account? ",
        _switch_link("Log in", "/login", "to-login"),
        size="2",
    )
    return _card("Create your account", form, footer)


def forgot_password_page() -> rx.Component:
    form = _form(
        "/auth/forgot-password",
        _field("Email", "email", "email", "username", True),
        _submit("Send a reset link", "forgot-submit"),
    )
    footer = rx.text("Remembered it? ", rx.link("Log in", href="/login"), size="2")
    return _card("Reset your password", form, footer)


def reset_password_page() -> rx.Component:
    form = _form(
        "/auth/reset-password",
        hidden("token", AuthFormState.reset_token),
        _field("New password (8 characters or more)", "password", "password", "new-password", True),
        _submit("Set the new password", "reset-submit"),
    )
    footer = rx.text(
        "Link expired? ", rx.link("Ask for a new one", href="/forgot-password"), size="2"
    )
    return _card("Choose a new password", form, footer)


def finish_signup_page() -> rx.Component:
    """Where the e-mailed sign-up link leads: a button, so that a mail scanner opening
    the link does not use it up."""
    form = _form(
        "/auth/finish-signup",
        hidden("token", AuthFormState.reset_token),
        rx.text("One last step: create the account and sign in.", size="2"),
        _submit("Create my account", "finish-signup-submit"),
    )
    footer = rx.text("Link expired? ", rx.link("Sign up again", href="/signup"), size="2")
    return _card("Finish creating your account", form, footer)
