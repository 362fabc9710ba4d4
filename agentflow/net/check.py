"""Resolve once and check: may this URL be contacted, and at which addresses.

`check_url` is the whole decision. The returned `ResolvedTarget.addresses` are
the only addresses a guarded connection will use (see `transport.py`); calling
`check_url` alone and then connecting with another client re-resolves the name
and is open to DNS rebinding, so send through `GuardedClient`/`GuardedTransport`.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from agentflow.net.addresses import (
    IPAddress,
    classify,
    is_local_name,
    is_metadata_host,
    is_metadata_ip,
    normalize_hostname,
    parse_ip_literal,
)
from agentflow.net.errors import BlockedAddressError, InvalidOutboundRequest, OutboundHTTPError
from agentflow.net.policy import OutboundPolicy

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""``async (host, port) -> [ip, ...]``; the default runs getaddrinfo in a worker thread."""

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 8192
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\\]")


@dataclass(frozen=True)
class ResolvedTarget:
    url: str
    scheme: str
    host: str  # as sent in Host and TLS SNI: lowercase, IDNA-encoded, no brackets
    port: int
    addresses: tuple[IPAddress, ...]  # every one checked; connect only to these

    @property
    def address(self) -> IPAddress:
        return self.addresses[0]


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)]


def _check_scheme(scheme: str) -> None:
    if scheme.lower() not in DEFAULT_PORTS:
        raise InvalidOutboundRequest(f"Only http and https URLs are allowed, not {scheme!r}")


def check_ip(
    host: str, ip: IPAddress, port: int, policy: OutboundPolicy, *, host_allowed: bool
) -> None:
    """Raise BlockedAddressError unless `ip` is public or admitted by the allowlist."""
    if is_metadata_ip(ip):
        raise BlockedAddressError(
            f"Refused to connect to {host}: cloud metadata address",
            host=host,
            reason="metadata",
            address=str(ip),
        )
    reason = classify(ip)
    if reason is None or host_allowed or policy.allows_ip(ip, port):
        return
    raise BlockedAddressError(
        f"Refused to connect to {host}: {reason.replace('_', ' ')} address",
        host=host,
        reason=reason,
        address=str(ip),
    )


def _precheck_literal(host: str, port: int, policy: OutboundPolicy) -> None:
    """Refuse numeric hosts other URL parsers or resolvers would read as a blocked IP."""
    candidates = {host, host[:-1]} if host.endswith(".") else {host}
    for candidate in candidates:
        ip = parse_ip_literal(candidate)
        if ip is not None:
            check_ip(host, ip, port, policy, host_allowed=False)


def parse_url(url: str, policy: OutboundPolicy) -> httpx.URL:
    """Syntax checks of a URL string, plus the address check of numeric hosts.

    Numeric hosts are checked on the raw text as well, so that ``http://0177.0.0.1/``
    (which httpx rejects but curl or another library would send to 127.0.0.1) is
    reported as a blocked address rather than as a merely malformed URL.
    """
    if not isinstance(url, str) or not url:
        raise InvalidOutboundRequest("URL must be a non-empty string")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidOutboundRequest("URL is too long")
    if _FORBIDDEN.search(url):
        raise InvalidOutboundRequest("URL contains whitespace, control characters or '\\'")
    try:
        split = urlsplit(url)
        split_port = split.port
    except ValueError as exc:
        raise InvalidOutboundRequest("Malformed URL") from exc
    _check_scheme(split.scheme)
    if "@" in split.netloc:
        raise InvalidOutboundRequest("Credentials in URLs are not allowed; use headers")
    default_port = DEFAULT_PORTS[split.scheme.lower()]
    _precheck_literal(split.hostname or "", split_port or default_port, policy)
    try:
        return httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidOutboundRequest(f"Malformed URL: {exc}") from exc


async def _resolve(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
    try:
        answers = await resolver(host, port)
    except socket.gaierror as exc:
        transient = exc.errno == socket.EAI_AGAIN
        raise OutboundHTTPError(f"Could not resolve {host}", retryable=transient) from exc
    except (OSError, UnicodeError) as exc:
        raise OutboundHTTPError(f"Could not resolve {host}", retryable=False) from exc
    addresses: list[IPAddress] = []
    for answer in answers:
        ip = parse_ip_literal(answer)
        if ip is None:
            raise OutboundHTTPError(f"Resolver gave a non-address for {host}", retryable=False)
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise OutboundHTTPError(f"{host} has no addresses", retryable=False)
    return addresses


async def check_parsed_url(
    url: httpx.URL, policy: OutboundPolicy, *, resolver: Resolver | None = None
) -> ResolvedTarget:
    """Resolve `url`'s host once and check every address; raise if any is refused."""
    scheme = url.scheme.lower()
    _check_scheme(scheme)
    if url.userinfo:
        raise InvalidOutboundRequest("Credentials in URLs are not allowed; use headers")
    host = url.raw_host.decode("ascii").lower()
    if not host:
        raise InvalidOutboundRequest("URL has no host")
    port = url.port or DEFAULT_PORTS[scheme]
    name = normalize_hostname(host)
    if is_metadata_host(name):
        raise BlockedAddressError(
            f"Refused to connect to {host}: cloud metadata host", host=host, reason="metadata"
        )
    _precheck_literal(host, port, policy)
    literal = parse_ip_literal(host)
    if literal is not None:
        if "%" in host:
            raise InvalidOutboundRequest("IPv6 zone identifiers are not allowed")
        addresses = [literal]
        host_allowed = False
    else:
        host_allowed = policy.allows_name(name, port)
        if is_local_name(name) and not host_allowed:
            raise BlockedAddressError(
                f"Refused to connect to {host}: loopback name", host=host, reason="loopback"
            )
        addresses = await _resolve(host, port, resolver or system_resolver)
    for ip in addresses:
        check_ip(host, ip, port, policy, host_allowed=host_allowed)
    return ResolvedTarget(str(url), scheme, host, port, tuple(addresses))


async def check_url(
    url: str, policy: OutboundPolicy, *, resolver: Resolver | None = None
) -> ResolvedTarget:
    """Full check of a URL string (e.g. an LLM ``api_base``) without sending anything."""
    return await check_parsed_url(parse_url(url, policy), policy, resolver=resolver)
