"""The guarded outbound HTTP client: every request AgentFlow sends leaves through here.

    async with GuardedClient(OutboundPolicy(allow_hosts=org.allow_hosts)) as client:
        response = await client.request("GET", url)

See `check.py` for the address decision, `transport.py` for IP pinning and
`client.py` for redirects, limits and timeouts.
"""

from agentflow.net.addresses import classify, is_metadata_host, is_metadata_ip, parse_ip_literal
from agentflow.net.check import ResolvedTarget, Resolver, check_url, system_resolver
from agentflow.net.client import GuardedClient, GuardedResponse
from agentflow.net.errors import (
    BlockedAddressError,
    InvalidOutboundRequest,
    OutboundError,
    OutboundHTTPError,
    OutboundTimeout,
    ResponseTooLarge,
    TooManyRedirects,
    is_retryable_status,
)
from agentflow.net.policy import AllowRule, OutboundPolicy
from agentflow.net.transport import GuardedTransport

__all__ = [
    "AllowRule",
    "BlockedAddressError",
    "GuardedClient",
    "GuardedResponse",
    "GuardedTransport",
    "InvalidOutboundRequest",
    "OutboundError",
    "OutboundHTTPError",
    "OutboundPolicy",
    "OutboundTimeout",
    "ResolvedTarget",
    "Resolver",
    "ResponseTooLarge",
    "TooManyRedirects",
    "check_url",
    "classify",
    "is_metadata_host",
    "is_metadata_ip",
    "is_retryable_status",
    "parse_ip_literal",
    "system_resolver",
]
