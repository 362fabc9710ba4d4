"""``agentflow up|web|worker|migrate``: the processes that make up a deployment."""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

import click

from agentflow.cli.common import (
    child_environment,
    load_settings,
    service_urls,
    wait_until_answering,
)
from agentflow.cli.supervisor import Supervisor
from agentflow.devservices.node import web_environment
from agentflow.devservices.resolve import stop_started
from agentflow.settings import PROJECT_ROOT, Settings, get_settings

# The first start installs the frontend's npm packages and builds it.
WEB_READY_TIMEOUT_S = 900


def web_argv(settings: Settings) -> list[str]:
    # Production build served by the backend on one port: what users deploy, and
    # what the end-to-end tests drive.
    return [
        sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port",
        "--backend-host", settings.web_host, "--backend-port", str(settings.web_port),
    ]  # fmt: skip


def prepare_database(database_url: str) -> None:
    """Migrations, then the official templates (both idempotent)."""
    from agentflow.db.migrate import upgrade
    from agentflow.services.templates.official import load_official_templates

    upgrade(database_url)
    click.echo("database is up to date")
    click.echo(load_official_templates(database_url).summary())


@click.command(help="Run database migrations (alembic upgrade head) and load official templates.")
def migrate() -> None:
    settings = load_settings()
    urls = service_urls(settings)
    prepare_database(urls.database_url)


@click.command(help="Run an arq worker that executes queued runs (start as many as you like).")
def worker() -> None:
    from jobs.worker import run

    settings = load_settings()
    urls = service_urls(settings)
    os.environ.update(child_environment(urls))
    get_settings.cache_clear()  # read DATABASE_URL / REDIS_URL as just resolved
    run(urls.redis_url)


@click.command(help="Run the web app (UI and API) on AGENTFLOW_WEB_HOST:AGENTFLOW_WEB_PORT.")
def web() -> None:
    settings = load_settings()
    urls = service_urls(settings)
    env = web_environment({**os.environ, **child_environment(urls)})
    os.chdir(PROJECT_ROOT)
    os.execve(sys.executable, web_argv(settings), env)  # noqa: S606 - replaces this process


# The worker outlives Redis and PostgreSQL outages by itself; if its process dies all
# the same (a crash, OOM, kill -9), `up` starts it again rather than stopping it all.
RESTARTABLE = frozenset({"worker"})


def _say(message: str) -> None:
    click.echo(message, err=True)


def _start_up_failure(supervisor: Supervisor) -> str | None:
    ended = supervisor.tend(RESTARTABLE, _say)
    return None if ended is None else f"{ended[0]} exited with code {ended[1]} during start-up"


@click.command(
    help="Start everything: embedded PostgreSQL and Valkey (unless DATABASE_URL/REDIS_URL "
    "are set), migrations, one worker (restarted if it dies) and the web app. Ctrl-C stops "
    "it all."
)
def up() -> None:
    settings = load_settings()
    urls = service_urls(settings)
    click.echo(f"database  {urls.database_url}")
    click.echo(f"redis     {urls.redis_url}")
    prepare_database(urls.database_url)

    env = {**os.environ, **child_environment(urls)}
    supervisor = Supervisor()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Installed explicitly: a process started in the background by a script inherits
    # SIGINT as ignored, and Ctrl-C must still stop everything.
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    exit_code = 0
    try:
        supervisor.start("worker", [sys.executable, "-m", "agentflow.cli", "worker"], env, ".")
        supervisor.start("web", web_argv(settings), web_environment(env), str(PROJECT_ROOT))
        click.echo("building and starting the web app (the first start takes a few minutes)")
        wait_until_answering(
            settings.base_url,
            timeout_s=WEB_READY_TIMEOUT_S,
            exited=lambda: _start_up_failure(supervisor),
        )
        click.secho(f"AgentFlow is running at {settings.base_url}  (Ctrl-C to stop)", bold=True)
        ended = supervisor.watch(RESTARTABLE, _say)
        click.echo(f"{ended[0]} exited with code {ended[1]}; stopping the rest", err=True)
        exit_code = 1
    except KeyboardInterrupt:
        click.echo("\nstopping")
    finally:
        supervisor.stop_all()
        stop_started(settings, urls)
    raise SystemExit(exit_code)
