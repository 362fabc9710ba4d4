"""POST /auth/accept-invite: CSRF, signed-out users, used/expired/foreign links, success."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.services.tenancy import accounts, organizations
from agentflow.services.tenancy.permissions import Role
from state.web import api_v1, auth_routes
from state.web.api_v1.deps import SESSION_COOKIE
from tests.integration.api.conftest import BASE_URL, Person


@pytest.fixture
def auth_app(env: dict[str, str]) -> FastAPI:
    api = FastAPI()
    api.include_router(auth_routes.router)
    api_v1.install_error_handlers(api)
    return api


@pytest.fixture
async def http(auth_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=auth_app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


def _invite(database_url: str, owner: Person, role: Role = Role.EDITOR, **extra: object) -> str:
    made = organizations.invite(database_url, owner.actor(), {"role": role, **extra})
    return made.link.split("token=", 1)[1]


def _session(database_url: str, person: Person) -> str:
    return accounts.create_session(database_url, person.user_id, org_id=person.org_id).token


async def _accept(
    http: httpx.AsyncClient, token: str, session: str | None, origin: str | None = BASE_URL
) -> httpx.Response:
    headers = {"Origin": origin} if origin else {}
    cookies = {SESSION_COOKIE: session} if session else {}
    http.cookies.clear()
    return await http.post(
        "/auth/accept-invite", data={"token": token}, headers=headers, cookies=cookies
    )


def _roles(database_url: str, person: Person, org_owner: Person) -> list[str]:
    members = organizations.list_members(database_url, org_owner.actor())
    return [member.role.value for member in members if member.user_id == person.user_id]


def _error(response: httpx.Response) -> str:
    return parse_qs(urlsplit(response.headers["location"]).query).get("error", [""])[0]


async def test_accepting_joins_with_the_role_and_makes_the_org_active(
    http: httpx.AsyncClient, env: dict[str, str], alice: Person, bob: Person
) -> None:
    database_url = env["database_url"]
    token, session = _invite(database_url, alice), _session(database_url, bob)
    response = await _accept(http, token, session)
    assert response.status_code == 303
    assert response.headers["location"] == "/workflows"
    assert _roles(database_url, bob, alice) == ["editor"]
    current = accounts.session_user(database_url, session)
    assert current is not None and current.org_id == alice.org_id
    assert current.role is Role.EDITOR

    again = await _accept(http, token, session)  # single use
    assert _error(again) == "invalid"


@pytest.mark.parametrize("origin", ["https://evil.example", None])
async def test_a_foreign_or_missing_origin_is_refused(
    http: httpx.AsyncClient, env: dict[str, str], alice: Person, bob: Person, origin: str | None
) -> None:
    database_url = env["database_url"]
    token, session = _invite(database_url, alice), _session(database_url, bob)
    response = await _accept(http, token, session, origin=origin)
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "csrf"
    assert _roles(database_url, bob, alice) == []
    # The refused attempt did not use the link up.
    assert (await _accept(http, token, session)).headers["location"] == "/workflows"


async def test_signed_out_users_log_in_first_and_come_back(
    http: httpx.AsyncClient, env: dict[str, str], alice: Person
) -> None:
    token = _invite(env["database_url"], alice)
    response = await _accept(http, token, session=None)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [f"/invite?token={token}"]


async def test_an_expired_link_is_refused(
    http: httpx.AsyncClient, env: dict[str, str], alice: Person, bob: Person
) -> None:
    database_url = env["database_url"]
    token = _invite(database_url, alice)
    with get_engine(database_url).begin() as connection:
        connection.execute(text("UPDATE invitations SET expires_at = now() - interval '1 minute'"))
    response = await _accept(http, token, _session(database_url, bob))
    assert response.status_code == 303
    assert urlsplit(response.headers["location"]).path == "/invite"
    assert _error(response) == "invalid"
    assert _roles(database_url, bob, alice) == []


async def test_revoked_unknown_and_other_peoples_links_are_refused(
    http: httpx.AsyncClient, env: dict[str, str], alice: Person, bob: Person
) -> None:
    database_url = env["database_url"]
    session = _session(database_url, bob)
    revoked = organizations.invite(database_url, alice.actor(), {"role": Role.VIEWER})
    organizations.revoke_invitation(database_url, alice.actor(), revoked.id)
    for_carol = _invite(database_url, alice, email="carol@example.com")
    for token in (revoked.link.split("token=", 1)[1], "not-a-token", for_carol):
        assert _error(await _accept(http, token, session)) == "invalid"
    assert _roles(database_url, bob, alice) == []


async def test_members_are_told_they_already_belong(
    http: httpx.AsyncClient, env: dict[str, str], alice: Person
) -> None:
    database_url = env["database_url"]
    response = await _accept(http, _invite(database_url, alice), _session(database_url, alice))
    assert _error(response) == "already_member"


async def test_the_preview_matches_what_accepting_allows(
    env: dict[str, str], alice: Person, bob: Person
) -> None:
    from agentflow.services.tenancy.invitations import preview_invitation

    database_url = env["database_url"]
    token = _invite(database_url, alice, Role.ADMIN)
    shown = preview_invitation(database_url, token, user_id=bob.user_id)
    assert shown is not None
    assert (shown.org_id, shown.role, shown.already_member) == (alice.org_id, Role.ADMIN, False)
    own = preview_invitation(database_url, token, user_id=alice.user_id)
    assert own is not None and own.already_member
    assert preview_invitation(database_url, "nope", user_id=bob.user_id) is None
    organizations.accept_invitation(database_url, token, user_id=bob.user_id)
    assert preview_invitation(database_url, token, user_id=bob.user_id) is None
    addressed = _invite(database_url, alice, email="carol@example.com")
    assert preview_invitation(database_url, addressed, user_id=bob.user_id) is None


def test_the_redirect_keeps_the_token_intact() -> None:
    assert auth_routes._invite_page("a+b/c", "invalid") == "/invite?token=a%2Bb%2Fc&error=invalid"
