"""Helpers shared by the CLI commands."""

from __future__ import annotations

import click

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
