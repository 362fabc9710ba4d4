"""Keep org secrets out of step records, logs and events.

Values reached through ``env.NAME`` may end up inside a step's resolved input,
its output (an API echoing a header) or an error message. Before anything is
recorded, every occurrence of a secret's value is replaced by a fixed mask.

This is the second line of defence: the sandbox already refuses every use of
a secret except placing it whole into an outbound request (see
:mod:`agentflow.spec.sandbox.secrets`), and records that request with the
same mask. What remains for the masker is what comes back (an API echoing a
header) and what the sandbox cannot see.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agentflow.spec.expressions import SECRET_MASK

MASK = SECRET_MASK
# Very short values would mask ordinary text ("a", "1"); they are not secrets worth
# the name and are refused when secrets are created.
MIN_MASKED_LENGTH = 4


class SecretMasker:
    def __init__(self, secret_values: Iterable[str]) -> None:
        # Longest first, so a secret containing another is masked whole.
        self._values = sorted(
            {value for value in secret_values if len(value) >= MIN_MASKED_LENGTH},
            key=len,
            reverse=True,
        )

    def __bool__(self) -> bool:
        return bool(self._values)

    def mask(self, value: Any) -> Any:
        if not self._values:
            return value
        if isinstance(value, str):
            for secret in self._values:
                value = value.replace(secret, MASK)
            return value
        if isinstance(value, dict):
            return {self.mask(key): self.mask(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask(item) for item in value]
        return value
