"""Provider failures as typed errors: ``type``, ``message``, ``retryable``, ``fallback``.

``fallback`` says whether the next model of ``fallback_models`` is worth trying:
yes for rate limits, timeouts, connection failures and 5xx answers (the
provider is unavailable), no for authentication and bad requests (the next
model would most likely refuse the same request, and it is a configuration
problem to fix). ``retryable`` is the same split for the engine's retry policy.
A request the outbound guard refused (the provider's address is private,
loopback, metadata...) is ``blocked_address``, neither retried nor a reason to
fall back: like a bad key, it is the instance's configuration to fix.
"""

from __future__ import annotations

from typing import Any

from agentflow.net import BlockedAddressError

MAX_MESSAGE_CHARS = 500


class LlmError(Exception):
    """A completion failed. ``type`` is ``llm`` or a dotted name under it, or
    ``blocked_address`` (the guard refused the address) or ``validation`` (the
    instance does not allow the model)."""

    def __init__(
        self, type: str, message: str, *, retryable: bool = False, fallback: bool = False
    ) -> None:
        super().__init__(message)
        self.type = type
        self.message = message
        self.retryable = retryable
        self.fallback = fallback


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "..."


def blocked_cause(exc: BaseException) -> BlockedAddressError | None:
    """The guard's refusal behind an exception litellm raised, if that is what it is."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, BlockedAddressError):
            return current
        stack += [e for e in (current.__cause__, current.__context__) if e is not None]
    return None


def classify_provider_error(
    exc: BaseException, model: str, litellm: Any, *, provider: str = ""
) -> LlmError:
    """Map an exception raised by ``litellm.acompletion`` for ``model`` of ``provider``."""
    blocked = blocked_cause(exc)
    if blocked is not None:
        return LlmError("blocked_address", f"{model}: {blocked.message}")
    status = getattr(exc, "status_code", None)
    detail = _short(str(exc) or type(exc).__name__)
    if isinstance(exc, litellm.RateLimitError):
        return LlmError(
            "llm.rate_limit", f"{model}: rate limited: {detail}", retryable=True, fallback=True
        )
    if isinstance(exc, litellm.Timeout):  # a subclass of APIConnectionError: test it first
        return LlmError(
            "llm.timeout", f"{model}: timed out: {detail}", retryable=True, fallback=True
        )
    if isinstance(exc, litellm.APIConnectionError):
        return LlmError(
            "llm.connection", f"{model}: connection failed: {detail}", retryable=True, fallback=True
        )
    if isinstance(exc, litellm.AuthenticationError | litellm.PermissionDeniedError):
        from agentflow.llm.catalog import rejected_key_message

        return LlmError("llm.auth", rejected_key_message(provider, model, detail))
    if isinstance(exc, litellm.BadRequestError | litellm.NotFoundError):
        return LlmError("llm.bad_request", f"{model}: request refused: {detail}")
    if isinstance(status, int) and (status >= 500 or status in (408, 429)):
        return LlmError(
            "llm.provider",
            f"{model}: provider error {status}: {detail}",
            retryable=True,
            fallback=True,
        )
    if isinstance(exc, litellm.ServiceUnavailableError | litellm.InternalServerError):
        return LlmError(
            "llm.provider",
            f"{model}: provider unavailable: {detail}",
            retryable=True,
            fallback=True,
        )
    if isinstance(status, int):
        return LlmError("llm.provider", f"{model}: provider answered {status}: {detail}")
    return LlmError("llm.provider", f"{model}: {detail}")
