"""``agentflow submit`` and ``agentflow runs ...``: runs on the worker pool."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from agentflow.cli.common import load_settings, operator, service_urls
from agentflow.cli.run import parse_input, read_document, report_invalid
from agentflow.devservices.resolve import ServiceUrls

T = TypeVar("T")


def _urls() -> ServiceUrls:
    from agentflow.db.migrate import upgrade

    urls = service_urls(load_settings())
    upgrade(urls.database_url)
    return urls


def _with_queue(urls: ServiceUrls, action: Callable[[Any], Awaitable[T]]) -> T:
    from agentflow.queue import connect

    async def go() -> T:
        queue = await connect(urls.redis_url)
        try:
            return await action(queue)
        finally:
            await queue.aclose()

    return asyncio.run(go())


ORG_HELP = (
    "Act in the organisation with this slug (its runs show in that organisation's web "
    "pages). Default: the local workspace, which only the CLI sees."
)


def org_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--org", "org_slug", envvar="AGENTFLOW_ORG", metavar="SLUG", help=ORG_HELP)(
        command
    )


def _org_id(urls: ServiceUrls, slug: str | None) -> uuid.UUID:
    """The organisation to act in. The CLI talks to the database directly, so it has
    an operator's reach (like psql): no role applies."""
    from agentflow.db.models import LOCAL_ORG_ID
    from agentflow.services.tenancy.organizations import org_id_by_slug

    if not slug:
        return LOCAL_ORG_ID
    org_id = org_id_by_slug(urls.database_url, slug)
    if org_id is None:
        raise click.BadParameter(f"no organisation has the slug {slug!r}", param_hint="--org")
    return org_id


def _group_org(urls: ServiceUrls) -> uuid.UUID:
    options = click.get_current_context().find_object(RunsOptions)
    return _org_id(urls, options.org_slug if options else None)


class RunsOptions:
    def __init__(self, org_slug: str | None) -> None:
        self.org_slug = org_slug


def _run_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a run id") from None


def _known_errors() -> tuple[type[Exception], ...]:
    from agentflow.services.runs.dispatch import RunNotRerunnable
    from agentflow.services.runs.lifecycle import RunNotFound, StepNotWaiting

    return (RunNotFound, StepNotWaiting, RunNotRerunnable)


@click.command(
    help="Validate FILE, store a run and queue it for the worker pool; prints the run id. "
    "Exits 2 when the document or input is invalid."
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--input", "input_text", metavar="JSON", help="The run input, as JSON.")
@org_option
def submit(file: Path, input_text: str | None, org_slug: str | None) -> None:
    from agentflow.services.governance.budgets import BudgetExceeded
    from agentflow.services.runs.dispatch import start_run
    from agentflow.services.runs.lifecycle import InvalidRunRequest

    raw = read_document(file, as_json=False)
    run_input = parse_input(input_text, as_json=False)
    urls = _urls()
    org_id = _org_id(urls, org_slug)
    try:
        run_id = _with_queue(
            urls,
            lambda queue: start_run(
                urls.database_url,
                queue,
                raw,
                run_input,
                actor=operator(org_id),
                trigger="cli",
                details={"of": file.name},
            ),
        )
    except InvalidRunRequest as exc:
        report_invalid(exc.problems, as_json=False)
    except BudgetExceeded as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(str(run_id))


@click.group(help="List, inspect, cancel, approve, reject and rerun stored runs.")
@org_option
@click.pass_context
def runs(ctx: click.Context, org_slug: str | None) -> None:
    ctx.obj = RunsOptions(org_slug)


@runs.command("list", help="The latest runs, newest first.")
@click.option("--status", help="Only runs with this status.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 500))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(status: str | None, limit: int, as_json: bool) -> None:
    from agentflow.services.runs.queries import RunFilter, query_runs

    try:
        filters = RunFilter(status=status, page_size=limit)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--status") from None
    urls = _urls()
    rows = query_runs(urls.database_url, filters, org_id=_group_org(urls)).rows
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        click.echo("no runs yet: start one with `agentflow submit FILE`")
        return
    for row in rows:
        click.echo(
            f"{row['run_id']}  {row['status']:<10} {row['created_at']:%Y-%m-%d %H:%M:%S}  "
            f"${row['cost_usd']:.4f}  {row['workflow']}"
        )


@runs.command("show", help="A run's status, steps and output (the format's run object).")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print the run object as JSON.")
@click.option("--follow", is_flag=True, help="Print events live until the run ends.")
@click.option("--after", default=0, type=int, help="With --follow: resume after this event id.")
def show(run_id: str, as_json: bool, follow: bool, after: int) -> None:
    from agentflow.services.runs.events import follow as follow_events
    from agentflow.services.runs.lifecycle import describe_run

    urls = _urls()
    run_uuid = _run_id(run_id)
    org_id = _group_org(urls)
    try:
        if follow:

            async def stream() -> None:
                async for event in follow_events(
                    urls.database_url, urls.redis_url, run_uuid, after=after, org_id=org_id
                ):
                    if as_json:
                        click.echo(json.dumps(event))
                    else:
                        where = event["node"] or "run"
                        click.echo(
                            f"#{event['id']:<6} {event['at']}  {where:<20} {event['status']}"
                        )

            asyncio.run(stream())
            return
        view = describe_run(urls.database_url, run_uuid, org_id=org_id)
    except _known_errors() as exc:
        raise click.ClickException(exc.message) from exc  # type: ignore[attr-defined]
    if as_json:
        click.echo(json.dumps(view, indent=2, default=str))
        return
    click.echo(f"run {view['run_id']}  {view['status']}  ${view['cost_usd']:.6f}")
    for step in view["steps"]:
        error = f"  {step['error']['type']}: {step['error']['message']}" if step["error"] else ""
        click.echo(f"  {step['node']:<24} {step['status']:<10} x{step['attempts']}{error}")
    if view["status"] == "succeeded":
        click.echo(json.dumps(view["output"], indent=2, default=str))


@runs.command(help="Cancel a queued, running or waiting run.")
@click.argument("run_id")
def cancel(run_id: str) -> None:
    from agentflow.services.runs.dispatch import cancel_run

    urls = _urls()
    org_id = _group_org(urls)
    try:
        state = asyncio.run(cancel_run(urls.database_url, _run_id(run_id), actor=operator(org_id)))
    except _known_errors() as exc:
        raise click.ClickException(exc.message) from exc  # type: ignore[attr-defined]
    click.echo(state)


def _decide(run_id: str, node: str, approved: bool, comment: str | None, by: str) -> None:
    from agentflow.services.runs.dispatch import decide

    urls = _urls()
    org_id = _group_org(urls)
    try:
        _with_queue(
            urls,
            lambda queue: decide(
                urls.database_url, queue, _run_id(run_id), node,
                actor=operator(org_id), approved=approved, by=by, comment=comment,
            ),
        )  # fmt: skip
    except _known_errors() as exc:
        raise click.ClickException(exc.message) from exc  # type: ignore[attr-defined]
    click.echo("approved" if approved else "rejected")


@runs.command(help="Approve the waiting approval step NODE of a run.")
@click.argument("run_id")
@click.argument("node")
@click.option("--comment", help="Why.")
@click.option("--by", default="cli", show_default=True, help="Who decided.")
def approve(run_id: str, node: str, comment: str | None, by: str) -> None:
    _decide(run_id, node, True, comment, by)


@runs.command(help="Reject the waiting approval step NODE of a run.")
@click.argument("run_id")
@click.argument("node")
@click.option("--comment", help="Why.")
@click.option("--by", default="cli", show_default=True, help="Who decided.")
def reject(run_id: str, node: str, comment: str | None, by: str) -> None:
    _decide(run_id, node, False, comment, by)


@runs.command(
    help="Start a new run that reuses every recorded step upstream of --from NODE (no LLM or "
    "HTTP call upstream is made again); NODE and what follows run again. Prints the new id."
)
@click.argument("run_id")
@click.option("--from", "node", required=True, help="The node to run again from.")
@click.option("--input", "input_text", metavar="JSON", help="A changed run input, as JSON.")
def rerun(run_id: str, node: str, input_text: str | None) -> None:
    from agentflow.services.governance.budgets import BudgetExceeded
    from agentflow.services.runs.dispatch import rerun_from
    from agentflow.services.runs.lifecycle import InvalidRunRequest

    new_input = parse_input(input_text, as_json=False) if input_text is not None else None
    urls = _urls()
    org_id = _group_org(urls)
    try:
        new_run = _with_queue(
            urls,
            lambda queue: rerun_from(
                urls.database_url,
                queue,
                _run_id(run_id),
                node,
                actor=operator(org_id),
                new_input=new_input,
            ),
        )
    except InvalidRunRequest as exc:
        report_invalid(exc.problems, as_json=False)
    except BudgetExceeded as exc:
        raise click.ClickException(exc.message) from exc
    except _known_errors() as exc:
        raise click.ClickException(exc.message) from exc  # type: ignore[attr-defined]
    click.echo(str(new_run))
