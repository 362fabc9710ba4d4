"""Real HTTP(S) servers on 127.0.0.x (stdlib http.server in a thread) for the client tests."""

from __future__ import annotations

import gzip
import json
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.hits.append(Hit(self.command, self.path, headers, body))
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        route = url.path
        if route == "/ok":
            self._send(200, b"hello", {"Content-Type": "text/plain; charset=utf-8"})
        elif route == "/json":
            self._send(200, b'{"ok": true}', {"Content-Type": "application/json"})
        elif route == "/status":
            self._send(int(query["code"]), b"status")
        elif route == "/redirect":
            self._send(int(query.get("code", "302")), headers={"Location": query["to"]})
        elif route == "/loop":
            self._send(302, headers={"Location": "/loop"})
        elif route == "/cookie":
            self._send(200, b"", {"Set-Cookie": "session=secret; Path=/"})
        elif route == "/big":
            self._big(int(query["n"]), chunked=query.get("chunked") == "1")
        elif route == "/bomb":
            bomb = gzip.compress(b"\0" * int(query["n"]))
            self._send(200, bomb, {"Content-Encoding": "gzip"})
        elif route == "/slow":
            time.sleep(float(query["s"]))
            self._send(200, b"late")
        elif route == "/echo":
            echo = {"method": self.command, "path": self.path, "headers": headers}
            echo["body"] = body.decode("latin-1")
            self._send(200, json.dumps(echo).encode(), {"Content-Type": "application/json"})
        else:
            self._send(404, b"not found")

    def _big(self, n: int, *, chunked: bool) -> None:
        if not chunked:
            self._send(200, b"x" * n)
            return
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, n, 65536):
            size = min(65536, n - start)
            self.wfile.write(b"%x\r\n%s\r\n" % (size, b"x" * size))
        self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    hits: list[Hit]

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-response are part of the tests


class LocalServer:
    def __init__(self, host: str, port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.hits = []
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.host = host
        self.port = self._server.server_address[1]
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def hits(self) -> list[Hit]:
        return self._server.hits

    def url(self, path: str = "/ok") -> str:
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer("127.0.0.1")
    yield srv
    srv.close()


@pytest.fixture
def other_server() -> Iterator[LocalServer]:
    """A second loopback server, on another port, that tests do not allow."""
    srv = LocalServer("127.0.0.1")
    yield srv
    srv.close()


@pytest.fixture
def canary(server: LocalServer) -> Iterator[LocalServer]:
    """A server on 127.0.0.2 at the same port as `server`: it must never be reached."""
    try:
        srv = LocalServer("127.0.0.2", server.port)
    except OSError as exc:
        pytest.skip(f"cannot bind 127.0.0.2: {exc}")
    yield srv
    srv.close()


@pytest.fixture
def free_port() -> int:
    """A loopback port with nothing listening."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the name pinned.test only."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=pinned.test",
            "-addext",
            "subjectAltName=DNS:pinned.test",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(tls_files: tuple[Path, Path]) -> Iterator[LocalServer]:
    cert, key = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    srv = LocalServer("127.0.0.1", tls=context)
    yield srv
    srv.close()
