"""The Test step dialog's data: refused with a sentence for anything but
{"input": ..., "nodes": {...}} that can be stored."""

from __future__ import annotations

import pytest

from state.pages.builder.step_test import parse_pinned


def test_the_input_and_the_pinned_outputs_are_read() -> None:
    assert parse_pinned('{"input": {"a": 1}, "nodes": {"fetch": [1]}}') == (
        {"a": 1},
        {"fetch": [1]},
    )
    assert parse_pinned("") == (None, {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"input": ', "The data is not valid JSON"),
        ("[1]", "The data must be an object"),
        ('{"inputs": {}}', 'The data has inputs: only "input" and "nodes" are read'),
        ('{"nodes": [1]}', '"nodes" must be an object'),
        ('{"nodes": {"x": "a\\u0000"}}', "The data cannot be used: nodes.x: must not contain NUL"),
        ('{"input": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested deeper than 100 levels"),
    ],
)
def test_bad_data_is_refused_with_a_sentence(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_pinned(text)
    assert message in str(caught.value)
