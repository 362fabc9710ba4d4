"""Settings → Members in a real browser: invite by link, accept, change role, remove, leave."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect

from agentflow.services.tenancy import organizations
from agentflow.services.tenancy.permissions import Role
from tests.e2e.conftest import Account, mailed_link, sign_up, signed_in_context


def _roles(account: Account) -> dict[str, str]:
    members = organizations.list_members(account.database_url, account.actor())
    return {member.email: member.role.value for member in members}


def _pick(page: Page, trigger_test_id: str, option: str, within: object = None) -> None:
    scope = within if within is not None else page
    scope.get_by_test_id(trigger_test_id).click()  # type: ignore[attr-defined]
    page.get_by_role("option", name=option, exact=True).click()


def test_invite_accept_demote_and_remove_a_member(
    page: Page, browser: Browser, app_url: str, account: Account
) -> None:
    page.goto("/settings/members")
    expect(page.get_by_test_id("settings-tab-members")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("member-row")).to_have_count(1)
    expect(page.get_by_test_id("member-row")).to_contain_text(account.email)

    _pick(page, "invite-role", "Editor")
    page.get_by_test_id("create-invitation").click()
    link = page.get_by_test_id("invite-link")
    expect(link).to_have_text(re.compile(r"/invite\?token=[A-Za-z0-9_-]{40,}$"))
    invite_url = link.inner_text().strip()
    assert invite_url.startswith(app_url)
    expect(page.get_by_test_id("invitation-row")).to_have_count(1)
    expect(page.get_by_test_id("invitation-row")).to_contain_text("anyone with the link")

    # A second person, with an organisation of their own, accepts in another browser.
    second = sign_up(
        app_url, account.database_url, f"second-{uuid.uuid4().hex[:8]}@example.com", "Second org"
    )
    context = signed_in_context(browser, app_url, second)
    other = context.new_page()
    try:
        other.goto(invite_url)
        expect(other.get_by_test_id("invite-offer")).to_have_text(
            "Test org invites you to join as editor."
        )
        other.get_by_test_id("accept-invite").click()
        expect(other).to_have_url(re.compile(r"/workflows/?$"))
        expect(other.get_by_test_id("org-switcher")).to_contain_text("Test org")
        other.get_by_test_id("org-switcher").click()
        orgs = other.get_by_test_id("switch-org")
        expect(orgs).to_have_count(2)
        expect(orgs.filter(has_text="Test org")).to_contain_text("editor")
        expect(orgs.filter(has_text="Second org")).to_contain_text("owner")
        assert _roles(account)[second.email] == "editor"

        # The link worked once: opening it again says so.
        other.goto(invite_url)
        expect(other.get_by_test_id("invite-error")).to_contain_text("cannot be used")
        expect(other.get_by_test_id("accept-invite")).to_have_count(0)

        # The owner makes them a viewer.
        page.reload()
        expect(page.get_by_test_id("member-row")).to_have_count(2)
        expect(page.get_by_test_id("invitation-row")).to_have_count(0)  # accepted
        row = page.get_by_test_id("member-row").filter(has_text=second.email)
        _pick(page, "member-role", "Viewer", within=row)
        expect(row.get_by_test_id("member-role")).to_have_text("Viewer")
        assert _roles(account)[second.email] == "viewer"

        # A viewer cannot create workflows: the page shows the refusal.
        other.goto("/workflows")
        other.get_by_role("button", name="New workflow").click()
        other.get_by_test_id("new-workflow-name").fill("Not allowed")
        other.get_by_test_id("create-workflow").click()
        expect(other.get_by_text("your role does not allow workflow.write")).to_be_visible()
        # Nor manage members: roles are shown, not editable; no invitations.
        other.goto("/settings/members")
        expect(other.get_by_test_id("member-row")).to_have_count(2)
        expect(other.get_by_test_id("member-role")).to_have_count(0)
        expect(other.get_by_test_id("remove-member")).to_have_count(0)
        expect(other.get_by_test_id("create-invitation")).to_have_count(0)

        # The owner removes them, after confirming.
        row.get_by_test_id("remove-member").click()
        expect(page.get_by_role("alertdialog")).to_contain_text(second.email)
        page.get_by_test_id("confirm-remove").click()
        expect(page.get_by_test_id("member-row")).to_have_count(1)
        assert second.email not in _roles(account)
        other.goto("/workflows")  # back in their own organisation
        expect(other.get_by_test_id("org-switcher")).to_contain_text("Second org")
    finally:
        context.close()

    # The last owner cannot leave: the service's reason is shown.
    page.get_by_test_id("leave-org").click()
    page.get_by_test_id("confirm-leave").click()
    expect(page.get_by_test_id("leave-error")).to_contain_text("an organisation needs an owner")
    expect(page).to_have_url(re.compile(r"/settings/members/?$"))
    assert _roles(account) == {account.email: "owner"}


def test_the_last_owner_cannot_demote_themselves(page: Page, account: Account) -> None:
    page.goto("/settings/members")
    _pick(page, "member-role", "Admin")
    expect(page.get_by_test_id("members-error")).to_contain_text("an organisation needs an owner")
    expect(page.get_by_test_id("member-role")).to_have_text("Owner")


def test_revoking_an_invitation_asks_first_and_kills_the_link(page: Page, account: Account) -> None:
    page.goto("/settings/members")
    page.get_by_test_id("invite-email").fill("guest@example.com")
    _pick(page, "invite-role", "Viewer")
    page.get_by_test_id("create-invitation").click()
    expect(page.get_by_test_id("invite-link")).to_be_visible()
    row = page.get_by_test_id("invitation-row")
    expect(row).to_contain_text("guest@example.com")
    expect(row).to_contain_text("viewer")
    row.get_by_test_id("revoke-invitation").click()
    page.get_by_role("button", name="Cancel").click()  # nothing happens
    expect(row).to_have_count(1)
    row.get_by_test_id("revoke-invitation").click()
    page.get_by_test_id("confirm-revoke-invitation").click()
    expect(page.get_by_test_id("invitation-row")).to_have_count(0)
    assert organizations.list_invitations(account.database_url, account.actor()) == []


def test_a_signed_out_invitee_signs_up_and_comes_back_to_accept(
    anonymous_page: Page, app_url: str, account: Account
) -> None:
    page = anonymous_page
    made = organizations.invite(account.database_url, account.actor(), {"role": Role.EDITOR})
    token = made.link.split("token=", 1)[1]
    page.goto(f"/invite?token={token}")
    expect(page.get_by_test_id("invite-offer")).to_have_count(0)  # nothing shown signed out
    page.get_by_test_id("invite-signup").click()
    expect(page).to_have_url(re.compile(r"/signup/?\?next=%2Finvite%3Ftoken%3D"))
    email = f"invitee-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_test_id("signup-submit").click()
    expect(page.get_by_test_id("auth-notice")).to_contain_text("Check your e-mail")
    page.goto(mailed_link(app_url, email, "/signup/finish"))
    page.get_by_test_id("finish-signup-submit").click()
    expect(page).to_have_url(re.compile(rf"/invite/?\?token={re.escape(token)}$"))
    expect(page.get_by_test_id("invite-offer")).to_contain_text("Test org")
    page.get_by_test_id("accept-invite").click()
    expect(page).to_have_url(re.compile(r"/workflows/?$"))
    expect(page.get_by_test_id("org-switcher")).to_contain_text("Test org")
    assert _roles(account)[email] == "editor"


def test_every_settings_tab_is_one_click_away(page: Page, account: Account) -> None:
    page.goto("/settings")
    for tab, route, heading in (
        ("members", "/settings/members", "Members"),
        ("api-keys", "/settings/api-keys", "API keys"),
        ("secrets", "/settings/secrets", "Secrets"),
        ("audit", "/settings/audit", "Audit trail"),
        ("general", "/settings", "Settings"),
    ):
        page.get_by_test_id(f"settings-tab-{tab}").click()
        expect(page).to_have_url(re.compile(re.escape(route) + "/?$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_test_id(f"settings-tab-{tab}")).to_have_attribute("aria-current", "page")
