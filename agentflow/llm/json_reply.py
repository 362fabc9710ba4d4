"""Reading a model's JSON reply: optional Markdown fence, optional JSON Schema."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from jsonschema.validators import validator_for

from agentflow.llm.errors import LlmError

_FENCE = re.compile(r"^```[A-Za-z0-9_-]*[ \t]*\n(.*?)\n?```$", re.DOTALL)
MAX_LISTED_ERRORS = 5


def strip_fence(text: str) -> str:
    """The inside of a reply that is one fenced block (```json ... ```), else the text."""
    stripped = text.strip()
    match = _FENCE.match(stripped)
    return match.group(1) if match else stripped


def parse_json_reply(text: str, schema: Mapping[str, Any] | None = None) -> Any:
    """The reply as JSON, checked against ``schema``; LlmError ``llm.invalid_json`` if not."""
    try:
        value = json.loads(strip_fence(text))
    except ValueError as exc:
        raise LlmError("llm.invalid_json", f"the reply is not valid JSON: {exc}") from None
    if schema is not None:
        validator = validator_for(schema)(schema)
        errors = sorted(
            validator.iter_errors(value),
            key=lambda error: [str(part) for part in error.absolute_path],
        )
        if errors:
            listed = "; ".join(
                f"at {'/'.join(str(part) for part in error.absolute_path) or '(root)'}: "
                f"{error.message[:200]}"
                for error in errors[:MAX_LISTED_ERRORS]
            )
            raise LlmError("llm.invalid_json", f"the reply does not match json_schema: {listed}")
    return value
