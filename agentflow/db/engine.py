"""Database engine and sessions (SQLAlchemy 2 + psycopg 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlmodel import Session


def sqlalchemy_url(database_url: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` forms and select psycopg 3."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix) :]
    return database_url


@lru_cache(maxsize=8)
def get_engine(database_url: str) -> Engine:
    # pool_pre_ping: a restarted PostgreSQL must not leave dead connections in the pool.
    return create_engine(sqlalchemy_url(database_url), pool_pre_ping=True, pool_size=5)


# The transaction of the unit of work under way in this context, if any: a
# session_scope opened inside it joins it instead of committing on its own.
_unit_of_work: ContextVar[tuple[str, Session] | None] = ContextVar(
    "agentflow_unit_of_work", default=None
)


@contextmanager
def session_scope(database_url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error.

    Inside :func:`unit_of_work` it is that unit's session instead, within a savepoint:
    an error rolls back what this scope did (as its own transaction would), and what
    it did commits, or not, with the whole unit.
    """
    ambient = _unit_of_work.get()
    if ambient is not None and ambient[0] == database_url:
        session = ambient[1]
        savepoint = session.begin_nested()
        try:
            yield session
        except BaseException:
            if savepoint.is_active:
                savepoint.rollback()
            raise
        if savepoint.is_active:
            savepoint.commit()
        return
    with Session(get_engine(database_url)) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def unit_of_work(database_url: str) -> Iterator[Session]:
    """One transaction for a use case: a change and its audit entry commit together or
    not at all. Every session_scope opened inside (by the services it calls) joins it.

    Only for synchronous work in one thread, and never around an enqueue: a job must
    not be able to start before the rows it reads are committed.
    """
    with session_scope(database_url) as session:
        token = _unit_of_work.set((database_url, session))
        try:
            yield session
        finally:
            _unit_of_work.reset(token)
