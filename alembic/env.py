"""Alembic environment: our own migrations over SQLModel.metadata."""

from __future__ import annotations

from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

# Imported for their side effect: they register the tables on SQLModel.metadata.
import agentflow.db.accounts
import agentflow.db.analytics
import agentflow.db.automation
import agentflow.db.model_providers
import agentflow.db.models
import agentflow.db.runs
import agentflow.db.templates
import agentflow.db.webhooks  # noqa: F401
from agentflow.db.engine import sqlalchemy_url
from agentflow.settings import get_settings
from alembic import context

config = context.config
if not config.get_main_option("sqlalchemy.url"):
    settings = get_settings()
    if not settings.database_url:
        raise SystemExit("DATABASE_URL is not set: run `agentflow migrate` instead.")
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(settings.database_url))

target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
