"""``agentflow services up|down|status``: the embedded PostgreSQL and Valkey."""

from __future__ import annotations

import click

from agentflow.cli.common import load_settings
from agentflow.devservices import EmbeddedServices, ServiceError


def _embedded() -> EmbeddedServices:
    return EmbeddedServices(load_settings().data_dir)


@click.group(help="Manage the embedded PostgreSQL (with pgvector) and Valkey servers.")
def services() -> None:
    pass


@services.command(
    "up",
    help="Start both servers in the background (data kept in the data folder) and print "
    'their URLs as export lines, e.g. eval "$(agentflow services up)".',
)
def services_up() -> None:
    try:
        database_url, redis_url = _embedded().start()
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"export DATABASE_URL={database_url}")
    click.echo(f"export REDIS_URL={redis_url}")


@services.command("down", help="Stop both embedded servers; their data is kept.")
def services_down() -> None:
    try:
        _embedded().stop()
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo("embedded PostgreSQL and Valkey stopped")


@services.command("status", help="Say whether each embedded server runs, and its URL.")
def services_status() -> None:
    embedded = _embedded()
    for name, server, url in (
        ("postgres", embedded.postgres, embedded.postgres.url()),
        ("valkey", embedded.valkey, embedded.valkey.url()),
    ):
        state = "running" if server.is_running() else "stopped"
        click.echo(f"{name:<9}{state:<9}{url}")
