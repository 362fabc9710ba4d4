"""``agentflow doctor``: what is missing on this machine, and how to fix it."""

from __future__ import annotations

import asyncio
import shutil
import sys
from dataclasses import dataclass

import click

from agentflow.devservices.node import REQUIRED_MAJOR, find_node, major
from agentflow.settings import Settings, UnsafeSettingsError, get_settings, resolve_secret_key

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 11)
    return Check("python", ok, version, "" if ok else "install Python 3.11 or newer")


def check_node() -> Check:
    node, version = find_node()
    ok = major(version) >= REQUIRED_MAJOR
    fix = "" if ok else "run `make run` or `make test` (they install Node 22 into .tools/node)"
    return Check("node", ok, f"{version or 'not found'} ({node or '-'})", fix)


def check_chromium() -> Check:
    found = next((path for path in CHROMIUM_PATHS if shutil.which(path)), None)
    fix = "" if found else "apt-get install -y chromium (needed by the end-to-end tests)"
    return Check("chromium", found is not None, found or "not found", fix)


def check_secret(settings: Settings) -> Check:
    try:
        resolve_secret_key(settings)
    except UnsafeSettingsError as exc:
        return Check("secret key", False, "unsafe", exc.message)
    return Check("secret key", True, f"set ({settings.env.value})")


def _service_urls(settings: Settings) -> tuple[str | None, str | None, str]:
    """Configured URLs, else the embedded ones (doctor never starts anything)."""
    from agentflow.devservices import EmbeddedServices

    embedded = EmbeddedServices(settings.data_dir)
    database_url = settings.database_url or (
        embedded.postgres.url() if embedded.postgres.is_running() else None
    )
    redis_url = settings.redis_url or (
        embedded.valkey.url() if embedded.valkey.is_running() else None
    )
    return database_url, redis_url, "start them with `agentflow services up` or `make run`"


def check_services(settings: Settings) -> list[Check]:
    from agentflow.db.migrate import pending_revisions
    from agentflow.services.system.health import check_health

    database_url, redis_url, hint = _service_urls(settings)
    health = asyncio.run(
        check_health(
            database_url=database_url,
            redis_url=redis_url,
            heartbeat_ttl_s=settings.worker_heartbeat_ttl_s,
        )
    )
    checks = [
        Check("database", health.database.ok, health.database.detail, hint),
        Check("redis", health.redis.ok, health.redis.detail, hint),
        Check("workers", health.workers.ok, health.workers.detail, "start `agentflow worker`"),
    ]
    if health.database.ok and database_url:
        pending = pending_revisions(database_url)
        detail = "up to date" if not pending else f"{len(pending)} pending"
        checks.append(Check("migrations", not pending, detail, "run `agentflow migrate`"))
    return checks


@click.command(
    help="Check Python, Node 22, Chromium, the secret key, PostgreSQL, Redis, workers and "
    "migrations; say what is missing and how to fix it. Exits 1 when something is missing."
)
def doctor() -> None:
    settings = get_settings()
    checks = [check_python(), check_node(), check_chromium(), check_secret(settings)]
    checks += check_services(settings)
    for check in checks:
        mark = (
            click.style(f"{'ok':<8}", fg="green") if check.ok else click.style("MISSING ", fg="red")
        )
        click.echo(f"{mark} {check.name:<11} {check.detail}")
        if not check.ok and check.fix:
            click.echo(f"{'':<9}{'':<11} fix: {check.fix}")
    if not all(check.ok for check in checks):
        raise SystemExit(1)
