"""Run ownership: a lease with an expiry and a fencing token.

A worker may execute a run only while it holds an unexpired lease. Each
acquisition increments ``runs.fencing_token``; every write the worker makes
checks that the token is still its own, in the same transaction. So a worker
that was paused (GC, SIGSTOP, a slow disk) past its expiry and then wakes up
cannot record anything once another worker has taken the run over: its first
write raises :class:`LeaseLost` and it stops.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from agentflow.db.engine import session_scope

# Runs in these states may be picked up by a worker.
EXECUTABLE_STATUSES = ("queued", "running", "waiting")


class LeaseLost(Exception):
    """Another worker owns the run now; this one must stop executing it."""

    def __init__(self, run_id: uuid.UUID) -> None:
        self.message = f"the lease on run {run_id} was taken over by another worker"
        super().__init__(self.message)


@dataclass(frozen=True)
class Lease:
    run_id: uuid.UUID
    owner: str
    token: int
    ttl_s: float


def acquire(database_url: str, run_id: uuid.UUID, owner: str, ttl_s: float) -> Lease | None:
    """Take the run if nobody holds a live lease on it; None when it is not ours to run."""
    with session_scope(database_url) as session:
        token = session.execute(
            text(
                "UPDATE runs SET lease_owner = :owner, fencing_token = fencing_token + 1, "
                "lease_expires_at = now() + make_interval(secs => :ttl) "
                "WHERE id = :run_id AND status = ANY(:statuses) "
                "AND (lease_owner IS NULL OR lease_expires_at < now()) "
                "RETURNING fencing_token"
            ),
            {
                "owner": owner,
                "ttl": ttl_s,
                "run_id": run_id,
                "statuses": list(EXECUTABLE_STATUSES),
            },
        ).scalar_one_or_none()
    return None if token is None else Lease(run_id, owner, int(token), ttl_s)


def renew(database_url: str, lease: Lease) -> tuple[bool, bool]:
    """Extend the lease; returns (still ours, cancellation requested).

    Reading the cancel flag here means a running run notices a cancel within one
    renewal period, without a query of its own.
    """
    with session_scope(database_url) as session:
        row = session.execute(
            text(
                "UPDATE runs SET lease_expires_at = now() + make_interval(secs => :ttl) "
                "WHERE id = :run_id AND fencing_token = :token RETURNING cancel_requested"
            ),
            {"ttl": lease.ttl_s, "run_id": lease.run_id, "token": lease.token},
        ).one_or_none()
    return (row is not None, bool(row[0]) if row else False)


def release(database_url: str, lease: Lease) -> None:
    with session_scope(database_url) as session:
        session.execute(
            text(
                "UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL "
                "WHERE id = :run_id AND fencing_token = :token"
            ),
            {"run_id": lease.run_id, "token": lease.token},
        )


def check_fence(session: Session, run_id: uuid.UUID, token: int | None) -> None:
    """Inside a write transaction: lock the run row and make sure the token is current.

    The row lock orders this write against a concurrent acquisition, so a write
    either commits before the takeover or is refused after it.
    """
    if token is None:
        return
    current = session.execute(
        text("SELECT fencing_token FROM runs WHERE id = :run_id FOR UPDATE"), {"run_id": run_id}
    ).scalar_one_or_none()
    if current != token:
        raise LeaseLost(run_id)
