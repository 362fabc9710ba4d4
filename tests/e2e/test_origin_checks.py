"""Cookie-carrying channels of the running app refuse other sites' pages (CSRF)."""

from __future__ import annotations

import base64
import os
import socket
from urllib.parse import urlsplit

import httpx

from tests.e2e.conftest import Account

EVIL = "http://evil.example"


def _websocket_handshake(app_url: str, origin: str, account: Account) -> str:
    """The status line and body start of the page-event websocket's opening handshake,
    made the way a browser makes it (with its Origin and the session cookie)."""
    url = urlsplit(app_url)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: {url.netloc}\r\n"
        "Connection: Upgrade\r\nUpgrade: websocket\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\n"
        f"Cookie: agentflow_session={account.session_token}\r\n\r\n"
    )
    with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
        conn.sendall(request.encode())
        return conn.recv(4096).decode(errors="replace")


def test_the_event_socket_refuses_a_foreign_origin(app_url: str, account: Account) -> None:
    foreign = _websocket_handshake(app_url, EVIL, account)
    assert foreign.startswith("HTTP/1.1 403"), foreign
    own = _websocket_handshake(app_url, app_url, account)
    assert own.startswith("HTTP/1.1 101"), own


def test_auth_forms_refuse_a_foreign_origin(app_url: str, account: Account) -> None:
    response = httpx.post(
        f"{app_url}/auth/logout",
        headers={"Origin": EVIL},
        cookies={"agentflow_session": account.session_token},
        follow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "csrf"
