"""Rendering and evaluating: native values, text, scope, filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agentflow.spec.expressions import (
    ExpressionError,
    build_scope,
    evaluate_expression,
    render_template,
    render_value,
)


@pytest.fixture
def scope() -> dict:
    return build_scope(
        run_input={"n": 7, "name": "Ada", "tags": ["a", "b"], "items": [3, 1, 2], "none": None},
        node_outputs={
            "fetch": {"status": 200, "body": {"title": "Hello"}},
            "echo": {"text": "{{ 7*7 }}", "raw": "{% for x in y %}"},
        },
        secrets={"API_KEY": "s3cret"},
        run_id="run_1",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ input.n }}", 7),
        ("  {{ input.n > 5 }}\n", True),
        ("{{ input.tags }}", ["a", "b"]),
        ("{{ nodes.fetch.output.body }}", {"title": "Hello"}),
        ("{{ input.none }}", None),
        ("{{ input.n / 2 }}", 3.5),
        ("{{ range(3) }}", [0, 1, 2]),
        ("{{ (1, 2) }}", [1, 2]),
        ("{{ input.items | sort }}", [1, 2, 3]),
        ("{{ input.items | select('odd') }}", [3, 1]),
    ],
)
def test_a_lone_expression_keeps_its_type(scope, template, expected):
    result = render_template(template, scope)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hi {{ input.name }}!", "Hi Ada!"),
        ("n={{ input.n }}", "n=7"),
        ("{{ input.n }}{{ input.n }}", "77"),
        ("tags: {{ input.tags }}", 'tags: ["a", "b"]'),
        ("body: {{ nodes.fetch.output.body }}", 'body: {"title": "Hello"}'),
        ("[{{ input.none }}] {{ true }} {{ false }}", "[] true false"),
        ("{% for t in input.tags %}{{ loop.index }}={{ t }};{% endfor %}", "1=a;2=b;"),
        ("{% if input.n > 5 %}big{% else %}small{% endif %}", "big"),
        ("{% set x = input.n * 2 %}{{ x }}", "14"),
        ("keep trailing newline\n{{ 1 }}\n", "keep trailing newline\n1\n"),
        ("{% raw %}{{ not evaluated }}{% endraw %}", "{{ not evaluated }}"),
    ],
)
def test_mixed_text_renders_a_string(scope, template, expected):
    assert render_template(template, scope) == expected


@pytest.mark.parametrize("plain", ["", "plain text", "{ not: markup }", "a {# b", "100%"])
def test_text_without_markup_is_returned_unchanged(scope, plain):
    assert render_template(plain, scope) is plain


def test_substituted_values_are_never_rendered_again(scope):
    assert render_template("{{ nodes.echo.output.text }}", scope) == "{{ 7*7 }}"
    assert render_template("say {{ nodes.echo.output.text }}", scope) == "say {{ 7*7 }}"
    assert render_template("{{ nodes.echo.output.raw }}!", scope) == "{% for x in y %}!"
    assert render_value({"a": "{{ nodes.echo.output }}"}, scope) == {
        "a": {"text": "{{ 7*7 }}", "raw": "{% for x in y %}"}
    }


def test_evaluate_expression_accepts_bare_and_wrapped(scope):
    assert evaluate_expression("input.n > 5", scope) is True
    assert evaluate_expression("{{ input.n > 5 }}", scope) is True
    assert evaluate_expression("  input.tags | length ", scope) == 2


@pytest.mark.parametrize("bad", ["", "input.n >", "{{ a }} {{ b }}", "input.n }} {{ input.n"])
def test_evaluate_expression_rejects_non_expressions(scope, bad):
    with pytest.raises(ExpressionError):
        evaluate_expression(bad, scope)


def test_render_value_renders_string_leaves_only(scope):
    value = {
        "{{ input.name }}": "{{ input.name }}",
        "nested": [{"n": "{{ input.n }}"}, 5, None, True],
        "text": "id {{ run.id }}",
    }
    assert render_value(value, scope) == {
        "{{ input.name }}": "Ada",
        "nested": [{"n": 7}, 5, None, True],
        "text": "id run_1",
    }


def test_scope_exposes_run_env_and_map_names(scope):
    assert render_template("{{ run.started_at }}", scope) == "2026-01-01T00:00:00+00:00"
    assert render_template("{{ env.API_KEY }}", scope, secrets="outbound") == "s3cret"
    with pytest.raises(ExpressionError, match="'item' is undefined"):
        render_template("{{ item }}", scope)
    body_scope = build_scope(run_input={}, item={"x": 1}, index=0)
    assert render_template("{{ item.x + index }}", body_scope) == 1


def test_unknown_names_and_missing_keys_are_errors(scope):
    with pytest.raises(ExpressionError, match="'nope' is undefined"):
        render_template("{{ nope }}", scope)
    with pytest.raises(ExpressionError, match="no key 'missing'"):
        render_template("{{ nodes.fetch.output.missing }}", scope)
    with pytest.raises(ExpressionError, match="no key 'ghost'"):
        render_template("x {{ nodes.ghost.output }}", scope)


def test_optional_keys_are_guarded_with_default_or_defined(scope):
    assert render_template("{{ nodes.fetch.output.missing | default('n/a') }}", scope) == "n/a"
    assert render_template("{{ input.missing is defined }}", scope) is False
    assert render_template("{{ input.tags[5] | default(0) }}", scope) == 0


def test_mapping_keys_win_over_method_names():
    scope = build_scope(run_input={"items": [1], "keys": "k", "get": 2})
    assert render_template("{{ input.items }}", scope) == [1]
    assert render_template("{{ input['keys'] ~ input.get }}", scope) == "k2"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ input.tags | join(', ') | upper }}", "A, B"),
        ("{{ '{\"a\": [1]}' | fromjson }}", {"a": [1]}),
        ("{{ 'a,b,,c' | split(',') }}", ["a", "b", "", "c"]),
        ("{{ '  x ' | trim }}", "x"),
        ("{{ 'abcdef' | truncate(5, killwords=true, end='..', leeway=0) }}", "abc.."),
        ("{{ 'a-b' | replace('-', '+') }}", "a+b"),
        ("{{ [3, 1, 3] | unique | list }}", [3, 1]),
        ("{{ [1, 2, 3] | sum }}", 6),
        ("{{ [{'n': 2}, {'n': 1}] | sort(attribute='n') | map(attribute='n') | list }}", [1, 2]),
        ("{{ [{'ok': true}, {'ok': false}] | selectattr('ok') | list | length }}", 1),
        ("{{ '3' | int + '1.5' | float }}", 4.5),
        ("{{ 2.567 | round(1) }}", 2.6),
        ("{{ {'b': 1, 'a': 2} | dictsort | first }}", ["a", 2]),
        ("{{ 'a b' | urlencode }}", "a%20b"),
        ("{{ {'q': 'a b', 'n': 1} | urlencode }}", "q=a%20b&n=1"),
        ("{{ [1, 2] | last }}", 2),
        ("{{ 'abc' | reverse }}", "cba"),
        ("{{ 'Hello World' | wordcount }}", 2),
        ("{{ [1, 2] | string }}", "[1, 2]"),
        ("{{ 'x' is lower }}", True),
        ("{{ 4 is divisibleby 2 }}", True),
    ],
)
def test_filters_and_tests(scope, template, expected):
    assert render_template(template, scope) == expected


def test_tojson_writes_plain_json_not_html_escaped(scope):
    assert render_template("{{ {'a': '<b>', 'n': none} | tojson }}", scope) == (
        '{"a": "<b>", "n": null}'
    )
    assert render_template("{{ [1] | tojson(indent=2) }}", scope) == "[\n  1\n]"


def test_evaluation_errors_are_expression_errors_with_clean_messages(scope):
    for template in ("{{ 1 / 0 }}", "{{ 1 + 'a' }}", "{{ input.tags | first | fromjson }}"):
        with pytest.raises(ExpressionError) as caught:
            render_template(template, scope)
        assert caught.value.error_type == "expression"
        assert "Traceback" not in caught.value.message
        assert " at 0x" not in caught.value.message


def test_compiled_templates_do_not_share_state_between_evaluations():
    template = "{% set total = input.n * 2 %}{{ total }}"
    assert render_template(template, build_scope(run_input={"n": 1})) == "2"
    assert render_template(template, build_scope(run_input={"n": 5})) == "10"
