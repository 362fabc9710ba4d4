"""A ``<form>`` the browser submits itself, for the cookie-setting ``/auth`` routes.

``rx.el.form`` always prevents the browser's own submission and sends an event
instead; signing in, out and switching organisation must be real posts so the
HttpOnly cookie in the response reaches the browser.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML


class NativeForm(BaseHTML):
    tag = "form"
    action: rx.Var[str]
    method: rx.Var[str]


def hidden(name: str, value: str | rx.Var[str]) -> rx.Component:
    return rx.el.input(type="hidden", name=name, value=value)
