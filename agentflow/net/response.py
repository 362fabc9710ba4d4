"""The result of a guarded request: status, headers and the whole (limited) body."""

from __future__ import annotations

import contextlib
import json as jsonlib
import re
from dataclasses import dataclass
from typing import Any

from agentflow.net.errors import is_retryable_status

_CHARSET = re.compile(r"charset=\"?([\w.:-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class GuardedResponse:
    status: int
    headers: dict[str, str]  # lowercase names; repeated headers joined with ", "
    body: bytes  # gzip/deflate already decoded
    url: str  # final URL, after redirects
    elapsed_s: float
    history: tuple[str, ...] = ()  # URLs that answered with a redirect, in order
    remote_address: str | None = None  # the IP actually connected to

    @property
    def retryable(self) -> bool:
        return is_retryable_status(self.status)

    @property
    def text(self) -> str:
        match = _CHARSET.search(self.headers.get("content-type", ""))
        try:
            return self.body.decode(match.group(1) if match else "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON (raises ValueError if it is not JSON)."""
        return jsonlib.loads(self.body)

    def parsed(self) -> Any:
        """JSON value for a JSON content type that parses, otherwise the text."""
        ctype = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/json" or ctype.endswith("+json"):
            with contextlib.suppress(ValueError):
                return self.json()
        return self.text
