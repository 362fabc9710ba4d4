"""Refused form and API bodies are answered in sentences, never pydantic's wording."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from agentflow.errors import InvalidInput
from agentflow.services.governance.alerts import AlertRuleInput
from agentflow.services.governance.budgets import BudgetInput
from agentflow.services.tenancy.api_keys import ApiKeyInput
from agentflow.services.tenancy.permissions import parse_input

PYDANTIC_WORDING = ("should", "Field required", "Extra inputs", "Input should", "String ")


@pytest.mark.parametrize(
    ("model", "body", "message"),
    [
        (ApiKeyInput, {"name": "", "scopes": ["runs:read"]}, "Name must not be empty."),
        (BudgetInput, {}, "Monthly limit (USD) is required."),
        (BudgetInput, {"monthly_limit_usd": "lots"}, "Monthly limit (USD) must be a number."),
        (BudgetInput, {"monthly_limit_usd": -1}, "Monthly limit (USD) must be more than 0"),
        (
            AlertRuleInput,
            {"name": "Spend", "metric": "cost_usd", "threshold": "high"},
            "Threshold must be a number.",
        ),
        (
            AlertRuleInput,
            {"name": "Spend", "metric": "spend", "threshold": 1},
            "Metric must be one of 'failure_rate', 'p95_duration_s' or 'cost_usd'.",
        ),
        (
            AlertRuleInput,
            {"name": "Spend", "metric": "cost_usd", "threshold": 1, "org_id": "x"},
            "org_id is not a known field.",
        ),
    ],
)
def test_a_refused_body_is_told_in_a_sentence(
    model: type[BaseModel], body: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_input(model, body)
    assert message in refused.value.message
    assert not any(words in refused.value.message for words in PYDANTIC_WORDING)
