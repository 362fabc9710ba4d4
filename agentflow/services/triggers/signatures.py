"""HMAC-SHA256 signatures of webhook requests, with a timestamp and replay protection.

Header (docs/webhooks.md)::

    X-AgentFlow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

Several ``v1=`` entries may be sent (while a sender moves to a new secret); one
matching is enough. A request is refused when the header is missing or malformed,
when ``t`` is more than :data:`TOLERANCE_S` old or ahead of the server's clock by
more than :data:`FUTURE_SKEW_S`, when no signature matches (compared with
``hmac.compare_digest``: the time taken does not depend on where they differ),
or when the same signature was already accepted: accepted signatures are
remembered in Redis for the whole tolerance window, after which their timestamp
is stale anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

import redis

from agentflow.errors import AgentFlowError

HEADER = "X-AgentFlow-Signature"
SCHEME = "v1"
TOLERANCE_S = 300
# Clocks of senders and servers drift a little; anything further ahead is refused.
FUTURE_SKEW_S = 5
MAX_HEADER_LENGTH = 2048
MAX_SIGNATURES = 5
REPLAY_KEY_PREFIX = "agentflow:hook-sig:"


class SignatureRejected(AgentFlowError):
    """Why a signature is refused; ``reason`` is a short machine-readable word."""

    type = "signature_rejected"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def compute(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value a sender puts on ``body`` (used by tests and documented clients)."""
    moment = int(time.time()) if timestamp is None else timestamp
    return f"t={moment},{SCHEME}={compute(secret, moment, body)}"


@dataclass(frozen=True)
class Parsed:
    timestamp: int
    signatures: tuple[str, ...]


def parse(header: str | None) -> Parsed:
    if not header:
        raise SignatureRejected("missing", f"the {HEADER} header is required")
    if len(header) > MAX_HEADER_LENGTH:
        raise SignatureRejected("malformed", f"the {HEADER} header is too long")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == SCHEME and value:
            signatures.append(value.strip().lower())
    if timestamp is None or not signatures or len(signatures) > MAX_SIGNATURES:
        raise SignatureRejected(
            "malformed", f"the {HEADER} header must be t=<unix time>,{SCHEME}=<hex>"
        )
    return Parsed(timestamp, tuple(signatures))


@dataclass(frozen=True)
class Accepted:
    timestamp: int
    digest: str  # the signature that matched: what a replay would present again


def verify(header: str | None, secret: str, body: bytes, *, now: float | None = None) -> Accepted:
    """The accepted signature when ``header`` signs ``body`` with ``secret`` in time;
    else SignatureRejected. Replays are checked separately (:func:`remember`)."""
    parsed = parse(header)
    moment = time.time() if now is None else now
    if parsed.timestamp < moment - TOLERANCE_S:
        raise SignatureRejected("stale", f"the signature is older than {TOLERANCE_S} seconds")
    if parsed.timestamp > moment + FUTURE_SKEW_S:
        raise SignatureRejected("future", "the signature's timestamp is in the future")
    expected = compute(secret, parsed.timestamp, body)
    # Every candidate is compared, so the time taken does not depend on which matched.
    matched = False
    for candidate in parsed.signatures:
        matched |= hmac.compare_digest(expected.encode(), candidate.encode())
    if not matched:
        raise SignatureRejected("invalid", "the signature does not match the body")
    return Accepted(parsed.timestamp, expected)


def _replay_key(scope: str, accepted: Accepted) -> str:
    # Keyed by the digest that matched, not by the header's text: adding junk entries
    # to a captured header does not make it new.
    digest = hashlib.sha256(f"{scope}|{accepted.timestamp}|{accepted.digest}".encode())
    return REPLAY_KEY_PREFIX + digest.hexdigest()


def remember(client: redis.Redis, scope: str, accepted: Accepted) -> None:
    """Record an accepted signature; SignatureRejected("replayed") if it was seen before.

    ``scope`` (the hook's token hash) keeps two hooks sharing a secret apart.
    """
    key = _replay_key(scope, accepted)
    if not client.set(key, b"1", nx=True, ex=TOLERANCE_S + FUTURE_SKEW_S + 1):
        raise SignatureRejected("replayed", "this signature was already used")


def forget(client: redis.Redis, scope: str, accepted: Accepted) -> None:
    """Undo :func:`remember` when the request was not accepted after all (no run made)."""
    client.delete(_replay_key(scope, accepted))
