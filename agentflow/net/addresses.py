"""IP literal parsing and classification of addresses an outbound request may not reach.

`parse_ip_literal` reads a host the way the C library does (``inet_aton`` rules for
IPv4, so ``2130706433``, ``0x7f.1``, ``0177.0.0.1`` and ``127.1`` all mean 127.0.0.1;
``inet_pton`` rules for IPv6). `classify` returns why an address is refused, or None.
The tables are explicit on purpose: `ipaddress.is_private` changed between patch
releases of Python, and we want one answer everywhere.
"""

from __future__ import annotations

import ipaddress
import re
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

IPAddress = IPv4Address | IPv6Address

_V4_TABLE: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(net), reason)
    for net, reason in (
        ("0.0.0.0/32", "unspecified"),
        ("0.0.0.0/8", "this_network"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "cgnat"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link_local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "ietf_protocol"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "reserved"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmark"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("255.255.255.255/32", "broadcast"),
        ("240.0.0.0/4", "reserved"),
    )
)

# Checked after the IPv4-embedding forms below; more specific prefixes first.
_V6_TABLE: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(net), reason)
    for net, reason in (
        ("100::/64", "discard"),
        ("64:ff9b:1::/48", "nat64_local"),
        ("2001::/32", "teredo"),
        ("2001:2::/48", "benchmark"),
        ("2001:db8::/32", "documentation"),
        ("2001::/23", "ietf_protocol"),
        ("3fff::/20", "documentation"),
        ("fc00::/7", "unique_local"),
        ("fe80::/10", "link_local"),
        ("fec0::/10", "site_local"),
        ("ff00::/8", "multicast"),
    )
)

_GLOBAL_UNICAST = IPv6Network("2000::/3")
_MAPPED = IPv6Network("::ffff:0:0/96")
_COMPATIBLE = IPv6Network("::/96")
_NAT64 = IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = IPv6Network("2002::/16")

METADATA_IPS: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle...
        "169.254.170.2",  # AWS ECS task credentials
        "169.254.170.23",  # AWS EKS pod identity agent
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure WireServer (a public address, reachable only in Azure)
        "192.0.0.192",  # Oracle Cloud (classic)
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::23",  # AWS EKS pod identity agent over IPv6
    )
)

METADATA_HOSTS: frozenset[str] = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
    }
)

_V4_PART = re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")
# Largest value of the last part, by number of parts (inet_aton).
_V4_LAST_MAX = {1: 0xFFFFFFFF, 2: 0xFFFFFF, 3: 0xFFFF, 4: 0xFF}


def parse_ipv4_aton(text: str) -> IPv4Address | None:
    """Parse like glibc's inet_aton (exact form, used by getaddrinfo)."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        if not _V4_PART.fullmatch(part):
            return None
        if part[:2] in ("0x", "0X"):
            values.append(int(part[2:], 16))
        elif part.startswith("0"):
            values.append(int(part, 8))
        else:
            values.append(int(part))
    *head, last = values
    if any(v > 0xFF for v in head) or last > _V4_LAST_MAX[len(values)]:
        return None
    number = 0
    for v in head:
        number = (number << 8) | v
    number = (number << (8 * (4 - len(head)))) | last
    return IPv4Address(number)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host string denotes without DNS, or None if it is a name.

    Agrees with ``getaddrinfo(host, flags=AI_NUMERICHOST)``; in addition URL forms
    are accepted: brackets and an IPv6 zone written ``%25eth0`` (the zone is kept
    on the returned address).
    """
    text = host
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        text = text.replace("%25", "%", 1)
        try:
            return IPv6Address(text)
        except ValueError:
            return None
    return parse_ipv4_aton(text)


def embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address carried by a mapped, compatible, NAT64 or 6to4 IPv6 address."""
    plain = IPv6Address(int(ip))
    if plain in _MAPPED or plain in _COMPATIBLE or plain in _NAT64:
        return IPv4Address(int(plain) & 0xFFFFFFFF)
    if plain in _SIX_TO_FOUR:
        return IPv4Address((int(plain) >> 80) & 0xFFFFFFFF)
    return None


def unmap(ip: IPAddress) -> IPAddress:
    """`ip` without IPv6 zone, and IPv4-mapped IPv6 (::ffff:a.b.c.d) as plain IPv4."""
    if isinstance(ip, IPv4Address):
        return ip
    plain = IPv6Address(int(ip))
    mapped = plain.ipv4_mapped
    return mapped if mapped is not None else plain


def is_metadata_ip(ip: IPAddress) -> bool:
    if isinstance(ip, IPv6Address):
        plain = IPv6Address(int(ip))
        if plain in METADATA_IPS:
            return True
        v4 = embedded_ipv4(plain)
        return v4 is not None and v4 in METADATA_IPS
    return ip in METADATA_IPS


def normalize_hostname(host: str) -> str:
    host = host.strip().lower()
    return host[:-1] if host.endswith(".") else host


def is_metadata_host(host: str) -> bool:
    return normalize_hostname(host) in METADATA_HOSTS


def is_local_name(host: str) -> bool:
    """Names that always mean this machine (RFC 6761), refused without resolving."""
    name = normalize_hostname(host)
    return name == "localhost" or name.endswith(".localhost")


def classify(ip: IPAddress) -> str | None:
    """Why `ip` must not be contacted ("loopback", "private", ...), or None if public."""
    if is_metadata_ip(ip):
        return "metadata"
    if isinstance(ip, IPv4Address):
        for net, reason in _V4_TABLE:
            if ip in net:
                return reason
        return None
    plain = IPv6Address(int(ip))  # drop any zone
    if plain == IPv6Address("::"):
        return "unspecified"
    if plain == IPv6Address("::1"):
        return "loopback"
    v4 = embedded_ipv4(plain)
    if v4 is not None:
        inner = classify(v4)
        if inner is not None:
            return inner
        return "ipv4_compatible" if plain in _COMPATIBLE else None
    for net6, reason in _V6_TABLE:
        if plain in net6:
            return reason
    if plain not in _GLOBAL_UNICAST:
        return "reserved"
    return None
