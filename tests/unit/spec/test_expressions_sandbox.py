"""The sandbox: classic escapes, resource exhaustion and static checks all fail cleanly.

Every case must raise ExpressionError without executing the dangerous part
and without hanging; the assertions are on the error type, not on timings.
"""

from __future__ import annotations

import pytest

from agentflow.spec.expressions import (
    ExpressionError,
    Limits,
    build_scope,
    check_expression,
    check_template,
    evaluate_expression,
    referenced_nodes,
    render_template,
    render_value,
)


@pytest.fixture
def scope() -> dict:
    return build_scope(
        run_input={"name": "Ada", "tags": ["a", "b"], "text": "x" * 600_000},
        node_outputs={"fetch": {"body": {"title": "Hello"}}},
    )


CLASSIC_ESCAPES = [
    "''.__class__.__mro__",
    "''.__class__.__mro__[1].__subclasses__()",
    "().__class__.__bases__[0].__subclasses__()",
    "cycler.__init__.__globals__",
    "lipsum.__globals__",
    "joiner.__init__.__globals__",
    "namespace",
    "namespace()",
    "dict(a=1)",
    "config",
    "config.items()",
    "self",
    "self._TemplateReference__context",
    "request",
    "request.environ",
    "range.__self__",
    "input['__class__']",
    "input.__class__",
    "input.name.__class__",
    "input.name.upper()",
    "input.tags.append(1)",
    "input.items()",
    "'{0.__class__}'.format(1)",
    "'{0.__class__.__mro__}'.format(input)",
    "'{x}'.format_map(input)",
    "'%s' % input",
    "'%(name)s' % input",
    "'%999999999d' % 1",
    "'%*d' % (999999999, 1)",
    "input | attr('__class__')",
    "input.name | format(1)",
    "input.tags | map(attribute='__class__') | list",
    "(input.tags | map('upper')).gi_frame",
    "range(10**10)",
    "range(10**30) | list",
    "'a' * 10**9",
    "10**9 * 'a'",
    "[1] * 10**9",
    "[input.text] * 1000",
    "10**10**10",
    "10 ** (10 ** 10)",
    "2 ** 100000",
    "input.text ~ input.text",
    "input.text + input.text",
    "input.text | replace('', input.text)",
    "input.text | center(10**9)",
    "input.tags | join(input.text) | replace('a', input.text)",
    "(" * 400 + "1" + ")" * 400,
    "-" * 5000 + "1",
]


@pytest.mark.parametrize("expression", CLASSIC_ESCAPES)
def test_escapes_and_bombs_fail_as_a_lone_expression(scope, expression):
    with pytest.raises(ExpressionError):
        render_template("{{ " + expression + " }}", scope)


@pytest.mark.parametrize("expression", CLASSIC_ESCAPES)
def test_escapes_and_bombs_fail_inside_text(scope, expression):
    with pytest.raises(ExpressionError):
        render_template("value: {{ " + expression + " }}", scope)


@pytest.mark.parametrize("expression", CLASSIC_ESCAPES)
def test_escapes_and_bombs_fail_as_bare_expressions(scope, expression):
    with pytest.raises(ExpressionError):
        evaluate_expression(expression, scope)


STATEMENT_ABUSES = [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}",
    "{% for i in range(100) %}{% set s = input.text ~ input.text %}{% endfor %}",
    "{% macro boom() %}{{ boom() }}{% endmacro %}{{ boom() }}",
    "{% for x in input.tags recursive %}{{ loop(input.tags) }}{% endfor %}",
    "{% for x in input.tags %}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "{% set ns = namespace(n=0) %}{% set ns.n = 1 %}",
    "{% set s %}{% for i in range(10) %}{{ input.text }}{% endfor %}{% endset %}{{ s }}",
    "{% filter upper %}{{ input.text }}{% endfilter %}",
    "{% include 'other' %}",
    "{% extends 'base' %}",
    "{% import 'macros' as m %}",
    "{% from 'macros' import m %}",
    "{% block b %}x{% endblock %}",
    "{% call x() %}{% endcall %}",
    "{% autoescape false %}{{ input }}{% endautoescape %}",
    "{% for i in range(1000) %}{% for j in range(1000) %}{{ i }}{% endfor %}{% endfor %}",
]


@pytest.mark.parametrize("template", STATEMENT_ABUSES)
def test_statement_abuses_fail(scope, template):
    with pytest.raises(ExpressionError):
        render_template(template, scope)


def test_a_slow_evaluation_is_stopped_by_the_deadline():
    numbers = list(range(20_000))
    scope = build_scope(run_input={"numbers": numbers})
    quadratic = "{{ input.numbers | select('in', input.numbers) | list | length }}"
    with pytest.raises(ExpressionError, match="longer than"):
        render_template(quadratic, scope, limits=Limits(time_limit_s=0.05))


def test_slow_loops_are_stopped_by_the_deadline():
    scope = build_scope(run_input={"numbers": list(range(20_000))})
    template = "{% for i in range(5000) %}{% if -1 in input.numbers %}{% endif %}{% endfor %}"
    with pytest.raises(ExpressionError, match="longer than"):
        render_template(template, scope, limits=Limits(time_limit_s=0.05))


def test_output_over_the_size_limit_is_refused():
    scope = build_scope(run_input={"chunk": "x" * 1000})
    template = "{% for i in range(50) %}{{ input.chunk }}{% endfor %}"
    assert len(render_template(template, scope)) == 50_000
    with pytest.raises(ExpressionError, match="characters"):
        render_template(template, scope, limits=Limits(max_text_chars=10_000))


def test_a_value_larger_than_the_limit_is_not_returned():
    scope = build_scope(run_input={"big": ["x" * 1000] * 2000})
    with pytest.raises(ExpressionError):
        render_template("{{ input.big }}", scope)
    with pytest.raises(ExpressionError):
        render_template("{{ input.big | tojson }}", scope)


def test_error_messages_do_not_leak_python_internals(scope):
    for expression in CLASSIC_ESCAPES:
        with pytest.raises(ExpressionError) as caught:
            render_template("{{ " + expression + " }}", scope)
        message = caught.value.message
        for leak in ("Traceback", " at 0x", "<function", "<built-in", "jinja2.", 'File "'):
            assert leak not in message, (expression, message)


def test_function_values_cannot_leave_the_sandbox(scope):
    with pytest.raises(ExpressionError, match="function"):
        render_template("{{ range }}", scope)
    with pytest.raises(ExpressionError, match="loop object"):
        render_template("{% for x in input.tags %}{{ loop }}{% endfor %}", scope)


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__ }}",
        "{{ x.upper() }}",
        "{% macro m() %}{% endmacro %}",
        "{% include 'x' %}",
        "{{ self }}",
        "{{ x | attr('y') }}",
        "{{ x is callable }}",
        "{{ 2 ** 3 ** 2 }}",
        "{% for x in y recursive %}{% endfor %}",
        "{{ nodes[input.which] }}",
        "{% for n in nodes %}{{ n }}{% endfor %}",
        "{{ unclosed",
        "{% if x %}",
    ],
)
def test_check_template_reports_problems_without_evaluating(template):
    assert check_template(template) != []


def test_check_template_accepts_good_templates_and_plain_text():
    assert (
        check_template("Hi {{ input.name | upper }} {% for x in input.tags %}{{ x }}{% endfor %}")
        == []
    )
    assert check_template("no markup {# at all") == []
    assert check_expression("input.n > 5 and nodes.a.output.ok") == []


def test_check_template_reports_names_out_of_scope():
    names = {"input", "nodes", "env", "run"}
    problems = check_template("{{ item }} {{ inptu.x }}", names=names)
    assert any("'item'" in problem for problem in problems)
    assert any("'inptu'" in problem for problem in problems)
    loop_locals = "{% for x in input %}{{ loop.index }}{{ x }}{% endfor %}{% set y = 1 %}{{ y }}"
    assert check_template(loop_locals, names=names) == []
    branch_locals = "{% if input.a %}{% set x = 1 %}{% else %}{% set x = 2 %}{% endif %}{{ x }}"
    assert check_template(branch_locals, names=names) == []


def test_referenced_nodes_reads_the_syntax_tree():
    template = (
        "{{ nodes.a.output }} {{ nodes['b'].output.x }} "
        "{% for x in nodes.c.output.items %}{{ x | default(nodes.d.output) }}{% endfor %}"
        "{{ 'nodes.not_a_ref' }}{% raw %}{{ nodes.raw }}{% endraw %}"
    )
    assert referenced_nodes(template) == {"a", "b", "c", "d"}
    assert referenced_nodes("nodes.a.output.n > nodes['b'].output.n", kind="expression") == {
        "a",
        "b",
    }
    assert referenced_nodes("nodes.a is plain text here") == set()
    assert referenced_nodes("{{ nodes.a.output") == set()


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("'a' * 10**9", "result would be 1,000,000,000 characters"),
        ("[1] * 10**9", "result would have 1,000,000,000 items"),
        ("[input.text] * 2", "result would be 1,200,"),
        ("range(10**10)", "result would have 10,000,000,000 items"),
        ("10 ** (10 ** 10)", "number would have about 10,000,000,000 bits"),
        ("2 ** 100000", "number would have about 100,000 bits"),
        ("10**700 * 10**700", "number would have about"),
        ("input.text ~ input.text", "result would be 1,200,000 characters"),
        ("input.text + input.text", "result would be 1,200,000 characters"),
        ("input.tags + [input.text, input.text]", "result would be"),
        ("input.text | replace('', input.text)", "result would be"),
        ("'%s' % 1", "% operator cannot format strings"),
        ("'{0}'.format(1)", "not allowed"),
    ],
)
def test_size_guards_refuse_before_building(scope, expression, message):
    """The guard's own message proves the refusal happened before allocation."""
    with pytest.raises(ExpressionError, match=message.replace("*", r"\*")):
        evaluate_expression(expression, scope)


def test_nested_loops_share_one_iteration_budget(scope):
    nested = "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}"
    with pytest.raises(ExpressionError, match="loops ran more than 100,000 iterations"):
        render_template(nested, scope)
    small = "{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}ok"
    assert render_template(small, scope) == "ok"


def test_render_value_shares_one_budget_across_leaves():
    scope = build_scope(run_input={"chunk": "x" * 400})
    value = {f"k{i}": "{{ input.chunk ~ input.chunk }}" for i in range(10)}
    with pytest.raises(ExpressionError, match="in total"):
        render_value(value, scope, limits=Limits(max_work_chars=5_000))
