"""What every page state needs: the service URLs of this web process."""

from __future__ import annotations

from collections.abc import Sequence

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


def toggled(options: Sequence[str], chosen: list[str], item: str, checked: bool) -> list[str]:
    """A checkbox group's choice after one box changed, in the options' order.

    An item that is not one of the options changes nothing.
    """
    if item not in options:
        return [option for option in options if option in chosen]
    rest = set(chosen) - {item}
    return [option for option in options if option in rest or (checked and option == item)]
