"""Who is signed in: every page but log-in and sign-up requires a session.

The user is resolved from the HttpOnly session cookie on every event and never
kept as a credential in the state, so logging out (or being removed from the
organisation) takes effect on the next click. Page states call
:func:`current_actor` and act in the organisation it names; pages are registered
with ``on_load=[SessionState.require, ThePageState.load]``.
"""

from __future__ import annotations

import asyncio
from http.cookies import CookieError, SimpleCookie
from typing import ParamSpec, TypeVar
from urllib.parse import quote

import reflex as rx
from reflex.event import EventSpec

from agentflow.errors import Forbidden
from agentflow.services.tenancy import accounts, organizations
from agentflow.services.tenancy.permissions import Action, Actor
from state.common import database_url
from state.web.api_v1.deps import SESSION_COOKIE

LOGIN_PAGE = "/login"
T = TypeVar("T")
P = ParamSpec("P")


def session_token(cookie_header: str) -> str:
    """The session token from a raw ``Cookie`` header, or ""."""
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(cookie_header or "")
    except CookieError:
        return ""
    morsel = cookies.get(SESSION_COOKIE)
    return morsel.value if morsel is not None else ""


def safe_next(path: str) -> str:
    """A same-site path to return to after signing in ("/" for anything else).

    Only plain absolute paths are kept, so ``next`` can never send the user to
    another site (``//evil.example``, ``https://…`` or ``/\\evil``).
    """
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    if any(ord(ch) < 0x20 for ch in path) or path.startswith(("/login", "/signup")):
        return "/"
    return path[:500]


async def signed_in_user(state: rx.State) -> accounts.SessionUser | None:
    token = session_token(state.router.headers.cookie)
    return await asyncio.to_thread(accounts.session_user, database_url(), token)


async def current_actor(state: rx.State) -> Actor | None:
    """The signed-in user acting in their active organisation, or None."""
    user = await signed_in_user(state)
    if user is None:
        return None
    try:
        return user.actor(
            ip=state.router.session.client_ip or "",
            user_agent=(state.router.headers.user_agent or "")[:500],
        )
    except Forbidden:  # a user left without any organisation
        return None


def login_redirect(state: rx.State) -> EventSpec:
    return rx.redirect(f"{LOGIN_PAGE}?next={quote(safe_next(state.router.url.path))}")


class SessionState(rx.State):
    """What the shell shows about the signed-in user; refreshed on every page load."""

    user_email: str = ""
    org_id: str = ""
    org_name: str = ""
    role: str = ""
    orgs: list[dict[str, str]] = []
    # Which actions the user's role allows, for showing or hiding controls. The
    # services enforce the same matrix whatever the page shows.
    allowed: list[str] = []

    @rx.event
    async def require(self) -> EventSpec | None:
        user = await signed_in_user(self)
        actor = None
        if user is not None and user.org_id is not None:
            actor = user.actor()
        if user is None or actor is None:
            self.user_email = self.org_id = self.org_name = self.role = ""
            self.orgs, self.allowed = [], []
            return login_redirect(self)
        self.user_email, self.org_name = user.email, user.org_name
        self.org_id = str(user.org_id)
        self.role = user.role.value if user.role else ""
        self.allowed = [action.value for action in Action if actor.allowed(action)]
        summaries = await asyncio.to_thread(organizations.list_orgs, database_url(), user.user_id)
        self.orgs = [{"id": str(s.id), "name": s.name, "role": s.role.value} for s in summaries]
        return None

    @rx.var
    def can_write(self) -> bool:
        return Action.WORKFLOW_WRITE.value in self.allowed

    @rx.var
    def can_admin(self) -> bool:
        return Action.ORG_UPDATE.value in self.allowed
