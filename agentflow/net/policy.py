"""What an organisation's outbound requests may do: allowlist, limits, timeouts."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network

import httpx

from agentflow.net.addresses import (
    IPAddress,
    is_metadata_host,
    is_metadata_ip,
    normalize_hostname,
    parse_ip_literal,
    unmap,
)

IPNetwork = IPv4Network | IPv6Network

_BRACKETED = re.compile(r"\[([^\]]+)\](?::(\d+))?")
_URL_DELIMS = re.compile(r"[/?#@:\[\]%\\\s]")
_HOSTNAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")

DEFAULT_SENSITIVE_HEADERS: tuple[str, ...] = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-api-key",
    "api-key",
)


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"invalid port {text!r}")
    return int(text)


def _hostname(text: str) -> str:
    """Normalise a hostname exactly as URL hosts are normalised (lowercase, IDNA)."""
    if _URL_DELIMS.search(text):
        raise ValueError(f"invalid host {text!r}")
    try:
        raw = httpx.URL(f"http://{text}/").raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise ValueError(f"invalid host {text!r}") from exc
    if not _HOSTNAME.fullmatch(raw):
        raise ValueError(f"invalid host {text!r}")
    return normalize_hostname(raw)


@dataclass(frozen=True)
class AllowRule:
    """One allowlist entry: a hostname, or an IP network; optionally one port.

    Written ``host``, ``host:port``, ``10.0.0.5``, ``10.0.0.5:8080``, ``10.0.0.0/8``,
    ``10.0.0.0/8:443``, ``fd00::/8``, ``[fd00::1]:8080`` or ``[fd00::/8]:8080``.
    Numeric forms (``127.1``, ``2130706433``) are read as addresses, never as names.
    """

    host: str | None = None
    network: IPNetwork | None = None
    port: int | None = None

    @classmethod
    def parse(cls, text: str) -> AllowRule:
        text = text.strip()
        if not text:
            raise ValueError("empty allowlist entry")
        port: int | None = None
        bracketed = _BRACKETED.fullmatch(text)
        if bracketed:
            text = bracketed.group(1)
            port = _port(bracketed.group(2)) if bracketed.group(2) else None
        elif text.count(":") == 1:
            text, port_text = text.split(":")
            port = _port(port_text)
        if "/" in text:
            try:
                return cls(network=ipaddress.ip_network(text, strict=False), port=port)
            except ValueError as exc:
                raise ValueError(f"invalid network {text!r}") from exc
        ip = parse_ip_literal(text)
        if ip is not None:
            if is_metadata_ip(ip):
                raise ValueError(f"{text!r} is a cloud metadata address and cannot be allowed")
            return cls(network=ipaddress.ip_network(unmap(ip)), port=port)
        name = _hostname(text)
        if is_metadata_host(name):
            raise ValueError(f"{text!r} is a cloud metadata host and cannot be allowed")
        return cls(host=name, port=port)

    def _port_ok(self, port: int) -> bool:
        return self.port is None or self.port == port

    def matches_name(self, name: str, port: int) -> bool:
        return self.host is not None and self.host == name and self._port_ok(port)

    def matches_ip(self, ip: IPAddress, port: int) -> bool:
        if self.network is None or not self._port_ok(port):
            return False
        plain = unmap(ip)
        return plain.version == self.network.version and plain in self.network


@dataclass(frozen=True)
class OutboundPolicy:
    """Limits for one organisation's outbound requests.

    `allow_hosts` admits destinations that would otherwise be refused as
    private/loopback/link-local...; cloud metadata addresses and hosts are
    refused even when a rule covers them.
    """

    allow_hosts: Sequence[str] = ()  # stored as a tuple
    max_redirects: int = 5
    max_response_bytes: int = 10 * 1024 * 1024
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    total_timeout_s: float = 60.0
    user_agent: str = "AgentFlow"
    sensitive_headers: Sequence[str] = DEFAULT_SENSITIVE_HEADERS  # dropped across origins
    rules: tuple[AllowRule, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.allow_hosts, str) or isinstance(self.sensitive_headers, str):
            raise TypeError("allow_hosts and sensitive_headers are sequences of strings")
        object.__setattr__(self, "allow_hosts", tuple(self.allow_hosts))
        object.__setattr__(self, "rules", tuple(AllowRule.parse(h) for h in self.allow_hosts))
        lowered = tuple(h.lower() for h in self.sensitive_headers)
        object.__setattr__(self, "sensitive_headers", lowered)
        if self.max_redirects < 0:
            raise ValueError("max_redirects must be >= 0")
        if self.max_response_bytes < 0:
            raise ValueError("max_response_bytes must be >= 0")
        for name in ("connect_timeout_s", "read_timeout_s", "total_timeout_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0")

    def allows_name(self, name: str, port: int) -> bool:
        name = normalize_hostname(name)
        return any(rule.matches_name(name, port) for rule in self.rules)

    def allows_ip(self, ip: IPAddress, port: int) -> bool:
        return any(rule.matches_ip(ip, port) for rule in self.rules)
