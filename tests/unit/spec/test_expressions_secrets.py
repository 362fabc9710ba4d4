"""Secrets are opaque in the sandbox: placed whole into outbound fields, nothing else.

Masking of stored records only replaces a secret's exact value, so any
expression that derives another string from it (a slice, a reversal, upper
case, its characters joined) would store a recoverable copy. Each such use
must be an ExpressionError naming the secret, whatever field it is in.
"""

from __future__ import annotations

import pickle

import pytest

from agentflow.spec.expressions import (
    SECRET_MASK,
    ExpressionError,
    SecretValue,
    build_scope,
    evaluate_expression,
    render_template,
    render_value,
)

TOKEN = "tok-9f8e7d6c5b"
# Everything a leak could look like: the value and the shapes derived from it.
RECOVERABLE = (TOKEN, TOKEN[::-1], TOKEN.upper(), TOKEN[1:], " ".join(TOKEN), TOKEN + "a")


@pytest.fixture
def scope() -> dict:
    return build_scope(
        run_input={"name": "Ada", "list": ["a", "b"]},
        node_outputs={"fetch": {"body": {"k": "v"}}},
        secrets={"TOKEN": TOKEN, "OTHER": "other-secret-1"},
    )


DERIVATIONS = [
    # the examples
    "{{ env.TOKEN[1:] }}",
    "{{ env.TOKEN | reverse }}",
    "{{ env.TOKEN | upper }}",
    "{{ env.TOKEN | list | join(' ') }}",
    "{{ env.TOKEN ~ 'a' }}",
    # other filters, in and around collections
    "{{ env.TOKEN | lower }}",
    "{{ env.TOKEN | string }}",
    "{{ env.TOKEN | tojson }}",
    "{{ env.TOKEN | replace('t', 'T') }}",
    "{{ env.TOKEN | split('-') }}",
    "{{ env.TOKEN | truncate(5) }}",
    "{{ env.TOKEN | urlencode }}",
    "{{ env.TOKEN | length }}",
    "{{ env.TOKEN | first }}",
    "{{ env.TOKEN | trim }}",
    "{{ env.TOKEN | int }}",
    "{{ env.TOKEN | default('x', true) }}",
    "{{ [env.TOKEN] | join(',') }}",
    "{{ [env.TOKEN] | tojson }}",
    "{{ [env.TOKEN] | string }}",
    "{{ [env.TOKEN] | map('upper') | list }}",
    "{{ [env.TOKEN, 'z'] | sort }}",
    "{{ {'k': env.TOKEN} | tojson }}",
    "{{ env | tojson }}",
    "{{ input.list | join(env.TOKEN) }}",
    # indexing, attributes, operators, comparisons, tests, loops
    "{{ env.TOKEN[0] }}",
    "{{ env.TOKEN[::-1] }}",
    "{{ env.TOKEN.upper }}",
    "{{ env['TOKEN'][2:] }}",
    "{{ 'Bearer ' ~ env.TOKEN }}",
    "{{ env.TOKEN + 'a' }}",
    "{{ env.TOKEN * 2 }}",
    "{{ '%s' % env.TOKEN }}",
    "{{ env.TOKEN == 'guess' }}",
    "{{ 't' in env.TOKEN }}",
    "{{ env.TOKEN in ['guess'] }}",
    "{{ env.TOKEN is string }}",
    "{{ input[env.TOKEN] }}",
    "{{ {env.TOKEN: 1} }}",
    "{{ range(env.TOKEN) }}",
    "{% for c in env.TOKEN %}{{ c }} {% endfor %}",
    "{% if env.TOKEN %}yes{% endif %}",
    "{% set t = env.TOKEN ~ '' %}{{ t }}",
]


@pytest.mark.parametrize("template", DERIVATIONS)
@pytest.mark.parametrize("mode", ["refuse", "outbound", "masked"])
def test_every_other_use_of_a_secret_is_an_error_naming_it(scope, template, mode):
    """Even in an outbound field: only placing the secret whole is allowed there."""
    with pytest.raises(ExpressionError) as caught:
        render_template(template, scope, secrets=mode)
    assert "the secret TOKEN can only be placed whole" in caught.value.message
    assert not any(leak in caught.value.message for leak in RECOVERABLE)


@pytest.mark.parametrize(
    "template",
    ["{{ env.TOKEN }}", "Bearer {{ env.TOKEN }}", "{{ [env.TOKEN] }}", "{{ env }}"],
)
def test_a_field_that_stays_in_the_system_cannot_use_a_secret_at_all(scope, template):
    # set, template, llm prompts, conditions, the run output...: the default mode.
    with pytest.raises(ExpressionError, match="the secret TOKEN can only be placed whole"):
        render_template(template, scope)
    with pytest.raises(ExpressionError, match="the secret TOKEN"):
        render_value({"values": {"token": template}}, scope)


@pytest.mark.parametrize(
    "expression", ["env.TOKEN", "env.TOKEN == 'x'", "env.TOKEN | length > 3", "env.TOKEN[1:]"]
)
def test_expressions_never_use_secrets(scope, expression):
    with pytest.raises(ExpressionError, match="the secret TOKEN"):
        evaluate_expression(expression, scope)


@pytest.mark.parametrize(
    ("template", "sent", "recorded"),
    [
        ("{{ env.TOKEN }}", TOKEN, SECRET_MASK),
        ("Bearer {{ env.TOKEN }}", f"Bearer {TOKEN}", f"Bearer {SECRET_MASK}"),
        (
            "https://api.test/x?key={{ env.TOKEN }}&q={{ input.name }}",
            f"https://api.test/x?key={TOKEN}&q=Ada",
            f"https://api.test/x?key={SECRET_MASK}&q=Ada",
        ),
        ("{% set t = env.TOKEN %}{{ t }}", TOKEN, SECRET_MASK),
        ("{{ env.TOKEN if input.name else '' }}", TOKEN, SECRET_MASK),
        ("{{ env.MISSING | default(env.TOKEN) }}", TOKEN, SECRET_MASK),
        ("{{ {'key': env.TOKEN, 'n': 1} }}", {"key": TOKEN, "n": 1}, {"key": SECRET_MASK, "n": 1}),
        ("{{ env.TOKEN is defined }}", True, True),
    ],
)
def test_outbound_fields_get_the_secret_placed_whole_and_records_the_mask(
    scope, template, sent, recorded
):
    assert render_template(template, scope, secrets="outbound") == sent
    assert render_template(template, scope, secrets="masked") == recorded


def test_render_value_places_secrets_in_each_leaf(scope):
    value = {"Authorization": "Bearer {{ env.TOKEN }}", "list": ["{{ env.OTHER }}", 3]}
    assert render_value(value, scope, secrets="outbound") == {
        "Authorization": f"Bearer {TOKEN}",
        "list": ["other-secret-1", 3],
    }
    assert render_value(value, scope, secrets="masked") == {
        "Authorization": f"Bearer {SECRET_MASK}",
        "list": [SECRET_MASK, 3],
    }


def test_the_mode_applies_to_one_call_only(scope):
    assert render_template("{{ env.TOKEN }}", scope, secrets="outbound") == TOKEN
    with pytest.raises(ExpressionError, match="the secret TOKEN"):
        render_template("{{ env.TOKEN }}", scope)
    with pytest.raises(ValueError, match="unknown secret mode"):
        render_template("{{ env.TOKEN }}", scope, secrets="clear")  # type: ignore[arg-type]


def test_the_env_object_holds_opaque_values(scope):
    secret = scope["env"]["TOKEN"]
    assert isinstance(secret, SecretValue)
    assert repr(secret) == "<secret TOKEN>"
    for reveal in (str, lambda s: f"{s}", pickle.dumps, lambda s: s + "", len, list, bool):
        with pytest.raises(ExpressionError, match="the secret TOKEN"):
            reveal(secret)
    # Names are not secret: listing them, or asking whether one exists, is fine.
    assert render_template("{{ env | list }}", scope) == ["TOKEN", "OTHER"]
    assert render_template("{{ 'TOKEN' in env }}", scope) is True
