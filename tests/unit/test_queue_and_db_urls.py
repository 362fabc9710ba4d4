from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agentflow.db.engine import sqlalchemy_url
from agentflow.queue import deserialize, serialize


def test_job_payloads_round_trip_through_msgpack() -> None:
    payload = {"args": ["run-1"], "kwargs": {"n": 3}, "at": datetime(2026, 1, 1, tzinfo=UTC)}
    assert deserialize(serialize(payload)) == payload


def test_the_serializer_refuses_arbitrary_objects() -> None:
    class Custom:
        pass

    with pytest.raises(TypeError):
        serialize({"x": Custom()})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h:5/db", "postgresql+psycopg://u@h:5/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_database_urls_select_psycopg3(given: str, expected: str) -> None:
    assert sqlalchemy_url(given) == expected
