"""Sign-up, log-in, log-out, switching organisation and accepting an invitation as
plain HTML form posts: ``POST /auth/*``.

Each route checks the request's ``Origin`` (CSRF, the API's own check), calls
:mod:`agentflow.services.tenancy.accounts`, sets or clears the HttpOnly session cookie the
API reads (:data:`state.web.api_v1.deps.SESSION_COOKIE`) and answers with a 303
redirect. Errors go back to the form as a short ``?error=<code>``; the password is
never echoed, and neither a failed login, a password reset nor a sign-up says
whether an account exists (sign-up finishes through an e-mailed link).
"""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from agentflow.errors import AgentFlowError, InvalidInput, NotFound
from agentflow.services.tenancy import accounts, organizations, rate_limit, registration
from agentflow.settings import get_settings
from state.session import safe_next
from state.web.api_v1.deps import SESSION_COOKIE, check_csrf, services

router = APIRouter(prefix="/auth", include_in_schema=False)

AFTER_SIGN_IN = "/workflows"
LOGIN_PAGE = "/login"
INVITE_PAGE = organizations.INVITE_PATH
SIGNUP_PAGE = "/signup"
FORGOT_PAGE = "/forgot-password"
MAX_FIELD = 1000  # longer form fields are refused before reaching the services
# What a form sent back after an error shows again (never a password).
KEPT_FIELDS = ("name", "email", "org_name")
MAX_KEPT = 254


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _back(
    page: str, error: str, next_path: str, typed: dict[str, object] | None = None
) -> RedirectResponse:
    """Back to the form with an error code, keeping where the user was going and what
    they typed in the fields of :data:`KEPT_FIELDS` (so only the password is retyped)."""
    keep = "" if next_path == "/" else f"&next={quote(next_path)}"
    kept = {
        name: str(value)[:MAX_KEPT]
        for name, value in (typed or {}).items()
        if name in KEPT_FIELDS and str(value)
    }
    if kept:
        keep += "&" + urlencode(kept)
    return _redirect(f"{page}?error={error}{keep}")


def _after_sign_in(next_path: str) -> str:
    return AFTER_SIGN_IN if next_path == "/" else next_path


def _client(request: Request) -> tuple[str, str]:
    ip = request.client.host if request.client else ""
    return ip, request.headers.get("user-agent", "")[:500]


def _set_session(response: RedirectResponse, new: accounts.NewSession) -> None:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        max_age=settings.session_ttl_s,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.base_url.lower().startswith("https://"),
    )


async def _fields(request: Request, *names: str) -> dict[str, object] | None:
    form = await request.form()
    values: dict[str, object] = {}
    for name in names:
        value = form.get(name, "")
        if not isinstance(value, str) or len(value) > MAX_FIELD:
            return None
        values[name] = value
    return values


@router.post("/signup")
async def signup(request: Request) -> RedirectResponse:
    """Always "check your e-mail" for a valid form, so it cannot tell who has an
    account: a new address is mailed a link to finish, an existing one a notice
    (:mod:`agentflow.services.tenancy.registration`). Nobody is signed in here."""
    check_csrf(request)
    urls = services()
    data = await _fields(request, "email", "password", "name", "org_name", "next")
    if data is None:
        return _redirect(f"{SIGNUP_PAGE}?error=invalid")
    next_path = safe_next(str(data.pop("next")))
    try:
        form = accounts.parse_sign_up(data)
    except InvalidInput:
        return _back(SIGNUP_PAGE, "invalid", next_path, data)
    if await asyncio.to_thread(_may_mail, request, "signup", form.email):
        await asyncio.to_thread(
            registration.request_sign_up,
            urls.database_url,
            urls.redis_url,
            form,
            next_path=next_path,
        )
    return _redirect(f"{SIGNUP_PAGE}?notice=check_email")


@router.post("/finish-signup")
async def finish_signup(request: Request) -> RedirectResponse:
    """Create the account of an e-mailed sign-up link, sign in, and go where the
    person was going when they signed up."""
    check_csrf(request)
    urls = services()
    ip, user_agent = _client(request)
    data = await _fields(request, "token")
    token = str(data["token"]) if data is not None else ""
    try:
        finished = await asyncio.to_thread(
            registration.finish_sign_up,
            urls.database_url,
            urls.redis_url,
            token,
            ip=ip,
            user_agent=user_agent,
        )
        new = await asyncio.to_thread(
            accounts.create_session,
            urls.database_url,
            finished.user_id,
            org_id=finished.org_id,
            ip=ip,
            user_agent=user_agent,
        )
    except accounts.InvalidToken:
        return _redirect(f"{SIGNUP_PAGE}?error=invalid_link")
    except accounts.EmailTaken:  # only the address's owner has the link: telling is fine
        return _redirect(f"{LOGIN_PAGE}?notice=account_exists")
    response = _redirect(_after_sign_in(safe_next(finished.next_path)))
    _set_session(response, new)
    return response


@router.post("/login")
async def login(request: Request) -> RedirectResponse:
    check_csrf(request)
    urls = services()
    ip, user_agent = _client(request)
    data = await _fields(request, "email", "password", "next")
    if data is None:
        return _redirect(f"{LOGIN_PAGE}?error=invalid_credentials")
    next_path = safe_next(str(data["next"]))
    try:
        new = await asyncio.to_thread(
            accounts.login,
            urls.database_url,
            urls.redis_url,
            str(data["email"]),
            str(data["password"]),
            ip=ip,
            user_agent=user_agent,
        )
    except accounts.LoginLocked:
        return _back(LOGIN_PAGE, "locked", next_path, data)
    except accounts.InvalidCredentials:
        return _back(LOGIN_PAGE, "invalid_credentials", next_path, data)
    response = _redirect(_after_sign_in(next_path))
    _set_session(response, new)
    return response


@router.post("/logout")
async def logout(request: Request) -> RedirectResponse:
    check_csrf(request)
    urls = services()
    ip, user_agent = _client(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        await asyncio.to_thread(
            accounts.end_session, urls.database_url, token, ip=ip, user_agent=user_agent
        )
    response = _redirect(LOGIN_PAGE)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.post("/switch-org")
async def switch_org(request: Request) -> RedirectResponse:
    """Make another of the user's organisations the active one, then show its workflows."""
    check_csrf(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    data = await _fields(request, "org_id")
    if not token or data is None:
        return _redirect(LOGIN_PAGE)
    try:
        org_id = uuid.UUID(str(data["org_id"]))
        await asyncio.to_thread(organizations.switch_org, services().database_url, token, org_id)
    except (ValueError, NotFound):
        return _redirect(AFTER_SIGN_IN)  # not a member: nothing changes
    except accounts.InvalidToken:
        return _redirect(LOGIN_PAGE)
    return _redirect(AFTER_SIGN_IN)


@router.post("/forgot-password")
async def forgot_password(request: Request) -> RedirectResponse:
    """Always the same answer, so the form cannot tell who has an account."""
    check_csrf(request)
    data = await _fields(request, "email")
    try:
        email = accounts.normalize_email(str(data["email"])) if data else ""
    except InvalidInput:
        email = ""
    allowed: bool = bool(email) and await asyncio.to_thread(_may_mail, request, "reset", email)
    if allowed:
        await asyncio.to_thread(accounts.request_password_reset, services().database_url, email)
    return _redirect(f"{FORGOT_PAGE}?notice=sent")


def _may_mail(request: Request, kind: str, email: str) -> bool:
    """At most a few mails of a kind (``reset``, ``signup``) per address and per
    client an hour: the forms must not become a way to flood someone's inbox."""
    limits = rate_limit.limiter(services().redis_url)
    ip, _ = _client(request)
    per_email = limits.allow(f"{kind}:email:{accounts.hash_token(email)}", 3, 3600)
    per_ip = limits.allow(f"{kind}:ip:{ip}", 20, 3600)
    return per_email.allowed and per_ip.allowed


@router.post("/reset-password")
async def reset_password(request: Request) -> RedirectResponse:
    check_csrf(request)
    data = await _fields(request, "token", "password")
    if data is None:
        return _redirect(f"{accounts.RESET_PATH}?error=invalid_token")
    token = str(data["token"])
    try:
        await asyncio.to_thread(
            accounts.reset_password, services().database_url, token, str(data["password"])
        )
    except accounts.InvalidToken:
        return _redirect(f"{accounts.RESET_PATH}?error=invalid_token")
    except InvalidInput:  # the token stays usable: let them choose a longer password
        return _redirect(f"{accounts.RESET_PATH}?error=weak_password&token={quote(token)}")
    response = _redirect(f"{LOGIN_PAGE}?notice=reset")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


def _invite_page(token: str, error: str = "") -> str:
    """The invitation page for ``token`` (quoted), with an error code when given."""
    url = f"{INVITE_PAGE}?token={quote(token, safe='')}"
    return f"{url}&error={error}" if error else url


@router.post("/accept-invite")
async def accept_invite(request: Request) -> RedirectResponse:
    """Join the invitation's organisation as the signed-in user, and make it active.

    Signed out: log in first and come back to the invitation. A used, expired,
    revoked or unknown link, or one addressed to another email, goes back to
    the invitation page with ``error=invalid``.
    """
    check_csrf(request)
    urls = services()
    ip, user_agent = _client(request)
    data = await _fields(request, "token")
    token = str(data["token"]) if data is not None else ""
    if not token:
        return _redirect(AFTER_SIGN_IN)
    session_token = request.cookies.get(SESSION_COOKIE, "")
    user = await asyncio.to_thread(accounts.session_user, urls.database_url, session_token)
    if user is None:
        return _redirect(f"{LOGIN_PAGE}?next={quote(safe_next(_invite_page(token)), safe='')}")
    try:
        org_id = await asyncio.to_thread(
            organizations.accept_invitation,
            urls.database_url,
            token,
            user_id=user.user_id,
            ip=ip,
            user_agent=user_agent,
        )
        await asyncio.to_thread(organizations.switch_org, urls.database_url, session_token, org_id)
    except organizations.AlreadyMember:
        return _redirect(_invite_page(token, "already_member"))
    except AgentFlowError:
        return _redirect(_invite_page(token, "invalid"))
    return _redirect(AFTER_SIGN_IN)
