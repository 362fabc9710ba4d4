"""The running app's pages carry the security headers, and work under its
Content-Security-Policy: the log-in form, the workflows list, the builder's React
Flow canvas and the Plotly charts, with no policy violation reported."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, expect

from agentflow.services.workflows.management import create_workflow
from tests.e2e.conftest import Account
from tests.integration.analytics.conftest import add_run
from tests.integration.conftest import workflow

DOC = workflow(
    [{"id": "say", "type": "template", "config": {"template": "hi"}}], [("start", "say")]
)
# Every `securitypolicyviolation` event of every document the page opens, reported back.
RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI}`);
});
"""


class Watched:
    """A page whose console and policy violations are recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        self.events: list[str] = []
        page.expose_function("__reportCspViolation", self._violation)
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _violation(self, text: str) -> None:
        self.events.append(text)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def open(self, path: str) -> Response:
        response = self.page.goto(path)
        assert response is not None
        return response

    def violations(self) -> list[str]:
        return [*self.console, *self.events]


@pytest.fixture
def watched(browser: Browser, app_url: str) -> Iterator[Watched]:
    context = browser.new_context(base_url=app_url, viewport={"width": 1400, "height": 900})
    yield Watched(context.new_page())
    context.close()


def assert_document_headers(response: Response) -> None:
    assert "text/html" in response.headers.get("content-type", "")
    headers = response.headers  # lower-cased names
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy
    assert "strict-transport-security" not in headers  # plain HTTP here


def test_pages_carry_the_headers_and_work_under_the_policy(
    watched: Watched, account: Account, clean_db: str
) -> None:
    page = watched.page
    # The log-in page, and its form: a same-site post keeps its Origin under the
    # Referrer-Policy (the CSRF check needs it), and lands signed in.
    assert_document_headers(watched.open("/login"))
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(r"/workflows/?$"))

    # The list over the page-event websocket, and a dialog that creates a workflow.
    assert_document_headers(watched.open("/workflows"))
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    page.get_by_role("button", name="New workflow").click()
    page.get_by_test_id("new-workflow-name").fill(f"Headers {uuid.uuid4().hex[:6]}")
    page.get_by_test_id("create-workflow").click()
    # The builder: React Flow draws the new workflow's trigger.
    expect(page).to_have_url(re.compile(r"/workflows/[0-9a-f-]{36}$"))
    expect(page.get_by_test_id("builder-canvas")).to_have_attribute(
        "data-node-count", "1", timeout=30_000
    )
    expect(page.get_by_test_id("node-start")).to_be_visible()
    # A toast sent by the server: Reflex evaluates the script it arrives as.
    page.get_by_test_id("publish").click()
    expect(page.get_by_text("Published version 1")).to_be_visible()

    # A Plotly chart.
    triage = create_workflow(clean_db, "Ticket triage", document=DOC, org_id=account.org_id)
    add_run(clean_db, account.org_id, triage, cost=0.25, duration_s=2)
    assert_document_headers(watched.open("/analytics"))
    plot = page.get_by_test_id("chart-runs_by_status").locator(".js-plotly-plot")
    expect(plot.locator(".main-svg").first).to_be_visible(timeout=30_000)

    assert watched.violations() == []
