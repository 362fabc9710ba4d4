"""http: a real server on 127.0.0.1, the guarded client, statuses and credentials."""

from __future__ import annotations

import pytest

from agentflow.engine.errors import NodeError
from tests.unit.engine_nodes.conftest import make_ctx, make_deps, run_node

ALLOWED = make_deps(allow_hosts=("127.0.0.1",))


async def test_loopback_is_blocked_without_an_allowlist(http_base):
    with pytest.raises(NodeError) as caught:
        await run_node("http", {"url": f"{http_base}/json"}, make_ctx())
    assert caught.value.type == "blocked_address"
    assert not caught.value.retryable


async def test_an_allowed_host_answers_with_parsed_json(http_base):
    ctx = make_ctx({"q": "printer", "tag": "x"}, deps=ALLOWED)
    config = {
        "url": http_base + "/echo/{{ input.q }}",
        "headers": {"X-Ticket": "{{ input.q }}", "X-Count": "{{ 3 }}"},
        "query": {"search": "{{ input.q }}", "tags": ["{{ input.tag }}", "y"], "skip": None},
    }
    output = await run_node("http", config, ctx)
    assert output["status"] == 200
    assert output["headers"]["content-type"].startswith("application/json")
    echo = output["body"]
    assert echo["method"] == "GET"
    assert echo["path"] == "/echo/printer"
    assert echo["query"] == {"search": ["printer"], "tags": ["x", "y"]}
    assert echo["headers"]["x-ticket"] == "printer"
    assert echo["headers"]["x-count"] == "3"
    assert ctx.resolved_input["url"] == f"{http_base}/echo/printer"


async def test_a_text_response_stays_text(http_base):
    output = await run_node("http", {"url": f"{http_base}/text"}, make_ctx(deps=ALLOWED))
    assert output["body"] == "plain hello"


async def test_json_and_text_bodies(http_base):
    ctx = make_ctx({"n": 4}, deps=ALLOWED)
    config = {"method": "POST", "url": f"{http_base}/echo", "body": {"n": "{{ input.n }}"}}
    echo = (await run_node("http", config, ctx))["body"]
    assert echo["headers"]["content-type"] == "application/json"
    assert echo["body"] == '{"n":4}'
    config = {"method": "{{ 'put' }}", "url": f"{http_base}/echo", "body": "n={{ input.n }}"}
    echo = (await run_node("http", config, ctx))["body"]
    assert echo["method"] == "PUT"
    assert echo["headers"]["content-type"] == "text/plain; charset=utf-8"
    assert echo["body"] == "n=4"


async def test_404_fails_without_retry(http_base):
    with pytest.raises(NodeError) as caught:
        await run_node("http", {"url": f"{http_base}/status/404"}, make_ctx(deps=ALLOWED))
    assert caught.value.type == "http.status"
    assert not caught.value.retryable
    assert caught.value.message == f"GET {http_base}/status/404 returned 404: status 404 body"


@pytest.mark.parametrize("status", [503, 429, 408])
async def test_408_429_and_5xx_are_retryable(http_base, status):
    with pytest.raises(NodeError) as caught:
        await run_node("http", {"url": f"{http_base}/status/{status}"}, make_ctx(deps=ALLOWED))
    assert caught.value.type == "http.status"
    assert caught.value.retryable
    assert f"returned {status}" in caught.value.message


async def test_the_config_timeout_limits_the_request(http_base):
    config = {"url": f"{http_base}/slow", "timeout_s": 0.3}
    with pytest.raises(NodeError) as caught:
        await run_node("http", config, make_ctx(deps=ALLOWED))
    assert caught.value.type == "timeout"
    assert caught.value.retryable


async def test_a_credential_is_sent_as_a_bearer_token_and_not_recorded(http_base):
    deps = make_deps(allow_hosts=("127.0.0.1",), secrets={"crm": "tok-123456"})
    ctx = make_ctx(deps=deps)
    config = {
        "url": f"{http_base}/echo",
        "credential": "crm",
        "headers": {"authorization": "Basic nope"},
    }
    echo = (await run_node("http", config, ctx))["body"]
    assert echo["headers"]["authorization"] == "Bearer tok-123456"
    assert "tok-123456" not in repr(ctx.resolved_input)


async def test_an_unknown_credential_is_a_validation_error(http_base):
    config = {"url": f"{http_base}/echo", "credential": "missing"}
    with pytest.raises(NodeError) as caught:
        await run_node("http", config, make_ctx(deps=ALLOWED))
    assert (caught.value.type, caught.value.message) == (
        "validation",
        "credential 'missing' is not defined",
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"url": "{{ input.n }}"}, "url must be a string, got int"),
        ({"url": "http://x", "method": "{{ 'BREW' }}"}, "unknown HTTP method 'BREW'"),
        ({"url": "http://x", "headers": "{{ input.n }}"}, "headers must be an object, got int"),
        ({"url": "http://x", "headers": {"a": "{{ [1] }}"}}, "headers 'a' must be a string"),
    ],
)
async def test_rendered_values_of_the_wrong_shape(config, message):
    with pytest.raises(NodeError) as caught:
        await run_node("http", config, make_ctx({"n": 1}, deps=ALLOWED))
    assert caught.value.type == "validation"
    assert caught.value.message.startswith(message)


async def test_a_url_the_client_refuses_maps_under_http(http_base):
    with pytest.raises(NodeError) as caught:
        await run_node("http", {"url": "{{ 'ftp://example.com/x' }}"}, make_ctx(deps=ALLOWED))
    assert caught.value.type.startswith("http.")
    assert not caught.value.retryable
