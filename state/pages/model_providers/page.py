"""Settings → Model providers: one card per provider the instance offers, and the
organisation's default model."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from agentflow.llm.catalog import SETTINGS_PATH
from components.callouts import error_callout
from components.dialogs import confirm_dialog
from components.model_picker import model_datalist, model_input
from components.settings_nav import settings_nav
from components.shell import page_frame
from state.pages.model_providers.state import DEFAULT_MODEL_FIELD, ModelProvidersState

# Typed loosely: mypy sees the state's attributes as plain values, Reflex makes them Vars.
S: Any = ModelProvidersState

ROUTE = SETTINGS_PATH


def _explanation() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("info")),
        rx.callout.text(
            "LLM steps call the providers enabled here with your organisation's own keys. "
            "A key is stored encrypted as a secret (its name is shown on each card) and is "
            "never shown again. Use Test to check a key before a workflow needs it.",
        ),
        width="100%",
    )


def _labelled(label: str, field_id: rx.Var | str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_size="14px"),
        control,
        spacing="1",
    )


def _key_input(row: ObjectVar[dict]) -> rx.Component:
    field_id = "provider-key-" + row["id"].to(str)
    placeholder = rx.cond(
        row["has_key"].to(bool), "Stored: leave empty to keep it", "Paste the API key"
    )
    return _labelled(
        "API key" + rx.cond(row["key_required"].to(bool), "", " (optional)"),
        field_id,
        rx.input(
            id=field_id,
            name="api_key",
            type="password",
            auto_complete=False,
            placeholder=placeholder,
            width="320px",
            data_testid="provider-key-" + row["id"].to(str),
        ),
    )


def _setting_input(
    row: ObjectVar[dict], name: str, label: str, placeholder: str, width: str, *, key: str
) -> rx.Component:
    """One labelled text input of a provider's card, prefilled with its stored value."""
    field_id = f"provider-{key}-" + row["id"].to(str)
    return _labelled(
        label,
        field_id,
        rx.input(
            id=field_id,
            name=name,
            default_value=row[name].to(str),
            placeholder=placeholder,
            width=width,
            data_testid=field_id,
        ),
    )


def _endpoint_inputs(row: ObjectVar[dict]) -> rx.Component:
    return rx.hstack(
        _setting_input(
            row,
            "api_base",
            "Endpoint",
            "https://my-resource.openai.azure.com",
            "320px",
            key="endpoint",
        ),
        _setting_input(row, "api_version", "API version", "2024-10-21", "140px", key="version"),
        spacing="3",
        wrap="wrap",
    )


def _test_result(row: ObjectVar[dict]) -> rx.Component:
    provider = row["id"].to(str)
    message = S.test_results[provider].to(str)
    return rx.cond(
        message != "",
        rx.callout(
            message,
            color_scheme=rx.cond(S.test_passed[provider].to(bool), "green", "red"),
            role="status",
            size="1",
            width="100%",
            data_testid="provider-test-result-" + provider,
        ),
    )


def _actions(row: ObjectVar[dict]) -> rx.Component:
    provider = row["id"].to(str)
    return rx.hstack(
        rx.button(
            rx.cond(row["enabled"].to(bool), "Save", "Enable"),
            type="submit",
            data_testid="provider-save-" + provider,
        ),
        rx.cond(
            row["enabled"].to(bool),
            rx.fragment(
                rx.button(
                    rx.cond(S.testing == provider, rx.spinner(size="1"), rx.icon("plug", size=14)),
                    "Test",
                    type="button",
                    variant="soft",
                    disabled=S.testing != "",
                    on_click=S.test(provider),
                    data_testid="provider-test-" + provider,
                ),
                rx.button(
                    "Disable",
                    type="button",
                    variant="soft",
                    color_scheme="red",
                    on_click=S.ask_disable(provider),
                    data_testid="provider-disable-" + provider,
                ),
            ),
        ),
        spacing="2",
    )


def _provider_card(row: ObjectVar[dict]) -> rx.Component:
    provider = row["id"].to(str)
    error = S.provider_errors[provider].to(str)
    return rx.card(
        rx.form(
            rx.vstack(
                rx.hstack(
                    rx.heading(row["label"].to(str), size="3", as_="h2"),
                    rx.badge(
                        row["status"].to(str),
                        color_scheme=row["status_color"].to(str),
                        data_testid="provider-status-" + provider,
                    ),
                    align="center",
                    spacing="2",
                ),
                rx.text(
                    "Models are written like ",
                    rx.code(row["example_model"].to(str)),
                    rx.cond(
                        row["takes_key"].to(bool),
                        rx.fragment(". The key is the secret ", rx.code(row["key_secret"])),
                        "",
                    ),
                    rx.cond(
                        row["server_url"].to(str) != "",
                        rx.fragment(". Server (set by the instance): ", rx.code(row["server_url"])),
                        "",
                    ),
                    ".",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.el.input(type="hidden", name="provider", value=provider),
                rx.cond(
                    S.can_manage,
                    rx.vstack(
                        rx.cond(row["takes_key"].to(bool), _key_input(row)),
                        rx.cond(row["endpoint_required"].to(bool), _endpoint_inputs(row)),
                        error_callout(error, "provider-error-" + provider),
                        _actions(row),
                        _test_result(row),
                        spacing="2",
                        width="100%",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=S.save,
        ),
        width="100%",
        data_testid="provider-card-" + provider,
    )


def _default_model_card() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Default model", size="3", as_="h2"),
                rx.text(
                    "Templates you install use this model in their LLM steps.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.hstack(
                    _labelled(
                        "Model",
                        DEFAULT_MODEL_FIELD,
                        model_input(
                            id=DEFAULT_MODEL_FIELD,
                            name="model",
                            default_value=S.default_model,
                            key=S.default_model,
                            width="360px",
                            disabled=~S.can_manage,
                            data_testid="default-model",
                        ),
                    ),
                    rx.cond(
                        S.can_manage,
                        rx.button("Save default", type="submit", data_testid="save-default-model"),
                    ),
                    align="end",
                    spacing="3",
                    wrap="wrap",
                ),
                rx.cond(
                    S.models.length() == 0,
                    rx.text(
                        "Enable a provider below to see its models here.",
                        size="1",
                        color=rx.color("gray", 11),
                        data_testid="no-models",
                    ),
                    rx.text(
                        S.models.length().to_string() + " models to choose from: type to filter.",
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                ),
                error_callout(S.default_error, "default-model-error"),
                model_datalist(S.models),
                spacing="2",
                width="100%",
            ),
            on_submit=S.save_default,
        ),
        width="100%",
    )


def _disable_dialog() -> rx.Component:
    return confirm_dialog(
        title="Disable this provider?",
        description=rx.text(
            "LLM steps using ",
            rx.text.strong(S.disable_label),
            " models will fail until it is enabled again. Its key stays in Secrets.",
        ),
        confirm_label="Disable",
        open=S.disable_id != "",
        on_cancel=S.cancel_disable,
        on_confirm=S.confirm_disable,
        confirm_test_id="confirm-disable-provider",
    )


def model_providers_page() -> rx.Component:
    return page_frame(
        "Model providers",
        "The language model services your workflows call, with your organisation's keys.",
        settings_nav(),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading model providers")),
            rx.vstack(
                _explanation(),
                error_callout(S.error, "providers-error"),
                rx.cond(
                    S.notice != "",
                    rx.callout(
                        S.notice, color_scheme="green", width="100%", data_testid="providers-notice"
                    ),
                ),
                _default_model_card(),
                rx.foreach(S.providers, _provider_card),
                _disable_dialog(),
                spacing="4",
                width="100%",
            ),
        ),
    )
