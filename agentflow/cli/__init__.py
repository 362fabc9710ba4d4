"""The ``agentflow`` command."""

from __future__ import annotations

import click

from agentflow import __version__
from agentflow.cli.bench import bench
from agentflow.cli.bench_ui import bench_ui
from agentflow.cli.doctor import doctor
from agentflow.cli.processes import migrate, up, web, worker
from agentflow.cli.run import run_command
from agentflow.cli.runs import runs, submit
from agentflow.cli.services import services


@click.group(
    help="AgentFlow: design, run and watch AI agent workflows.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
def cli() -> None:
    pass


@cli.command(help="Print the AgentFlow version.")
def version() -> None:
    click.echo(f"agentflow {__version__}")


bench.add_command(bench_ui)

for command in (up, web, worker, migrate, services, doctor, run_command, submit, runs, bench):
    cli.add_command(command)


def main() -> None:
    cli()
