"""``agentflow run FILE``: validate, store and execute a workflow document here and now."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any, NoReturn

import click

from agentflow.cli.common import load_settings, operator, service_urls
from agentflow.cli.live_view import LiveView
from agentflow.db.models import LOCAL_ORG_ID
from agentflow.devservices.resolve import stop_started
from agentflow.spec.errors import DocumentError, SpecError
from agentflow.spec.loading import load_raw
from agentflow.spec.models import MAX_DOCUMENT_BYTES
from agentflow.spec.problems import Problem

# Environment variables that provide ``env.NAME`` to CLI runs until org secrets exist
# in the database: AGENTFLOW_SECRET_OPENAI_KEY becomes env.OPENAI_KEY.
SECRET_PREFIX = "AGENTFLOW_SECRET_"  # noqa: S105 - a variable-name prefix, not a secret


def secrets_from_environment() -> dict[str, str]:
    return {
        name.removeprefix(SECRET_PREFIX): value
        for name, value in os.environ.items()
        if name.startswith(SECRET_PREFIX) and value
    }


def report_invalid(problems: list[Problem], as_json: bool) -> NoReturn:
    if as_json:
        errors = [problem.to_dict() for problem in problems]
        click.echo(json.dumps({"status": "invalid", "errors": errors}, indent=2))
    else:
        click.echo(click.style("invalid workflow or input:", fg="red", bold=True), err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
    raise SystemExit(2)


def read_document(path: Path, as_json: bool) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            source = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        report_invalid(
            [Problem.at_field("document", f"cannot read {path}: {exc.strerror}")], as_json
        )
    try:
        return load_raw(source)
    except DocumentError as exc:
        report_invalid(exc.problems, as_json)
    except SpecError as exc:
        report_invalid([Problem.at_field("document", exc.message)], as_json)


def parse_input(text: str | None, as_json: bool) -> Any:
    if text is None:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        report_invalid([Problem.at_field("input", f"--input is not valid JSON: {exc}")], as_json)


@click.command(
    "run",
    help="Validate FILE (an agentflow/v1 document, JSON or YAML), store a run and execute it "
    "in this process. Prints each step live, or with --json one run object. Exits 0 when "
    "the run succeeded, 1 when it ended otherwise, 2 when the document or input is invalid. "
    f"Environment variables {SECRET_PREFIX}NAME provide {{{{ env.NAME }}}}.",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--input", "input_text", metavar="JSON", help="The run input, as JSON.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead.")
def run_command(file: Path, input_text: str | None, as_json: bool) -> None:
    from agentflow.db.migrate import upgrade
    from agentflow.services.governance.budgets import BudgetExceeded
    from agentflow.services.runs.dispatch import store_run
    from agentflow.services.runs.lifecycle import InvalidRunRequest, describe_run, execute_run

    raw = read_document(file, as_json)
    run_input = parse_input(input_text, as_json)
    settings = load_settings()
    urls = service_urls(settings)
    try:
        upgrade(urls.database_url)
        try:
            run_id = store_run(
                urls.database_url,
                raw,
                run_input,
                actor=operator(LOCAL_ORG_ID),
                trigger="cli",
                details={"of": file.name},
                org_secrets=False,
            )
        except InvalidRunRequest as exc:
            report_invalid(exc.problems, as_json)
        except BudgetExceeded as exc:
            raise click.ClickException(exc.message) from exc
        observer = None if as_json else LiveView()
        outcome = asyncio.run(
            execute_run(
                urls.database_url,
                run_id,
                secrets=secrets_from_environment(),
                allow_hosts=settings.allowed_outbound_hosts,
                observer=observer,
                org_id=LOCAL_ORG_ID,
            )
        )
        if as_json:
            click.echo(
                json.dumps(
                    describe_run(urls.database_url, run_id, org_id=LOCAL_ORG_ID),
                    indent=2,
                    default=str,
                )
            )
        elif outcome.status == "succeeded":
            click.echo(json.dumps(outcome.output, indent=2, default=str))
    finally:
        # Embedded servers this command had to start are not left running behind it.
        stop_started(settings, urls)
    raise SystemExit(0 if outcome.status == "succeeded" else 1)
