from __future__ import annotations

from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.db.migrate import pending_revisions, upgrade
from agentflow.db.models import LOCAL_ORG_ID


def test_head_enables_pgvector_and_seeds_the_local_organisation(database_url: str) -> None:
    assert pending_revisions(database_url) == []
    with get_engine(database_url).connect() as connection:
        vector = connection.execute(
            text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        ).scalar_one()
        orgs = connection.execute(text("SELECT id, slug FROM organizations")).all()
    assert vector.startswith("0.8")
    assert [(str(org_id), slug) for org_id, slug in orgs] == [(str(LOCAL_ORG_ID), "local")]


def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    upgrade(database_url)
    assert pending_revisions(database_url) == []


def test_the_migrations_match_the_models(database_url: str) -> None:
    """A model change without its migration (or the reverse) is caught here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import agentflow.db.accounts
    import agentflow.db.analytics
    import agentflow.db.automation
    import agentflow.db.runs
    import agentflow.db.templates
    import agentflow.db.webhooks  # noqa: F401 - registers the tables

    with get_engine(database_url).connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert drift == []
