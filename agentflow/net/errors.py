"""Typed errors of the guarded outbound client.

Each has a human `.message`, a stable `.type` string for API responses and run
events, and `.retryable` for the engine's retry policy. Branch on the class or
on `.type`, never on the text.
"""

from __future__ import annotations

from typing import ClassVar


class OutboundError(Exception):
    """Base class of every error raised by `agentflow.net`."""

    type: ClassVar[str] = "outbound"
    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retryable is not None:
            self.retryable = retryable


class BlockedAddressError(OutboundError):
    """The destination is private, loopback, metadata, ... and not allowlisted.

    `address` (the resolved IP, if any) is for logs only: the message shown to
    the tenant names the host and the category, not internal addresses.
    """

    type: ClassVar[str] = "blocked_address"

    def __init__(self, message: str, *, host: str, reason: str, address: str | None = None):
        super().__init__(message, retryable=False)
        self.host = host
        self.reason = reason
        self.address = address


class InvalidOutboundRequest(OutboundError):
    """Malformed URL, scheme other than http(s), credentials in the URL, bad header."""

    type: ClassVar[str] = "invalid_request"


class OutboundTimeout(OutboundError):
    """Connect, read or total time limit reached."""

    type: ClassVar[str] = "timeout"
    retryable = True


class OutboundHTTPError(OutboundError):
    """Transport failure: DNS, refused connection, reset, TLS, protocol error."""

    type: ClassVar[str] = "http.network"
    retryable = True


class ResponseTooLarge(OutboundError):
    """The (decoded) response body went past the policy's limit."""

    type: ClassVar[str] = "http.too_large"

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class TooManyRedirects(OutboundError):
    """More redirects than the policy's `max_redirects`."""

    type: ClassVar[str] = "http.too_many_redirects"


def is_retryable_status(status: int) -> bool:
    """Whether an HTTP status is worth retrying: 408, 429 and 5xx."""
    return status in (408, 429) or 500 <= status <= 599
