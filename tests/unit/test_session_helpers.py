"""Where sign-in may send people back to, and which origins count as this site."""

from __future__ import annotations

import pytest

from agentflow.settings import Settings
from state.session import safe_next, session_token


@pytest.mark.parametrize(
    ("asked", "kept"),
    [
        ("/workflows/abc", "/workflows/abc"),
        ("/executions?status=failed", "/executions?status=failed"),
        ("", "/"),
        ("workflows", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/login?next=/x", "/"),
        ("/signup", "/"),
        ("/a\nSet-Cookie: x=1", "/"),
    ],
)
def test_safe_next_keeps_only_same_site_paths(asked: str, kept: str) -> None:
    assert safe_next(asked) == kept


def test_session_token_from_a_cookie_header() -> None:
    assert session_token("a=1; agentflow_session=tok-en; b=2") == "tok-en"
    assert session_token("") == ""
    assert session_token('broken="') == ""


def test_trusted_origins() -> None:
    local = Settings(web_host="127.0.0.1", web_port=8477)
    assert local.trusted_origins == ("http://127.0.0.1:8477", "http://localhost:8477")
    public = Settings(web_host="0.0.0.0", web_port=8477, public_url="https://flows.example.com/")
    assert public.trusted_origins == ("https://flows.example.com",)
