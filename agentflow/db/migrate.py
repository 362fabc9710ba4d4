"""Run Alembic migrations from code (used by ``agentflow migrate`` and the tests)."""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from agentflow.db.engine import get_engine, sqlalchemy_url
from agentflow.settings import PROJECT_ROOT
from alembic import command


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    # "%" would be read as interpolation by configparser.
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def pending_revisions(database_url: str) -> list[str]:
    """Revisions not yet applied; empty when the database is up to date."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    with get_engine(database_url).connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(script.get_heads())
    if current == heads:
        return []
    revisions = script.iterate_revisions(tuple(heads), tuple(current) or "base")
    return [rev.revision for rev in revisions if rev is not None]
