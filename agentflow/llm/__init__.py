"""The LLM adapter: chat completions through litellm, with fallbacks, usage and cost.

Which providers a workflow may use is the instance's choice
(:mod:`agentflow.llm.providers`), and every request litellm sends goes through
the outbound guard (:mod:`agentflow.llm.network`).

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
from agentflow.llm.providers import (
    ModelPolicy,
    ModelRefused,
    ModelRoute,
    instance_model_policy,
    use_model_policy,
)

__all__ = [
    "DEFAULT_CALL_TIMEOUT_S",
    "ChatRequest",
    "Completion",
    "LlmError",
    "ModelPolicy",
    "ModelRefused",
    "ModelRoute",
    "complete",
    "instance_model_policy",
    "parse_json_reply",
    "provider_of",
    "use_model_policy",
]
