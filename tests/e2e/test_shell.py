"""The app shell in a real browser: sidebar, every page's empty state, theme, health."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from agentflow.services.runs.lifecycle import create_run
from agentflow.services.templates import gallery
from agentflow.services.templates.official import load_official_templates
from agentflow.services.workflows.management import create_workflow
from components.shell import NAV_ITEMS
from state.pages.shell import EMPTY_PAGES
from tests.e2e.conftest import Account
from tests.integration.conftest import workflow

EMPTY_TITLES = {page.route: page.empty_title for page in EMPTY_PAGES}
DEEP_LINKED = workflow(
    [{"id": "greet", "type": "template", "config": {"template": "hi"}}], [("start", "greet")]
)


def test_the_shell_loads_with_the_sidebar(page: Page) -> None:
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()
    for item in NAV_ITEMS:
        expect(nav.get_by_test_id(f"nav-{item.label.lower()}")).to_have_text(item.label)


@pytest.mark.parametrize("item", NAV_ITEMS, ids=lambda item: item.label)
def test_every_sidebar_page_opens(page: Page, item: object) -> None:
    from components.shell import NavItem

    assert isinstance(item, NavItem)
    page.goto("/")
    page.get_by_test_id(f"nav-{item.label.lower()}").click()
    expect(page).to_have_url(re.compile(re.escape(item.route) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(item.label)
    expect(page.get_by_test_id(f"nav-{item.label.lower()}")).to_have_attribute(
        "aria-current", "page"
    )
    if item.route in EMPTY_TITLES:  # pages whose area is not built yet
        empty = page.get_by_test_id("empty-state").first
        expect(empty.get_by_role("heading")).to_have_text(EMPTY_TITLES[item.route])
        expect(empty.get_by_test_id("empty-state-action")).to_be_visible()


def test_the_empty_state_action_leads_somewhere_real(page: Page) -> None:
    page.goto("/analytics")
    page.get_by_test_id("empty-state-action").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workflows")


def test_settings_shows_live_system_status(page: Page) -> None:
    page.goto("/settings")
    status = page.get_by_test_id("system-status")
    expect(status).to_be_visible(timeout=15_000)
    for component in ("database", "redis", "workers"):
        row = status.get_by_role("row").filter(has_text=component)
        expect(row).to_contain_text("up")


def test_dark_mode_toggles(page: Page) -> None:
    page.goto("/workflows")
    html = page.locator("html")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    before = html.get_attribute("class") or ""
    page.get_by_test_id("color-mode-toggle").click()
    expected = "light" if "dark" in before else "dark"
    expect(html).to_have_class(re.compile(rf"\b{expected}\b"))


def test_health_endpoint_is_green(app_url: str) -> None:
    response = httpx.get(f"{app_url}/api/health", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["workers"]["extra"]["alive"] >= 1


def test_api_docs_are_served(page: Page) -> None:
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .title").first).to_contain_text("AgentFlow API")
    expect(page.get_by_text("/api/health").first).to_be_visible()


def test_a_section_stays_highlighted_on_its_sub_pages(page: Page) -> None:
    page.goto("/settings/api-keys")
    expect(page.get_by_test_id("nav-settings")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("nav-workflows")).to_have_attribute("aria-current", "false")


def test_deep_links_answer_200_and_load_every_resource(page: Page, account: Account) -> None:
    """A bookmarked or shared address with an id in it opens with HTTP 200 and the
    browser logs no failed resource (a 404 document is logged as one)."""
    db = account.database_url
    load_official_templates(db)
    workflow_id = create_workflow(db, "Deep link", document=DEEP_LINKED, org_id=account.org_id)
    run_id = create_run(db, DEEP_LINKED, {}, org_id=account.org_id, workflow_id=workflow_id)
    template = gallery.list_templates(db, account.actor())[0]
    failures: list[str] = []

    def note_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Failed to load resource" in message.text:
            failures.append(message.text)

    def note_response(response: Response) -> None:
        if response.status >= 400:
            failures.append(f"{response.status} {response.url}")

    page.on("console", note_console)
    page.on("response", note_response)
    # Each address, and what shows that its own page opened on it.
    addresses = {
        f"/workflows/{workflow_id}": ("builder-canvas", None),
        f"/executions/{run_id}": ("run-status", "queued"),
        f"/templates/{template.id}": ("template-name", template.name),
        f"/analytics/workflows/{workflow_id}": ("workflow-name", "Deep link"),
    }
    for address, (test_id, text) in addresses.items():
        answer = page.goto(address)
        assert answer is not None and answer.status == 200, address
        shown = page.get_by_test_id(test_id)
        expect(shown).to_be_visible(timeout=15_000)
        if text is not None:
            expect(shown).to_have_text(text)
        expect(page.get_by_test_id("not-found")).to_have_count(0)
    assert failures == []


def test_an_unknown_address_shows_the_not_found_page_in_the_shell(page: Page) -> None:
    answer = page.goto("/workflows/a/b/no-such-page")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.get_by_test_id("not-found").get_by_test_id("empty-state-action").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workflows")
