"""Settings → Model providers: enabling a provider keeps its key as an org secret, the
default model must be usable, runs get the keys, and the test button calls for real."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.errors import Forbidden, InvalidInput, NotFound
from agentflow.llm import ModelPolicy
from agentflow.services.providers.access import default_model, model_access
from agentflow.services.providers.check import check_provider
from agentflow.services.providers.setup import (
    disable_provider,
    enable_provider,
    models_for_forms,
    provider_settings,
    set_default_model,
)
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.permissions import Role
from agentflow.settings import Settings
from tests.llm_servers import ModelServer, fake_dns, instance_policy, model_server  # noqa: F401

from .conftest import Person

KEY = "sk-org-openai-0123456789"
HOSTED = ["openai", "anthropic", "azure", "gemini", "mistral", "groq", "openrouter"]


def _actions(database_url: str) -> list[str]:
    with get_engine(database_url).connect() as connection:
        return list(
            connection.execute(text("SELECT action FROM audit_events ORDER BY id")).scalars()
        )


@pytest.fixture(autouse=True)
def no_instance_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_the_instance_offers_the_hosted_providers_and_nothing_is_set_up_yet(
    alice: Person, clean_db: str
) -> None:
    found = provider_settings(clean_db, alice.actor())
    assert [status.spec.id for status in found.providers] == HOSTED
    assert not any(status.enabled or status.usable for status in found.providers)
    assert found.default_model is None
    assert models_for_forms(clean_db, alice.actor()) == []


def test_enabling_openai_stores_its_key_as_a_secret_and_audits_both(
    alice: Person, clean_db: str, settings: Settings
) -> None:
    owner = alice.actor()
    with pytest.raises(InvalidInput, match="OpenAI needs an API key"):
        enable_provider(clean_db, owner, "openai", {}, settings=settings)
    status = enable_provider(clean_db, owner, "openai", {"api_key": KEY}, settings=settings)
    assert status.enabled and status.has_key and status.usable
    assert org_secrets.secrets_for_run(clean_db, alice.org_id, settings=settings) == {
        "OPENAI_API_KEY": KEY
    }
    assert _actions(clean_db)[-2:] == ["secret.create", "model_provider.enable"]
    # Updating without a key keeps the stored one.
    enable_provider(clean_db, owner, "openai", {"api_key": ""}, settings=settings)
    assert _actions(clean_db)[-1] == "model_provider.update"
    assert org_secrets.secrets_for_run(clean_db, alice.org_id, settings=settings)
    models = models_for_forms(clean_db, owner)
    assert models and {choice.provider for choice in models} == {"OpenAI"}
    mini = next(choice for choice in models if choice.model == "openai/gpt-4o-mini")
    assert mini.summary == "OpenAI · 128K context · $0.15 in / $0.60 out per 1M tokens"


@pytest.mark.parametrize("pasted", ["sk-abc\x00def", "sk-abc def", "sk-abc\ndef", "sk-é"])
def test_a_key_with_a_character_no_key_has_is_refused_and_nothing_is_stored(
    alice: Person, clean_db: str, settings: Settings, pasted: str
) -> None:
    with pytest.raises(
        InvalidInput,
        match=r"^API key (must not contain NUL|has a space, a line break or another character)",
    ):
        enable_provider(clean_db, alice.actor(), "openai", {"api_key": pasted}, settings=settings)
    assert org_secrets.secrets_for_run(clean_db, alice.org_id, settings=settings) == {}
    assert "model_provider.enable" not in _actions(clean_db)
    # Surrounding whitespace (a copied line) is fine: it is trimmed.
    enable_provider(clean_db, alice.actor(), "openai", {"api_key": f" {KEY}\n"}, settings=settings)
    assert org_secrets.secrets_for_run(clean_db, alice.org_id, settings=settings) == {
        "OPENAI_API_KEY": KEY
    }


def test_only_admins_set_providers_up_and_unknown_ones_are_not_found(
    alice: Person, clean_db: str, settings: Settings
) -> None:
    editor = alice.actor(Role.EDITOR)
    with pytest.raises(Forbidden):
        enable_provider(clean_db, editor, "openai", {"api_key": KEY}, settings=settings)
    with pytest.raises(NotFound):
        enable_provider(clean_db, alice.actor(), "ollama", {}, settings=settings)  # not offered
    with pytest.raises(InvalidInput, match=r"^Endpoint must be text\.$"):
        enable_provider(clean_db, alice.actor(), "openai", {"api_base": 5}, settings=settings)
    assert provider_settings(clean_db, editor).providers  # editors see the list


def test_azure_needs_an_https_endpoint_and_runs_get_it_with_the_key(
    alice: Person, clean_db: str, settings: Settings
) -> None:
    owner = alice.actor()
    for endpoint in ("", "http://my.openai.azure.com", "https://user:pw@my.openai.azure.com"):
        with pytest.raises(InvalidInput):
            enable_provider(
                clean_db, owner, "azure", {"api_key": KEY, "api_base": endpoint}, settings=settings
            )
    enable_provider(
        clean_db,
        owner,
        "azure",
        {"api_key": KEY, "api_base": "https://my.openai.azure.com/"},
        settings=settings,
    )
    secrets = org_secrets.secrets_for_run(clean_db, alice.org_id, settings=settings)
    assert model_access(clean_db, alice.org_id, secrets) == {
        "azure": {
            "api_key": KEY,
            "api_base": "https://my.openai.azure.com",
            "api_version": "2024-10-21",
        }
    }


def test_disabling_keeps_the_key_secret_and_the_default_model_must_be_usable(
    alice: Person, clean_db: str, settings: Settings
) -> None:
    owner = alice.actor()
    with pytest.raises(InvalidInput, match="enable OpenAI first"):
        set_default_model(clean_db, owner, {"model": "openai/gpt-4o-mini"})
    with pytest.raises(InvalidInput, match="litellm does not know the model"):
        set_default_model(clean_db, owner, {"model": "no-such-model"})
    enable_provider(clean_db, owner, "openai", {"api_key": KEY}, settings=settings)
    assert set_default_model(clean_db, owner, {"model": " openai/gpt-4o-mini "}) == (
        "openai/gpt-4o-mini"
    )
    assert default_model(clean_db, alice.org_id) == "openai/gpt-4o-mini"
    assert _actions(clean_db)[-1] == "org.default_model"
    disable_provider(clean_db, owner, "openai")
    assert not provider_settings(clean_db, owner).providers[0].enabled
    assert org_secrets.secrets_for_run(clean_db, alice.org_id, settings=settings) == {
        "OPENAI_API_KEY": KEY
    }
    with pytest.raises(NotFound):
        disable_provider(clean_db, owner, "openai")


@pytest.fixture
def compatible_server(model_server: ModelServer, instance_policy, fake_dns) -> ModelServer:  # type: ignore[no-untyped-def]  # noqa: F811
    instance_policy(
        ModelPolicy(local_servers={"hosted_vllm": f"http://models.internal:{model_server.port}"})
    )
    return model_server


async def test_the_test_button_asks_the_server_with_the_stored_key(
    alice: Person, clean_db: str, settings: Settings, compatible_server: ModelServer
) -> None:
    owner = alice.actor()
    ids = [status.spec.id for status in provider_settings(clean_db, owner).providers]
    assert ids == [*HOSTED, "hosted_vllm"]  # offered because the instance has a server
    enable_provider(clean_db, owner, "hosted_vllm", {"api_key": KEY}, settings=settings)
    with pytest.raises(InvalidInput, match="first set a default model of it"):
        await check_provider(clean_db, owner, "hosted_vllm", settings=settings)
    set_default_model(clean_db, owner, {"model": "hosted_vllm/local-model"})
    check = await check_provider(clean_db, owner, "hosted_vllm", settings=settings)
    assert check.message == "OpenAI-compatible server answered (hosted_vllm/local-model)."
    assert compatible_server.authorizations == [f"Bearer {KEY}"]
    compatible_server.refused = f"Bearer {KEY}"
    with pytest.raises(InvalidInput) as caught:
        await check_provider(clean_db, owner, "hosted_vllm", settings=settings)
    assert "OpenAI-compatible server refused the API key" in caught.value.message
    assert "Settings → Model providers" in caught.value.message


async def test_the_test_button_without_a_key_names_the_provider(
    alice: Person, clean_db: str, settings: Settings
) -> None:
    enable_provider(clean_db, alice.actor(), "openai", {"api_key": KEY}, settings=settings)
    with get_engine(clean_db).begin() as connection:
        connection.execute(text("DELETE FROM org_secrets"))
    with pytest.raises(InvalidInput, match="OpenAI has no API key in this organisation"):
        await check_provider(clean_db, alice.actor(), "openai", settings=settings)
