"""Settings → Model providers in Chromium: enable a provider with its key (kept as a
secret, never shown), pick the default model from the organisation's models, test a
provider for real, disable it after confirming; the builder's model field offers the
same models, or says where to set a provider up."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import Page, expect

from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.workflows import management as workflows
from tests.conftest import wait_for
from tests.e2e.conftest import Account
from tests.llm_servers import ModelServer

KEY = "sk-e2e-" + uuid.uuid4().hex


def _secret_names(account: Account) -> list[str]:
    return [info.name for info in org_secrets.list_secrets(account.database_url, account.actor())]


def _options(page: Page) -> list[str]:
    return (
        page.get_by_test_id("model-choices")
        .locator("option")
        .evaluate_all("options => options.map(o => o.value + ' | ' + o.label)")
    )


def test_enable_openai_pick_a_default_model_and_disable_it(page: Page, account: Account) -> None:
    page.goto("/settings/model-providers")
    openai = page.get_by_test_id("provider-card-openai")
    expect(openai.get_by_test_id("provider-status-openai")).to_have_text("Not set up")
    expect(page.get_by_test_id("no-models")).to_be_visible()
    for provider in ("anthropic", "azure", "gemini", "mistral", "groq", "openrouter"):
        expect(page.get_by_test_id(f"provider-card-{provider}")).to_be_visible()
    expect(page.get_by_test_id("provider-card-hosted_vllm")).to_contain_text("set by the instance")

    # Enabling without a key says what to do; with one, the key becomes a secret.
    openai.get_by_test_id("provider-save-openai").click()
    expect(openai.get_by_test_id("provider-error-openai")).to_contain_text(
        "OpenAI needs an API key"
    )
    key_field = page.get_by_label("API key").first
    expect(key_field).to_have_attribute("type", "password")
    page.get_by_test_id("provider-key-openai").fill(KEY)
    openai.get_by_test_id("provider-save-openai").click()
    expect(page.get_by_test_id("providers-notice")).to_have_text(
        "OpenAI is enabled for your organisation."
    )
    expect(openai.get_by_test_id("provider-status-openai")).to_have_text("Enabled")
    expect(page.get_by_test_id("provider-key-openai")).to_have_value("")
    assert KEY not in page.content()
    assert _secret_names(account) == ["OPENAI_API_KEY"]

    # The picker offers OpenAI's models with context size and price.
    options = _options(page)
    assert "openai/gpt-4o-mini | OpenAI · 128K context · $0.15 in / $0.60 out per 1M tokens" in (
        options
    )
    assert all(option.startswith("openai/") for option in options)
    default = page.get_by_label("Model", exact=True)
    expect(default).to_have_attribute("list", "organisation-models")
    default.fill("anthropic/claude-haiku-4-5")
    page.get_by_test_id("save-default-model").click()
    expect(page.get_by_test_id("default-model-error")).to_contain_text("enable Anthropic first")
    default.fill("openai/gpt-4o-mini")
    page.get_by_test_id("save-default-model").click()
    expect(page.get_by_test_id("providers-notice")).to_contain_text("openai/gpt-4o-mini")
    page.reload()
    expect(page.get_by_test_id("default-model")).to_have_value("openai/gpt-4o-mini")

    # Disabling asks first, and keeps the key secret.
    page.get_by_test_id("provider-disable-openai").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("OpenAI")
    expect(dialog).to_contain_text("Its key stays in Secrets")
    page.get_by_test_id("confirm-disable-provider").click()
    expect(page.get_by_test_id("provider-status-openai")).to_have_text("Not set up")
    expect(page.get_by_test_id("no-models")).to_be_visible()
    assert _secret_names(account) == ["OPENAI_API_KEY"]


def test_the_test_button_calls_the_instances_server_with_the_stored_key(
    page: Page, account: Account, app_model_server: ModelServer
) -> None:
    page.goto("/settings/model-providers")
    card = page.get_by_test_id("provider-card-hosted_vllm")
    page.get_by_test_id("provider-key-hosted_vllm").fill(KEY)
    card.get_by_test_id("provider-save-hosted_vllm").click()
    expect(card.get_by_test_id("provider-status-hosted_vllm")).to_have_text("Enabled")
    card.get_by_test_id("provider-test-hosted_vllm").click()
    result = card.get_by_test_id("provider-test-result-hosted_vllm")
    expect(result).to_contain_text("first set a default model of it")

    page.get_by_test_id("default-model").fill("hosted_vllm/local-model")
    page.get_by_test_id("save-default-model").click()
    expect(page.get_by_test_id("providers-notice")).to_contain_text("hosted_vllm/local-model")
    before = len(app_model_server.requests)
    card.get_by_test_id("provider-test-hosted_vllm").click()
    expect(result).to_have_text("OpenAI-compatible server answered (hosted_vllm/local-model).")
    assert app_model_server.authorizations[before:] == [f"Bearer {KEY}"]

    app_model_server.refused = f"Bearer {KEY}"
    try:
        card.get_by_test_id("provider-test-hosted_vllm").click()
        expect(result).to_contain_text("OpenAI-compatible server refused the API key")
        expect(result).to_contain_text("Settings → Model providers")
    finally:
        app_model_server.refused = ""


def _llm_workflow(account: Account) -> uuid.UUID:
    document: dict[str, Any] = {
        "format": "agentflow/v1",
        "nodes": [
            {"id": "start", "type": "trigger", "config": {"kind": "manual"}},
            {"id": "ask", "type": "llm", "config": {"model": "default", "prompt": "hi"}},
        ],
        "edges": [{"source": "start", "target": "ask"}],
    }
    return workflows.create_workflow(
        account.database_url,
        f"Models {uuid.uuid4().hex[:6]}",
        document=document,
        org_id=account.org_id,
    )


def test_the_llm_form_offers_the_organisations_models(page: Page, account: Account) -> None:
    workflow_id = _llm_workflow(account)
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("node-ask").locator(".af-node-head").click()
    model = page.get_by_label("Model *")
    expect(model).to_have_value("default")
    hint = page.get_by_test_id("no-model-providers")
    expect(hint).to_contain_text("Settings → Model providers")
    expect(hint.get_by_role("link")).to_have_attribute("href", "/settings/model-providers")

    page.goto("/settings/model-providers")
    page.get_by_test_id("provider-key-openai").fill(KEY)
    page.get_by_test_id("provider-save-openai").click()
    expect(page.get_by_test_id("provider-status-openai")).to_have_text("Enabled")

    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("node-ask").locator(".af-node-head").click()
    model = page.get_by_label("Model *")
    expect(model).to_have_attribute("list", "organisation-models")
    expect(page.get_by_test_id("no-model-providers")).to_have_count(0)
    mini = page.get_by_test_id("model-choices").locator('option[value="openai/gpt-4o-mini"]')
    expect(mini).to_have_attribute(
        "label", "OpenAI · 128K context · $0.15 in / $0.60 out per 1M tokens"
    )
    model.fill("openai/gpt-4o-mini")

    def saved_model() -> bool:
        draft = workflows.get_draft(account.database_url, workflow_id, org_id=account.org_id)
        return bool(draft["nodes"][1]["config"]["model"] == "openai/gpt-4o-mini")

    wait_for(saved_model)


def test_a_step_without_a_key_names_the_provider_and_links_to_the_settings(
    page: Page, account: Account
) -> None:
    document: dict[str, Any] = {
        "format": "agentflow/v1",
        "nodes": [
            {"id": "start", "type": "trigger", "config": {"kind": "manual"}},
            {"id": "ask", "type": "llm", "config": {"model": "openai/gpt-4o-mini", "prompt": "hi"}},
        ],
        "edges": [{"source": "start", "target": "ask"}],
    }
    workflow_id = workflows.create_workflow(
        account.database_url, "No key", document=document, org_id=account.org_id
    )
    page.goto(f"/workflows/{workflow_id}")
    # Loaded first: loading resets the test-run dialog.
    expect(page.get_by_test_id("builder-canvas")).to_have_attribute("data-node-count", "2")
    page.get_by_test_id("open-test-run").click()
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-state", "failed", timeout=30_000
    )
    page.get_by_test_id("node-ask").locator(".af-node-head").click()
    error = page.get_by_test_id("step-error")
    expect(error).to_contain_text("llm.auth")
    expect(error).to_contain_text("OpenAI has no API key in this organisation")
    expect(page).to_have_url(re.compile(r"\?run=[0-9a-f-]{36}$"))
    run_id = page.url.rsplit("=", 1)[1]
    fix = page.get_by_test_id("step-error-fix")
    expect(fix).to_have_attribute("href", "/settings/model-providers")
    fix.click()
    expect(page).to_have_url(re.compile(r"/settings/model-providers$"))
    expect(page.get_by_test_id("provider-card-openai")).to_be_visible()

    # The run page says the same, with the same way to fix it.
    page.goto(f"/executions/{run_id}")
    step_error = page.get_by_test_id("step-error-ask")
    expect(step_error).to_contain_text("OpenAI has no API key in this organisation")
    expect(page.get_by_test_id("step-error-ask-fix")).to_have_attribute(
        "href", "/settings/model-providers"
    )
