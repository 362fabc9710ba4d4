"""Every control of every page has an accessible name, and no label is a field's key
title-cased (issue 15: labels and help text are written per field, not generated).

Each page opens with enough data for its forms, filters and tables to show, then with
each of its dialogs open. The builder's node panel has the same check in test_builder.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import pytest
import reflex as rx
from playwright.sync_api import Browser, BrowserContext, FileChooser, Page, expect
from pydantic import BaseModel

from agentflow.services.delivery import notifications, outgoing
from agentflow.services.governance import alerts, budgets
from agentflow.services.templates import gallery
from agentflow.services.templates.official import load_official_templates
from agentflow.services.tenancy import api_keys, organizations
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.workflows import management as workflows
from tests.e2e.conftest import WEBHOOK_RECEIVER_PORT, Account, sign_up, signed_in_context
from tests.e2e.test_run_page import finished_run
from tests.integration.analytics.conftest import add_run
from tests.integration.conftest import workflow

SLOW = 30_000  # a page's first visit may wait for the app's first compile
VIEWPORT = {"width": 1400, "height": 1000}
DOC = workflow(
    [{"id": "say", "type": "template", "config": {"template": "hi"}}], [("start", "say")]
)
SCHEDULED = {
    "format": "agentflow/v1",
    "name": "Morning digest",
    "nodes": [
        {
            "id": "tick",
            "type": "trigger",
            "config": {"kind": "schedule", "cron": "30 8 * * 1-5", "timezone": "Europe/Paris"},
        }
    ],
    "edges": [],
}

# Controls that need a name of their own (a label, aria-label or aria-labelledby); then
# buttons and links, which may also be named by their visible text or an image's alt.
# Skipped: what is not shown, and what is hidden from assistive technology (Radix keeps a
# hidden native <select> or checkbox beside its own control for forms).
UNNAMED_JS = """() => {
    const squash = (s) => (s || "").replace(/\\s+/g, " ").trim();
    const shown = (el) => !el.closest('[aria-hidden="true"], [inert]')
        && el.checkVisibility({ visibilityProperty: true, checkVisibilityCSS: true });
    const textOf = (el) => squash(el.innerText || el.textContent);
    const referenced = (el) => squash((el.getAttribute("aria-labelledby") || "")
        .split(/\\s+/).filter(Boolean).map((id) => document.getElementById(id))
        .filter(Boolean).map(textOf).join(" "));
    const labelled = (el) => referenced(el) || squash(el.getAttribute("aria-label"))
        || squash([...(el.labels || [])].map(textOf).join(" "));
    const pictured = (el) => squash([...el.querySelectorAll("img[alt], svg[aria-label]")]
        .map((n) => n.getAttribute("alt") || n.getAttribute("aria-label")).join(" "));
    const describe = (el) => {
        const role = el.getAttribute("role");
        const testId = el.getAttribute("data-testid");
        const what = el.tagName.toLowerCase() + (role ? `[role=${role}]` : "")
            + (el.type && el.tagName === "INPUT" ? `[type=${el.type}]` : "");
        const where = testId ? ` data-testid=${testId}`
            : el.id ? ` id=${el.id}`
            : el.placeholder ? ` placeholder="${el.placeholder}"`
            : ` ${el.outerHTML.slice(0, 120)}`;
        return what + where;
    };
    const controls = "input:not([type=hidden]), textarea, select, [role=combobox], "
        + "[role=switch], [role=checkbox], [role=radio], [role=radiogroup], [role=slider], "
        + "[role=spinbutton], [role=listbox], [role=searchbox], [role=textbox]";
    const actions = "button, a[href], [role=button], [role=link], [role=menuitem], [role=tab]";
    const unnamed = [];
    for (const el of document.querySelectorAll(controls)) {
        if (shown(el) && !labelled(el)) unnamed.push(describe(el));
    }
    for (const el of document.querySelectorAll(actions)) {
        if (el.matches(controls) || !shown(el)) continue;
        if (!labelled(el) && !textOf(el) && !pictured(el)) unnamed.push(describe(el));
    }
    return unnamed;
}"""

# The texts that name things: labels, legends, column headers and ARIA names.
LABEL_TEXTS_JS = """() => {
    const squash = (s) => (s || "").replace(/\\s+/g, " ").trim();
    const shown = (el) => el.checkVisibility({ visibilityProperty: true });
    const texts = [];
    for (const el of document.querySelectorAll("label, legend, th, [role=columnheader]")) {
        if (shown(el)) texts.push(squash(el.innerText));
    }
    for (const el of document.querySelectorAll("[aria-label]")) {
        texts.push(squash(el.getAttribute("aria-label")));
    }
    for (const el of document.querySelectorAll("[aria-labelledby]")) {
        for (const id of el.getAttribute("aria-labelledby").split(/\\s+/)) {
            const target = id && document.getElementById(id);
            if (target) texts.push(squash(target.innerText || target.textContent));
        }
    }
    return texts.filter(Boolean);
}"""

TITLE_CASED = re.compile(r"^[A-Z][a-z]+( [A-Z][a-z]+)+$")


def title_cased(key: str) -> str:
    """What a form generator makes of a key: ``max_tokens`` → ``Max Tokens``."""
    return " ".join(word.capitalize() for word in key.strip("_").split("_") if word)


@cache
def field_keys() -> frozenset[str]:
    """The names of the fields behind the app's forms, of two words or more: every
    pydantic model's fields (node configs, service inputs, tables) and every page
    state's vars."""
    for package in ("agentflow.nodes", "agentflow.spec", "agentflow.services", "state.pages"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, package + "."):
            importlib.import_module(info.name)
    keys: set[str] = set()

    def walk(cls: type, names: Callable[[type], Any]) -> None:
        for sub in cls.__subclasses__():
            if sub.__module__.split(".")[0] in ("agentflow", "state", "components"):
                keys.update(str(name) for name in names(sub))
            walk(sub, names)

    walk(BaseModel, lambda cls: getattr(cls, "model_fields", {}))
    walk(rx.State, lambda cls: [*cls.base_vars, *cls.computed_vars])
    return frozenset(key for key in keys if "_" in key.strip("_"))


def key_generated(text: str, keys: frozenset[str]) -> bool:
    """A label that is a field's key as is, or title-cased word by word ("Json Schema");
    a label a person wrote ("Maximum tokens", "API key") is not."""
    if text in keys:
        return True
    return bool(TITLE_CASED.match(text)) and any(title_cased(key) == text for key in keys)


def test_the_key_rule_flags_generated_labels_and_spares_written_ones() -> None:
    keys = field_keys()
    assert {"json_schema", "max_tokens", "mock_response", "api_key", "budget_limit"} <= keys
    for generated in ("Json Schema", "Max Tokens", "Mock Response", "Api Key", "max_tokens"):
        assert key_generated(generated, keys), generated
    for written in (
        "JSON schema",
        "Maximum tokens",
        "Canned reply (tests)",
        "API key",
        "Monthly limit (USD)",
        "Search workflows",
        "Filter by status",
        "Name",
        "Email (optional)",
        "Model providers",
    ):
        assert not key_generated(written, keys), written


# --- what each page is opened with ---------------------------------------------------

Seed = dict[str, str]


def nothing(account: Account, redis_url: str) -> Seed:
    return {}


def a_workflow(account: Account, redis_url: str) -> Seed:
    workflow_id = workflows.create_workflow(
        account.database_url, "Ticket triage", document=DOC, org_id=account.org_id
    )
    return {"workflow_id": str(workflow_id)}


def runs(account: Account, redis_url: str) -> Seed:
    seed = a_workflow(account, redis_url)
    workflow_id = uuid.UUID(seed["workflow_id"])
    add_run(account.database_url, account.org_id, workflow_id, cost=0.25)
    add_run(account.database_url, account.org_id, workflow_id, status="failed", cost=0.5)
    return seed


def a_finished_run(account: Account, redis_url: str) -> Seed:
    return {"run_id": str(finished_run(account, redis_url))}


def templates(account: Account, redis_url: str) -> Seed:
    seed = a_workflow(account, redis_url)
    load_official_templates(account.database_url)
    listed = gallery.list_templates(account.database_url, account.actor())
    # One that reads secrets: its page asks for them.
    chosen = next((t for t in listed if t.secrets), listed[0])
    return {**seed, "template_id": chosen.id}


def a_schedule(account: Account, redis_url: str) -> Seed:
    workflow_id = workflows.create_workflow(
        account.database_url, "Morning digest", document=SCHEDULED, org_id=account.org_id
    )
    workflows.publish(account.database_url, workflow_id, org_id=account.org_id)
    return {}


def a_notification(account: Account, redis_url: str) -> Seed:
    notifications.notify(
        account.database_url, account.org_id, "run.failed", "“Nightly” failed",
        body="HTTP 503", link="/executions/failed",
    )  # fmt: skip
    return {}


def governance(account: Account, redis_url: str) -> Seed:
    seed = runs(account, redis_url)
    actor = account.actor()
    budgets.set_budget(account.database_url, actor, {"monthly_limit_usd": 5})
    alerts.create_rule(
        account.database_url,
        actor,
        {"name": "Too many failures", "metric": "failure_rate", "threshold": 10},
    )
    return seed


def _token(link: str) -> str:
    return link.split("token=", 1)[1]


def members(account: Account, redis_url: str) -> Seed:
    db = account.database_url
    second = sign_up("", db, f"second-{uuid.uuid4().hex[:8]}@example.com", "Second org")
    joined = organizations.invite(db, account.actor(), {"role": "editor"})
    organizations.accept_invitation(db, _token(joined.link), user_id=second.user_id)
    organizations.invite(db, account.actor(), {"role": "viewer"})
    return {}


def an_invitation(account: Account, redis_url: str) -> Seed:
    """An invitation to another organisation, which the account's user may accept."""
    db = account.database_url
    inviter = sign_up("", db, f"inviter-{uuid.uuid4().hex[:8]}@example.com", "Other org")
    link = organizations.invite(db, inviter.actor(), {"role": "editor"}).link
    return {"token": _token(link)}


def an_api_key(account: Account, redis_url: str) -> Seed:
    api_keys.create_api_key(
        account.database_url, account.actor(), {"name": "CI pipeline", "scopes": ["read"]}
    )
    return {}


def a_secret(account: Account, redis_url: str) -> Seed:
    org_secrets.create_secret(
        account.database_url, account.actor(), {"name": "CRM_TOKEN", "value": "s3cret-value-1"}
    )
    return {}


def a_webhook(account: Account, redis_url: str) -> Seed:
    url = f"http://127.0.0.1:{WEBHOOK_RECEIVER_PORT}/agentflow"
    outgoing.create_subscription(
        account.database_url, account.actor(), {"url": url, "events": ["run.failed"]}
    )
    outgoing.emit(account.database_url, account.org_id, "run.failed", {"run_id": "r1"})
    return {}


def audit_entries(account: Account, redis_url: str) -> Seed:
    an_api_key(account, redis_url)
    return a_secret(account, redis_url)


# --- what shows that a page is ready, and what opens its dialogs -----------------------


def shows(test_id: str, count: int | None = None) -> Callable[[Page], None]:
    def ready(page: Page) -> None:
        found = page.get_by_test_id(test_id)
        if count is None:
            expect(found.first).to_be_visible(timeout=SLOW)
        else:
            expect(found).to_have_count(count, timeout=SLOW)

    return ready


def dialogs(page: Page) -> Any:
    return page.locator("[role=dialog], [role=alertdialog]")


def click(*steps: Callable[[Page], Any], opens_dialog: bool = True) -> Callable[[Page], None]:
    """Clicks what each of ``steps`` finds, in turn; then a dialog shows."""

    def do(page: Page) -> None:
        for find in steps:
            find(page).click()
        if opens_dialog:
            expect(dialogs(page)).to_be_visible()

    return do


def button(name: str) -> Callable[[Page], Any]:
    return lambda page: page.get_by_role("button", name=name, exact=True).first


def by_test_id(value: str) -> Callable[[Page], Any]:
    return lambda page: page.get_by_test_id(value).first


def menu_item(name: str) -> Callable[[Page], Any]:
    return lambda page: page.get_by_role("menuitem", name=name)


def option(name: str) -> Callable[[Page], Any]:
    return lambda page: page.get_by_role("option", name=name, exact=True)


def close_dialog(page: Page) -> None:
    cancel = dialogs(page).get_by_role("button", name="Cancel", exact=True)
    if cancel.count():
        cancel.first.click()
    else:
        page.keyboard.press("Escape")
    expect(dialogs(page)).to_have_count(0)


def nothing_to_undo(page: Page) -> None:
    pass


@dataclass(frozen=True)
class Step:
    """Something done on the page before its controls are checked again."""

    name: str
    do: Callable[[Page], None]
    undo: Callable[[Page], None] = close_dialog


@dataclass(frozen=True)
class PageCase:
    id: str
    path: str  # with {placeholders} filled from what `seed` returns
    ready: Callable[[Page], None]
    seed: Callable[[Account, str], Seed] = nothing
    steps: tuple[Step, ...] = ()
    signed_in: bool = True


def custom_period(page: Page) -> None:
    click(by_test_id("period-preset"), option("Custom"), opens_dialog=False)(page)
    expect(page.get_by_test_id("period-since")).to_be_visible()


CUSTOM_PERIOD = Step("custom period", custom_period, nothing_to_undo)


def api_key_created(page: Page) -> None:
    page.get_by_test_id("new-key-name").fill("Deploys")
    page.get_by_test_id("create-key").click()
    expect(page.get_by_test_id("new-key-callout")).to_be_visible()


def provider_enabled(page: Page) -> None:
    page.get_by_test_id("provider-save-hosted_vllm").click()
    expect(page.get_by_test_id("provider-status-hosted_vllm")).to_have_text("Enabled")


CASES = [
    PageCase(
        "workflows",
        "/workflows",
        shows("workflow-row", 1),
        a_workflow,
        (
            Step("new workflow", click(button("New workflow"))),
            Step("import", click(button("Import"))),
            Step("rename", click(by_test_id("row-menu"), menu_item("Rename"))),
            Step("delete", click(by_test_id("row-menu"), menu_item("Delete…"))),
        ),
    ),
    PageCase("executions", "/executions", shows("run-row", 2), runs),
    PageCase(
        "failed runs",
        "/executions/failed",
        shows("failed-run-row", 1),
        runs,
        (Step("rerun", click(by_test_id("select-all"), by_test_id("bulk-rerun"))),),
    ),
    PageCase(
        "run",
        "/executions/{run_id}",
        shows("rerun"),
        a_finished_run,
    ),
    PageCase(
        "templates",
        "/templates",
        shows("template-card"),
        templates,
        (Step("publish", click(by_test_id("open-publish"))),),
    ),
    PageCase(
        "template",
        "/templates/{template_id}",
        shows("template-name"),
        templates,
        (Step("install", click(by_test_id("use-template"))),),
    ),
    PageCase("schedules", "/schedules", shows("schedule-row", 1), a_schedule),
    PageCase("notifications", "/notifications", shows("notification", 1), a_notification),
    PageCase(
        "analytics",
        "/analytics",
        shows("rule-row", 1),
        governance,
        (
            Step("new rule", click(by_test_id("rule-new"))),
            Step("delete budget", click(button("Delete budget"))),
            CUSTOM_PERIOD,
        ),
    ),
    PageCase(
        "workflow analytics",
        "/analytics/workflows/{workflow_id}",
        shows("slowest-nodes"),
        runs,
        (CUSTOM_PERIOD,),
    ),
    PageCase(
        "settings",
        "/settings",
        shows("org-name"),
        steps=(Step("new organisation", click(by_test_id("open-new-org"))),),
    ),
    PageCase(
        "members",
        "/settings/members",
        shows("invitation-row", 1),
        members,
        (
            Step("remove", click(by_test_id("remove-member"))),
            Step("revoke", click(by_test_id("revoke-invitation"))),
            Step("leave", click(by_test_id("leave-org"))),
        ),
    ),
    PageCase(
        "api keys",
        "/settings/api-keys",
        shows("api-key-row", 1),
        an_api_key,
        (
            Step("revoke", click(by_test_id("revoke-key"))),
            Step("new key shown once", api_key_created, nothing_to_undo),
        ),
    ),
    PageCase(
        "secrets",
        "/settings/secrets",
        shows("secret-row", 1),
        a_secret,
        (
            Step("replace value", click(by_test_id("update-secret"))),
            Step("delete", click(by_test_id("delete-secret"))),
        ),
    ),
    PageCase(
        "model providers",
        "/settings/model-providers",
        shows("provider-card-openai"),
        steps=(
            Step("provider enabled", provider_enabled, nothing_to_undo),
            Step("disable", click(by_test_id("provider-disable-hosted_vllm"))),
        ),
    ),
    PageCase(
        "webhooks",
        "/settings/webhooks",
        shows("delivery-row", 1),
        a_webhook,
        (Step("delete", click(by_test_id("delete-webhook"))),),
    ),
    PageCase("audit", "/settings/audit", shows("audit-row"), audit_entries),
    PageCase("knowledge", "/knowledge", shows("empty-state")),
    PageCase(
        "invitation (signed in)", "/invite?token={token}", shows("accept-invite"), an_invitation
    ),
    PageCase("log in", "/login", shows("login-submit"), signed_in=False),
    PageCase("sign up", "/signup", shows("signup-submit"), signed_in=False),
    PageCase("forgot password", "/forgot-password", shows("forgot-submit"), signed_in=False),
    PageCase("reset password", "/reset-password?token=abc", shows("reset-submit"), signed_in=False),
    PageCase(
        "finish sign-up",
        "/signup/finish?token=abc",
        shows("finish-signup-submit"),
        signed_in=False,
    ),
    PageCase(
        "invitation",
        "/invite?token={token}",
        shows("invite-signup"),
        an_invitation,
        signed_in=False,
    ),
]


def _param(case: PageCase) -> Any:
    return pytest.param(case, id=case.id)


@pytest.fixture
def opened(
    request: pytest.FixtureRequest,
    browser: Browser,
    app_url: str,
    account: Account,
    redis_url: str,
) -> Iterator[tuple[Page, PageCase]]:
    case: PageCase = request.param
    seed = case.seed(account, redis_url)
    context: BrowserContext = (
        signed_in_context(browser, app_url, account, viewport=VIEWPORT)
        if case.signed_in
        else browser.new_context(base_url=app_url, viewport=VIEWPORT)
    )
    page = context.new_page()
    page.goto(case.path.format(**seed))
    case.ready(page)
    yield page, case
    context.close()


def problems_on(page: Page, where: str, keys: frozenset[str]) -> list[str]:
    unnamed = [f"{where}: no accessible name: {c}" for c in page.evaluate(UNNAMED_JS)]
    generated = sorted(
        {text for text in page.evaluate(LABEL_TEXTS_JS) if key_generated(text, keys)}
    )
    return unnamed + [f"{where}: label made from a key: {text!r}" for text in generated]


@pytest.mark.parametrize("opened", [_param(case) for case in CASES], indirect=True)
def test_every_control_has_a_name_and_a_written_label(opened: tuple[Page, PageCase]) -> None:
    page, case = opened
    keys = field_keys()
    problems = problems_on(page, case.id, keys)
    for step in case.steps:
        step.do(page)
        problems += problems_on(page, f"{case.id} → {step.name}", keys)
        step.undo(page)
    assert problems == []


def test_every_page_of_the_app_is_checked() -> None:
    """A new page joins this list, or the test says which one is missing."""
    from agentflow.app import PUBLIC_PAGES, SIGNED_IN_PAGES

    checked = {urlsplit(case.path).path for case in CASES}
    checked = {re.sub(r"\{(\w+)\}", r"[\1]", path) for path in checked}
    builder = {"/workflows/[workflow_id]"}  # tests/e2e/test_builder checks its panel
    aliases = {"/"}  # the workflows page again
    routes = {route for _, route, _, _ in [*SIGNED_IN_PAGES, *PUBLIC_PAGES]}
    missing = routes - checked - builder - aliases
    assert missing == set()


def test_the_import_drop_zone_is_named_and_a_click_still_chooses_a_file(page: Page) -> None:
    """The drop zone sits in a label naming its file input; a click on it opens the
    chooser once, through the label."""
    page.goto("/workflows")
    expect(page.get_by_text("No workflows yet")).to_be_visible(timeout=SLOW)
    page.get_by_role("button", name="Import").click()
    file_input = page.get_by_label("Drop a .json or .yaml file here, or click to choose one")
    expect(file_input).to_have_attribute("type", "file")
    choosers: list[FileChooser] = []

    def chosen(chooser: FileChooser) -> None:
        choosers.append(chooser)

    page.on("filechooser", chosen)
    with page.expect_file_chooser():
        page.get_by_text("Drop a .json or .yaml file here").click()
    page.wait_for_timeout(500)
    assert len(choosers) == 1
