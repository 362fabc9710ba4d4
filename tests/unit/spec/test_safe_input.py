"""safe_input: text PostgreSQL can store, JSON no deeper than MAX_DEPTH, located refusals."""

from __future__ import annotations

import json
import time

import pytest

from agentflow.errors import InvalidInput
from agentflow.services.templates.gallery import InstallInput
from agentflow.services.tenancy.permissions import parse_input
from agentflow.spec import safe_input
from agentflow.spec.safe_input import MAX_DEPTH, UnsafeInput


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_up_to_the_depth_limit_loads_and_deeper_is_refused() -> None:
    assert safe_input.loads(nested(MAX_DEPTH)) is not None
    for depth in (MAX_DEPTH + 1, 500, 100_000):  # 100,000: RecursionError in json.loads
        with pytest.raises(UnsafeInput) as caught:
            safe_input.loads(nested(depth))
        assert caught.value.message == f"is nested deeper than {MAX_DEPTH} levels"
    with pytest.raises(UnsafeInput) as field:
        safe_input.loads('{"config": {"rows": ' + nested(200) + "}}")
    assert field.value.field("body") == "body.config"


def test_nul_and_lone_surrogates_are_refused_where_they_are() -> None:
    with pytest.raises(UnsafeInput) as nul:
        safe_input.loads('{"nodes": [{"id": "a"}, {"id": "b\\u0000"}]}')
    assert (nul.value.field(), nul.value.message) == (
        "nodes[1].id",
        "must not contain NUL characters (\\u0000)",
    )
    with pytest.raises(UnsafeInput) as lone:
        safe_input.loads('{"name": "\\ud800"}')
    assert lone.value.describe("input") == (
        "input.name: must not contain unpaired surrogates (\\ud800)"
    )
    with pytest.raises(UnsafeInput) as key:
        safe_input.check_data({"a": {"k\x00": 1}})
    assert key.value.field() == "a" and key.value.message.startswith("has a key that")
    # A surrogate pair is one character (an emoji), not a lone surrogate.
    assert safe_input.loads('{"name": "\\ud83d\\ude00"}') == {"name": "😀"}
    assert safe_input.text_problem("plain text, ünïcode, 😀") is None
    with pytest.raises(json.JSONDecodeError):  # invalid JSON is json's own error
        safe_input.loads("{nope")


def test_the_walk_is_iterative_and_quick_on_wide_data() -> None:
    wide = json.dumps({"rows": [{"id": str(i), "tags": ["a", "b"]} for i in range(50_000)]})
    started = time.perf_counter()
    safe_input.loads(wide)
    assert time.perf_counter() - started < 2


def test_service_input_models_refuse_text_that_cannot_be_stored() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_input(InstallInput, {"name": "ok", "secrets": {"TOKEN": "abc\x00def"}})
    assert caught.value.message == "Secrets.TOKEN must not contain NUL characters (\\u0000)."
    with pytest.raises(InvalidInput):
        parse_input(InstallInput, InstallInput(name="a\x00"))  # a model made in code
    assert parse_input(InstallInput, {"name": "fine"}).name == "fine"
