"""What every page state needs: the service URLs of this web process."""

from __future__ import annotations

from agentflow.settings import get_settings


def database_url() -> str:
    url = get_settings().database_url
    if not url:
        raise RuntimeError(
            "DATABASE_URL is not set for the web process: start it with agentflow up"
        )
    return url


def redis_url() -> str:
    url = get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL is not set for the web process: start it with agentflow up")
    return url
