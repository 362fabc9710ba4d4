"""Webhook signatures: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">, within 300 s."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from agentflow.services.triggers import signatures as sig
from agentflow.services.triggers.signatures import SignatureRejected

SECRET = "whsec-test-secret"
BODY = b'{"ticket": "printer on fire"}'
NOW = 1_800_000_000


def test_the_documented_format_is_accepted() -> None:
    digest = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    header = f"t={NOW},v1={digest}"
    assert sig.sign(SECRET, BODY, NOW) == header
    accepted = sig.verify(header, SECRET, BODY, now=NOW + 10)
    assert (accepted.timestamp, accepted.digest) == (NOW, digest)


def test_one_matching_signature_among_several_is_enough() -> None:
    good = sig.sign(SECRET, BODY, NOW).split(",")[1]
    header = f"t={NOW},v1={'0' * 64},{good}"
    assert sig.verify(header, SECRET, BODY, now=NOW).timestamp == NOW


@pytest.mark.parametrize(
    ("header", "body", "reason"),
    [
        (sig.sign("another-secret", BODY, NOW), BODY, "invalid"),
        (sig.sign(SECRET, BODY, NOW), BODY + b" ", "invalid"),
        (sig.sign(SECRET, BODY, NOW).replace(f"t={NOW}", f"t={NOW + 1}"), BODY, "invalid"),
        (None, BODY, "missing"),
        ("", BODY, "missing"),
        ("v1=abcd", BODY, "malformed"),
        (f"t={NOW}", BODY, "malformed"),
        (f"t=soon,v1={'a' * 64}", BODY, "malformed"),
        ("x" * 5000, BODY, "malformed"),
    ],
    ids=[
        "wrong-secret",
        "tampered-body",
        "timestamp-edited",
        "absent",
        "empty",
        "no-timestamp",
        "no-signature",
        "bad-timestamp",
        "too-long",
    ],
)
def test_forged_and_malformed_signatures_are_refused(
    header: str | None, body: bytes, reason: str
) -> None:
    with pytest.raises(SignatureRejected) as refused:
        sig.verify(header, SECRET, body, now=NOW + 1 if reason != "invalid" else NOW)
    assert refused.value.reason == reason


def test_stale_signatures_are_refused() -> None:
    header = sig.sign(SECRET, BODY, NOW)
    assert sig.verify(header, SECRET, BODY, now=NOW + sig.TOLERANCE_S).timestamp == NOW
    with pytest.raises(SignatureRejected) as refused:
        sig.verify(header, SECRET, BODY, now=NOW + sig.TOLERANCE_S + 1)
    assert refused.value.reason == "stale"


def test_signatures_from_the_future_are_refused() -> None:
    ahead = sig.sign(SECRET, BODY, NOW + sig.FUTURE_SKEW_S + 1)
    with pytest.raises(SignatureRejected) as refused:
        sig.verify(ahead, SECRET, BODY, now=NOW)
    assert refused.value.reason == "future"
    # a clock a few seconds ahead is tolerated
    assert sig.verify(sig.sign(SECRET, BODY, NOW + 2), SECRET, BODY, now=NOW).timestamp == NOW + 2
