"""Every official template installs and runs end to end (LLM steps through litellm's
mock_response), and loading them at start-up is idempotent and versioned."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from agentflow.db.engine import session_scope
from agentflow.db.templates import Template, TemplateVersion
from agentflow.services.runs import gate as run_gate
from agentflow.services.runs.lifecycle import create_run, decide_approval, describe_run, execute_run
from agentflow.services.templates import gallery
from agentflow.services.templates.official import load_official_templates, read_official_templates
from agentflow.services.tenancy.secrets import secrets_for_run
from agentflow.services.workflows import management as workflows
from agentflow.settings import Settings
from agentflow.templates import OFFICIAL_DIR
from tests.integration.accounts.conftest import Person
from tests.integration.conftest import LocalServer, age_run
from tests.integration.templates.schema_replies import (
    SHAPES,
    TEXT_REPLY,
    Shape,
    schema_reply,
)

OFFICIAL = {template.slug: template for template in read_official_templates()}
VISIBLE = sorted(slug for slug, t in OFFICIAL.items() if not t.metadata.requires_node_types)


@dataclass
class Scenario:
    """How one template is exercised: input changes, canned LLM replies by node id,
    secrets (``{base}`` is the local server), approvals to give, and checks."""

    mocks: dict[str, str]
    input: Callable[[str], dict[str, Any]] | None = None
    secrets: dict[str, str] = field(default_factory=dict)
    approve: dict[str, bool] = field(default_factory=dict)
    check: Callable[[dict[str, Any], LocalServer], None] = lambda run, server: None


def steps(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["node"]: step for step in run["steps"]}


def _triage(run: dict[str, Any], server: LocalServer) -> None:
    by_node = steps(run)
    assert by_node["close_spam"]["status"] == "skipped"
    assert by_node["send"]["output"]["status"] == "replied"
    assert by_node["send"]["output"]["reply"].startswith("Hello Dana")
    assert by_node["hand_over"]["status"] == "skipped"


def _notes(run: dict[str, Any], server: LocalServer) -> None:
    assert "- [ ] Write release notes (Li, due Friday)" in run["output"]["markdown"]
    assert "- Drop the legacy CSV format" in run["output"]["markdown"]


def _lead(run: dict[str, Any], server: LocalServer) -> None:
    assert run["output"]["company_name"] == "Example Inc"
    assert server.hits["/crm"] == 1 and server.hits["/site"] == 1


def _digest(run: dict[str, Any], server: LocalServer) -> None:
    assert run["output"] == "- Release 2.0 is out"
    assert server.hits["/feed"] == 1 and server.hits["/chat"] == 1


def _pr(run: dict[str, Any], server: LocalServer) -> None:
    assert steps(run)["ignore"]["status"] == "skipped"
    assert server.hits["/diff"] == 1 and server.hits["/comments"] == 1
    # The credential went out as a bearer token on both calls.
    assert all(h.get("Authorization") == "Bearer ghp_test_token_1" for h in server.headers_seen)


def _moderation(run: dict[str, Any], server: LocalServer) -> None:
    by_node = steps(run)
    assert by_node["publish_reviewed"]["output"] == {"decision": "published", "by": "mod"}
    assert by_node["publish"]["status"] == by_node["remove"]["status"] == "skipped"


def _research(run: dict[str, Any], server: LocalServer) -> None:
    assert [f["answer"] for f in run["output"]["findings"]] == ["About costs", "About skills"]
    assert run["output"]["brief"] == "Probably not."


def _invoice(run: dict[str, Any], server: LocalServer) -> None:
    by_node = steps(run)
    assert by_node["extracted"]["output"]["invoice"]["total"] == 105.0
    assert by_node["needs_review"]["status"] == "skipped"


def _relay(run: dict[str, Any], server: LocalServer) -> None:
    assert run["output"]["forwarded"]["amount"] == 42.0
    assert run["output"]["forwarded"]["contact"] == "kim@example.com"
    assert run["output"]["status"] == 200 and server.hits["/relay"] == 1


def _feedback(run: dict[str, Any], server: LocalServer) -> None:
    assert run["output"]["counts"] == {"total": 3, "positive": 2, "neutral": 0, "negative": 1}
    assert run["output"]["report"] == "Mostly happy."


SENTIMENT = (
    "{% if 'frustrating' in item %}"
    '{"sentiment": "negative", "topic": "exports"}'
    '{% else %}{"sentiment": "positive", "topic": "product"}{% endif %}'
)
SCENARIOS: dict[str, Scenario] = {
    "support-ticket-triage": Scenario(
        mocks={
            "classify": '{"category": "billing", "urgency": "high", "summary": "Double charge"}',
            "draft": "Hello Dana, we have refunded the duplicate payment.",
        },
        approve={"review": True},
        check=_triage,
    ),
    "meeting-notes-summariser": Scenario(
        mocks={
            "summarise": json.dumps(
                {
                    "summary": "Export ships Monday.",
                    "decisions": ["Drop the legacy CSV format"],
                    "action_items": [
                        {"owner": "Li", "task": "Write release notes", "due": "Friday"}
                    ],
                }
            )
        },
        check=_notes,
    ),
    "lead-enrichment": Scenario(
        mocks={
            "extract": '{"company_name": "Example Inc", "industry": "Software", '
            '"employee_estimate": 40, "products": ["Widgets"], "summary": "Makes widgets."}'
        },
        input=lambda base: {"email": "jo@example.com", "website": f"{base}/site"},
        secrets={"CRM_WEBHOOK_URL": "{base}/crm"},
        check=_lead,
    ),
    "daily-digest": Scenario(
        mocks={"write_digest": "- Release 2.0 is out"},
        secrets={"DIGEST_FEED_URL": "{base}/feed", "DIGEST_WEBHOOK_URL": "{base}/chat"},
        check=_digest,
    ),
    "pr-review-assistant": Scenario(
        mocks={"review": "Looks good; add a test for the retry."},
        input=lambda base: {
            "action": "opened",
            "pull_request": {
                "title": "Add retry",
                "body": None,
                "diff_url": f"{base}/diff",
                "comments_url": f"{base}/comments",
            },
        },
        secrets={"GITHUB_TOKEN": "ghp_test_token_1"},
        check=_pr,
    ),
    "content-moderation": Scenario(
        mocks={"screen": '{"verdict": "unsure", "categories": [], "reason": "sarcasm?"}'},
        approve={"escalate": True},
        check=_moderation,
    ),
    "research-assistant": Scenario(
        mocks={
            "plan": '{"sub_questions": ["What does it cost?", "What skills are needed?"]}',
            "answer": "{{ 'About costs' if index == 0 else 'About skills' }}",
            "synthesise": "Probably not.",
        },
        check=_research,
    ),
    "invoice-extraction": Scenario(
        mocks={
            "extract": json.dumps(
                {
                    "vendor": "ACME Supplies Ltd",
                    "invoice_number": "INV-2041",
                    "issue_date": "2026-03-02",
                    "due_date": None,
                    "currency": "EUR",
                    "line_items": [
                        {"description": "Paper", "quantity": 2, "unit_price": 12.5, "amount": 25},
                        {"description": "Toner", "quantity": 1, "unit_price": 80, "amount": 80},
                    ],
                    "total": 105.0,
                }
            )
        },
        check=_invoice,
    ),
    "webhook-relay": Scenario(mocks={}, secrets={"RELAY_TARGET_URL": "{base}/relay"}, check=_relay),
    "customer-feedback-report": Scenario(
        mocks={"classify": SENTIMENT, "report": "Mostly happy."}, check=_feedback
    ),
}


def with_mocks(graph: dict[str, Any], mocks: dict[str, str]) -> list[str]:
    """Give each LLM node its canned reply (bodies included); returns the models seen."""
    models = []
    for node in graph.get("nodes") or []:
        config = node.get("config") or {}
        if node["type"] == "llm":
            config["mock_response"] = mocks[node["id"]]
            models.append(config["model"])
        if isinstance(config.get("subflow"), dict):
            models += with_mocks(config["subflow"], mocks)
    return models


def test_every_visible_official_template_has_a_scenario() -> None:
    assert len(VISIBLE) >= 10
    assert sorted(SCENARIOS) == VISIBLE


async def install_and_run(
    slug: str,
    db: str,
    person: Person,
    settings: Settings,
    local_server: LocalServer,
    mocks: Callable[[dict[str, Any]], dict[str, str]],
    approve: Callable[[str], bool],
) -> dict[str, Any]:
    """Install ``slug`` with its scenario's secrets, give its LLM nodes ``mocks(document)``,
    run it with its scenario's input, answer each approval it waits on with
    ``approve(node)``, and return the finished run as the run page describes it."""
    scenario = SCENARIOS[slug]
    actor = person.actor()
    summary = next(s for s in gallery.list_templates(db, actor) if s.name == OFFICIAL[slug].name)
    assert sorted(summary.secrets) == sorted(scenario.secrets)
    values = {
        name: value.format(base=local_server.base) for name, value in scenario.secrets.items()
    }
    installed = gallery.install_template(
        db, actor, uuid.UUID(summary.id), {"secrets": values}, settings=settings
    )
    assert installed.missing_secrets == []

    document = workflows.get_draft(db, installed.workflow_id, org_id=person.org_id)
    assert all("position" in node for node in document["nodes"])  # laid out for the builder
    models = with_mocks(document, mocks(document))
    assert set(models) <= {"openai/gpt-4o-mini"}  # `default` became the configured model
    run_input = scenario.input(local_server.base) if scenario.input else None
    run_input = run_input or OFFICIAL[slug].metadata.example_input
    run_gate.require_secrets(db, person.org_id, document)  # nothing missing: no error
    run_id = create_run(db, document, run_input, org_id=person.org_id)
    options: dict[str, Any] = {
        "org_id": person.org_id,
        "secrets": secrets_for_run(db, person.org_id, settings=settings),
        "allow_hosts": (f"127.0.0.1:{local_server.port}",),
    }
    outcome = await execute_run(db, run_id, **options)
    while outcome.status == "waiting":
        waiting = [node for node, step in outcome.steps.items() if step.status == "waiting"]
        assert waiting, "the run waits but no step does"
        # The approver answers later than the run's own deadline (but within the
        # approval's timeout): waiting for a person does not count against the deadline.
        age_run(db, run_id, document.get("settings", {}).get("timeout_s", 3600) + 60, waiting=True)
        for node in waiting:
            answer = approve(node)
            decide_approval(db, run_id, node, approved=answer, by="mod", org_id=person.org_id)
        outcome = await execute_run(db, run_id, **options)
    return describe_run(db, run_id, org_id=person.org_id)


def failure_of(run: dict[str, Any]) -> Any:
    return run["error"] or [(s["node"], s["error"]) for s in run["steps"] if s["error"]]


@pytest.mark.parametrize("slug", VISIBLE)
async def test_an_official_template_installs_and_runs(
    slug: str, db: str, ana: Person, settings: Settings, local_server: LocalServer
) -> None:
    scenario = SCENARIOS[slug]
    asked: list[str] = []

    def approve(node: str) -> bool:
        asked.append(node)
        return scenario.approve[node]

    run = await install_and_run(
        slug, db, ana, settings, local_server, lambda _: scenario.mocks, approve
    )
    assert asked == list(scenario.approve)
    assert run["status"] == "succeeded", failure_of(run)
    scenario.check(run, local_server)


def schema_mocks(graph: dict[str, Any], shape: Shape) -> dict[str, str]:
    """A reply of ``shape`` for every LLM node of ``graph`` (bodies included): the
    smallest its ``json_schema`` accepts, ``{}`` for JSON without one, else text."""
    mocks: dict[str, str] = {}
    for node in graph.get("nodes") or []:
        config = node.get("config") or {}
        if node["type"] == "llm":
            schema = config.get("json_schema")
            if config.get("response_format") != "json":
                mocks[node["id"]] = TEXT_REPLY
            else:
                mocks[node["id"]] = json.dumps(schema_reply(schema, shape) if schema else {})
        if isinstance(config.get("subflow"), dict):
            mocks.update(schema_mocks(config["subflow"], shape))
    return mocks


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("slug", VISIBLE)
async def test_an_official_template_succeeds_on_any_reply_that_fits_its_schemas(
    slug: str, shape: Shape, db: str, ana: Person, settings: Settings, local_server: LocalServer
) -> None:
    """Replies that leave out optional fields and give nulls (sparse), also give empty
    lists (empty), or fill every field (full). Approvals are refused on the full run
    and granted on the others, so both ways out of each approval are taken."""
    run = await install_and_run(
        slug,
        db,
        ana,
        settings,
        local_server,
        lambda document: schema_mocks(document, shape),
        lambda node: shape != "full",
    )
    assert run["status"] == "succeeded", failure_of(run)


def _counts(db: str) -> tuple[int, int]:
    with session_scope(db) as session:
        templates = session.execute(select(func.count()).select_from(Template)).scalar_one()
        versions = session.execute(select(func.count()).select_from(TemplateVersion)).scalar_one()
        return templates, versions


def test_loading_again_changes_nothing_and_a_newer_version_adds_one(
    db: str, tmp_path: Path
) -> None:
    assert _counts(db) == (len(OFFICIAL), len(OFFICIAL))
    report = load_official_templates(db)
    assert report.added == report.updated == [] and len(report.unchanged) == len(OFFICIAL)
    assert _counts(db) == (len(OFFICIAL), len(OFFICIAL))

    folder = tmp_path / "official"
    shutil.copytree(OFFICIAL_DIR, folder)
    path = folder / "meeting-notes-summariser.yaml"
    raw = yaml.safe_load(path.read_text())
    newer = raw["template"]["version"] + 1
    raw["template"]["version"] = newer
    raw["template"]["changelog"] = "Shorter summaries"
    raw["name"] = "Meeting notes summariser (v2)"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    report = load_official_templates(db, folder)
    assert report.updated == ["meeting-notes-summariser"] and report.added == []
    assert _counts(db) == (len(OFFICIAL), len(OFFICIAL) + 1)
    with session_scope(db) as session:
        row = session.execute(
            select(Template).where(Template.slug == "meeting-notes-summariser")  # type: ignore[arg-type]
        ).scalar_one()
        assert (row.name, row.latest_version) == ("Meeting notes summariser (v2)", newer)
    # The older file (version 1) does not take it back.
    assert load_official_templates(db).updated == []
