"""Fixtures for the template tests: people in organisations, official templates loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.db.models import LOCAL_ORG_ID
from agentflow.services import accounts
from agentflow.services.official_templates import load_official_templates
from agentflow.settings import Settings
from tests.integration.accounts.conftest import Person, sign_up


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def db(clean_db: str) -> Iterator[str]:
    """A clean database with the official templates loaded; sign-up organisations removed
    afterwards (the shared fixture keeps the organisations table)."""
    load_official_templates(clean_db)
    yield clean_db
    with get_engine(clean_db).begin() as connection:
        connection.execute(
            text("DELETE FROM organizations WHERE id != :local"), {"local": LOCAL_ORG_ID}
        )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        secret_key="test-secret-key-" + "x" * 40,
        data_dir=tmp_path,
        template_model="openai/gpt-4o-mini",
    )


@pytest.fixture
def ana(db: str) -> Person:
    return sign_up(db, "ana")


@pytest.fixture
def ben(db: str) -> Person:
    return sign_up(db, "ben")
