"""A model field: free text, with the organisation's models offered as suggestions.

A native ``<datalist>`` keeps typing a model string that is not listed possible
(a new OpenRouter model, an Azure deployment) while the browser filters the
list as one types; each suggestion shows its provider, context size and price.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

MODEL_LIST_ID = "organisation-models"


def model_datalist(choices: Any, list_id: str = MODEL_LIST_ID) -> rx.Component:
    """The suggestions, once per page: ``choices`` is a list of {model, summary}."""
    return rx.el.datalist(
        rx.foreach(
            choices,
            lambda choice: rx.el.option(value=choice["model"], label=choice["summary"]),
        ),
        id=list_id,
        data_testid="model-choices",
    )


def model_input(list_id: str = MODEL_LIST_ID, **props: Any) -> rx.Component:
    """A text input that suggests the models of ``model_datalist``."""
    return rx.input(
        custom_attrs={"list": list_id},
        auto_complete=False,
        spell_check=False,
        placeholder="e.g. openai/gpt-4o-mini",
        **props,
    )
