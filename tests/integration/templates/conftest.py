"""Fixtures for the template tests: the accounts tests' people and settings, and a
database with the official templates loaded."""

from __future__ import annotations

import pytest

from agentflow.services.templates.official import load_official_templates
from tests.integration.accounts.conftest import (  # noqa: F401 - fixtures shared with accounts
    Person,
    clean_db,
    fast_hashing,
    settings,
    sign_up,
)


@pytest.fixture
def db(clean_db: str) -> str:  # noqa: F811 - the accounts tests' clean_db
    load_official_templates(clean_db)
    return clean_db


@pytest.fixture
def ana(db: str) -> Person:
    return sign_up(db, "ana")


@pytest.fixture
def ben(db: str) -> Person:
    return sign_up(db, "ben")
