"""Configured servers are used as they are; embedded ones start only when needed."""

from __future__ import annotations

from pathlib import Path

from agentflow.devservices import EmbeddedServices
from agentflow.devservices.resolve import resolve_service_urls, stop_started
from agentflow.settings import Settings


def test_configured_urls_start_nothing(tmp_path: Path, database_url: str, redis_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, redis_url=redis_url)
    urls = resolve_service_urls(settings)
    assert (urls.database_url, urls.redis_url, urls.started) == (database_url, redis_url, [])
    assert not (tmp_path / "postgres").exists()
    assert not (tmp_path / "valkey").exists()


def test_embedded_servers_start_once_and_only_what_was_started_stops(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=None, redis_url=None)
    embedded = EmbeddedServices(tmp_path)
    first = resolve_service_urls(settings)
    try:
        assert first.started == ["postgres", "valkey"]
        second = resolve_service_urls(settings)
        assert second.started == []  # found running: a second `up` must not own them
        assert (second.database_url, second.redis_url) == (first.database_url, first.redis_url)
        stop_started(settings, second)
        assert embedded.postgres.is_running() and embedded.valkey.is_running()
        stop_started(settings, first)
        assert not embedded.postgres.is_running() and not embedded.valkey.is_running()
    finally:
        embedded.stop()
