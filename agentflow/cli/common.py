"""Helpers shared by the CLI commands."""

from __future__ import annotations

import time
from collections.abc import Callable

import click
import httpx

from agentflow.devservices import ServiceError
from agentflow.devservices.resolve import ServiceUrls, resolve_service_urls
from agentflow.settings import Settings, UnsafeSettingsError, get_settings, resolve_secret_key


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
