"""Database engine and sessions (SQLAlchemy 2 + psycopg 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def session_scope(database_url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(database_url)) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
