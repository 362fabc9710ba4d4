"""The LLM adapter: chat completions through litellm, with fallbacks, usage and cost.

litellm is imported lazily (on the first call), so importing agentflow does not
pay its import time. ``LITELLM_LOCAL_MODEL_COST_MAP`` is set before that
import: litellm otherwise fetches its price list from the network at import.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from agentflow.llm.completion import (
    DEFAULT_CALL_TIMEOUT_S,
    ChatRequest,
    Completion,
    complete,
    provider_of,
)
from agentflow.llm.errors import LlmError
from agentflow.llm.json_reply import parse_json_reply

__all__ = [
    "DEFAULT_CALL_TIMEOUT_S",
    "ChatRequest",
    "Completion",
    "LlmError",
    "complete",
    "parse_json_reply",
    "provider_of",
]
