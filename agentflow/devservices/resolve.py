"""Which PostgreSQL and Redis to use: the configured ones, else the embedded ones."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentflow.devservices import EmbeddedServices
from agentflow.settings import Settings


@dataclass
class ServiceUrls:
    database_url: str
    redis_url: str
    # The embedded services this call started (as opposed to found running or configured).
    started: list[str] = field(default_factory=list)


def resolve_service_urls(settings: Settings) -> ServiceUrls:
    """Use DATABASE_URL / REDIS_URL when set; otherwise start the embedded servers."""
    embedded = EmbeddedServices(settings.data_dir)
    started: list[str] = []
    database_url = settings.database_url
    if not database_url:
        was_running = embedded.postgres.is_running()
        database_url = embedded.postgres.start()
        if not was_running:
            started.append("postgres")
    redis_url = settings.redis_url
    if not redis_url:
        was_running = embedded.valkey.is_running()
        redis_url = embedded.valkey.start()
        if not was_running:
            started.append("valkey")
    return ServiceUrls(database_url, redis_url, started)


def stop_started(settings: Settings, urls: ServiceUrls) -> None:
    embedded = EmbeddedServices(settings.data_dir)
    if "valkey" in urls.started:
        embedded.valkey.stop()
    if "postgres" in urls.started:
        embedded.postgres.stop()
