from __future__ import annotations

import stat
from pathlib import Path

import pytest

from agentflow.settings import (
    Environment,
    Settings,
    UnsafeSettingsError,
    resolve_secret_key,
)


def make(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["", "changeme", "secret", "  ", "short-but-not-default"])
def test_production_refuses_missing_default_or_short_keys(tmp_path: Path, key: str) -> None:
    settings = make(tmp_path, env=Environment.PRODUCTION, secret_key=key)
    with pytest.raises(UnsafeSettingsError) as caught:
        resolve_secret_key(settings)
    assert "AGENTFLOW_SECRET_KEY" in caught.value.message
    assert "export AGENTFLOW_SECRET_KEY=" in caught.value.message
    assert not (tmp_path / "secret_key").exists()


def test_production_accepts_a_strong_key(tmp_path: Path) -> None:
    key = "k" * 24 + "0123456789abcdef"
    settings = make(tmp_path, env=Environment.PRODUCTION, secret_key=key)
    assert resolve_secret_key(settings) == key


def test_development_generates_a_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = resolve_secret_key(make(tmp_path))
    second = resolve_secret_key(make(tmp_path))
    assert first == second
    assert len(first) >= 32
    stored = tmp_path / "secret_key"
    assert stored.read_text().strip() == first
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600


def test_database_and_redis_urls_use_their_conventional_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/agentflow")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example/0")
    settings = Settings()
    assert settings.database_url == "postgresql://db.example/agentflow"
    assert settings.redis_url == "redis://cache.example/0"
    assert not settings.uses_embedded_services


def test_production_mode_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTFLOW_ENV", "production")
    assert Settings().is_production
