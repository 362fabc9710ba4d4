"""Helpers shared by the CLI commands."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import click
import httpx

from agentflow.devservices import ServiceError
from agentflow.devservices.resolve import ServiceUrls, resolve_service_urls
from agentflow.settings import Settings, UnsafeSettingsError, get_settings, resolve_secret_key

if TYPE_CHECKING:
    from agentflow.services.tenancy.permissions import Actor


def load_settings() -> Settings:
    """Settings, refusing an unsafe configuration with its own explanation."""
    settings = get_settings()
    try:
        resolve_secret_key(settings)
    except UnsafeSettingsError as exc:
        raise click.ClickException(exc.message) from exc
    return settings


def service_urls(settings: Settings) -> ServiceUrls:
    try:
        return resolve_service_urls(settings)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc


def operator(org_id: uuid.UUID) -> Actor:
    """Who the CLI acts as: AgentFlow's operator. It talks to the database directly
    (like psql), so it is a system actor with every permission, and the audit trail
    names it by the operating-system account."""
    import getpass

    from agentflow.services.tenancy.permissions import SystemSource, system_actor

    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # a container user with no passwd entry
        who = "unknown"
    return system_actor(org_id, SystemSource.CLI, f"cli ({who})")


def child_environment(urls: ServiceUrls) -> dict[str, str]:
    """What child processes need to find the same PostgreSQL and Redis."""
    return {"DATABASE_URL": urls.database_url, "REDIS_URL": urls.redis_url}


def wait_until_answering(url: str, *, timeout_s: float, exited: Callable[[], str | None]) -> None:
    """Poll ``url/api/health`` until the app answers (200, or 503 while it warms up).

    ``exited`` returns why the process behind it stopped (then waiting is pointless),
    or None while it still runs.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (reason := exited()) is not None:
            raise click.ClickException(reason)
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code in (200, 503):
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise click.ClickException(f"the web app did not answer at {url} in time")
