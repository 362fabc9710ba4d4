"""Stored workflows: list, create, import, drafts, rename, duplicate, delete, export,
publish, and the organisation boundary."""

from __future__ import annotations

import json
import uuid

import pytest
import yaml

from agentflow.db.engine import session_scope
from agentflow.db.models import LOCAL_ORG_ID, Organization
from agentflow.db.runs import Run, WorkflowVersion
from agentflow.errors import InvalidInput
from agentflow.services.workflows import management as svc
from tests.integration.conftest import workflow

GOOD = workflow(
    [{"id": "hello", "type": "template", "config": {"template": "hi {{ input.who }}"}}],
    [("start", "hello")],
)


def add_runs(database_url: str, workflow_id: uuid.UUID, statuses: list[str]) -> None:
    with session_scope(database_url) as session:
        for status in statuses:
            session.add(
                Run(
                    org_id=LOCAL_ORG_ID,
                    workflow_id=workflow_id,
                    document=GOOD,
                    status=status,
                )
            )


def test_create_list_search_and_filter(clean_db: str) -> None:
    blank = svc.create_workflow(
        clean_db, "  Ticket   triage ", description="routes tickets", org_id=LOCAL_ORG_ID
    )
    imported = svc.import_workflow(
        clean_db, yaml.safe_dump({**GOOD, "name": "Digest"}), org_id=LOCAL_ORG_ID
    )
    svc.publish(clean_db, imported, message="v1", org_id=LOCAL_ORG_ID)
    listed = {w.name: w for w in svc.list_workflows(clean_db, org_id=LOCAL_ORG_ID)}
    assert set(listed) == {"Ticket triage", "Digest"}
    assert (listed["Ticket triage"].status, listed["Ticket triage"].node_count) == ("draft", 1)
    assert (listed["Digest"].status, listed["Digest"].latest_version) == ("published", 1)
    assert [
        w.name for w in svc.list_workflows(clean_db, search="TICKETS", org_id=LOCAL_ORG_ID)
    ] == ["Ticket triage"]
    assert [
        w.name for w in svc.list_workflows(clean_db, status="published", org_id=LOCAL_ORG_ID)
    ] == ["Digest"]
    assert [w.name for w in svc.list_workflows(clean_db, status="draft", org_id=LOCAL_ORG_ID)] == [
        "Ticket triage"
    ]
    assert svc.get_draft(clean_db, blank, org_id=LOCAL_ORG_ID)["nodes"][0]["type"] == "trigger"


def test_last_run_and_success_rate_of_the_last_fifty(clean_db: str) -> None:
    workflow_id = svc.create_workflow(clean_db, "Busy", org_id=LOCAL_ORG_ID)
    add_runs(clean_db, workflow_id, ["failed"] * 10)  # older than the window below
    add_runs(clean_db, workflow_id, ["succeeded"] * 40 + ["failed"] * 10)
    add_runs(clean_db, workflow_id, ["running"])
    summary = svc.list_workflows(clean_db, org_id=LOCAL_ORG_ID)[0]
    assert summary.last_run_status == "running"
    # The last 50 runs: 1 running (not finished), then 10 failed and 39 succeeded.
    assert summary.success_rate == pytest.approx(39 / 49)
    never_run = svc.create_workflow(clean_db, "Quiet", org_id=LOCAL_ORG_ID)
    quiet = next(
        w for w in svc.list_workflows(clean_db, org_id=LOCAL_ORG_ID) if w.id == str(never_run)
    )
    assert (quiet.last_run_at, quiet.success_rate) == (None, None)


def test_an_invalid_file_is_refused_whole_with_every_problem(clean_db: str) -> None:
    broken = {**GOOD, "nodes": [*GOOD["nodes"], {"id": "x", "type": "nope", "config": {}}]}
    with pytest.raises(svc.InvalidWorkflow) as caught:
        svc.import_workflow(clean_db, json.dumps(broken), org_id=LOCAL_ORG_ID)
    assert any(problem.node == "x" for problem in caught.value.problems)
    with pytest.raises(svc.InvalidWorkflow):
        svc.import_workflow(clean_db, "{not json: [", org_id=LOCAL_ORG_ID)
    assert svc.list_workflows(clean_db, org_id=LOCAL_ORG_ID) == []


def test_drafts_may_be_unfinished_but_only_valid_drafts_publish(clean_db: str) -> None:
    workflow_id = svc.create_workflow(clean_db, "Draft", org_id=LOCAL_ORG_ID)
    unfinished = {**GOOD, "edges": [{"source": "start", "target": "ghost"}]}
    problems = svc.save_draft(clean_db, workflow_id, unfinished, org_id=LOCAL_ORG_ID)
    assert any("ghost" in problem.message for problem in problems)
    assert (
        svc.get_draft(clean_db, workflow_id, org_id=LOCAL_ORG_ID)["edges"] == unfinished["edges"]
    )  # kept
    with pytest.raises(svc.InvalidWorkflow):
        svc.publish(clean_db, workflow_id, org_id=LOCAL_ORG_ID)
    assert svc.save_draft(clean_db, workflow_id, GOOD, org_id=LOCAL_ORG_ID) == []
    assert (
        svc.publish(clean_db, workflow_id, message="first", author="ana", org_id=LOCAL_ORG_ID) == 1
    )
    assert svc.publish(clean_db, workflow_id, message="second", org_id=LOCAL_ORG_ID) == 2
    with session_scope(clean_db) as session:
        versions = session.query(WorkflowVersion).order_by(WorkflowVersion.version).all()
        assert [(v.version, v.message) for v in versions] == [(1, "first"), (2, "second")]


def test_rename_duplicate_export_and_delete(clean_db: str) -> None:
    original = svc.import_workflow(
        clean_db, json.dumps({**GOOD, "name": "Original"}), org_id=LOCAL_ORG_ID
    )
    svc.rename(clean_db, original, "Renamed", org_id=LOCAL_ORG_ID)
    assert svc.get_draft(clean_db, original, org_id=LOCAL_ORG_ID)["name"] == "Renamed"
    copy = svc.duplicate(clean_db, original, org_id=LOCAL_ORG_ID)
    assert svc.get_draft(clean_db, copy, org_id=LOCAL_ORG_ID)["nodes"] == GOOD["nodes"]
    assert {w.name for w in svc.list_workflows(clean_db, org_id=LOCAL_ORG_ID)} == {
        "Renamed",
        "Copy of Renamed",
    }
    exported_yaml = yaml.safe_load(
        svc.export(clean_db, original, syntax="yaml", org_id=LOCAL_ORG_ID)
    )
    exported_json = json.loads(svc.export(clean_db, original, org_id=LOCAL_ORG_ID))
    assert exported_yaml == exported_json
    assert svc.parse_upload(json.dumps(exported_json))["name"] == "Renamed"  # round-trips
    add_runs(clean_db, original, ["succeeded"])
    svc.delete(clean_db, original, org_id=LOCAL_ORG_ID)
    assert {w.name for w in svc.list_workflows(clean_db, org_id=LOCAL_ORG_ID)} == {
        "Copy of Renamed"
    }
    with session_scope(clean_db) as session:
        kept = session.query(Run).one()
        assert kept.workflow_id is None  # runs stay on record, detached


def test_bad_names_are_refused(clean_db: str) -> None:
    with pytest.raises(svc.InvalidWorkflow):
        svc.create_workflow(clean_db, "   ", org_id=LOCAL_ORG_ID)
    with pytest.raises(svc.InvalidWorkflow):
        svc.create_workflow(clean_db, "x" * 201, org_id=LOCAL_ORG_ID)


def test_another_organisation_s_workflow_is_as_missing_as_an_unknown_one(clean_db: str) -> None:
    other_org = uuid.uuid4()
    with session_scope(clean_db) as session:
        session.add(Organization(id=other_org, name="Other", slug=f"other-{other_org.hex[:6]}"))
    theirs = svc.create_workflow(clean_db, "Theirs", org_id=other_org)
    actions = [
        lambda wid: svc.get_draft(clean_db, wid, org_id=LOCAL_ORG_ID),
        lambda wid: svc.save_draft(clean_db, wid, GOOD, org_id=LOCAL_ORG_ID),
        lambda wid: svc.rename(clean_db, wid, "mine now", org_id=LOCAL_ORG_ID),
        lambda wid: svc.duplicate(clean_db, wid, org_id=LOCAL_ORG_ID),
        lambda wid: svc.export(clean_db, wid, org_id=LOCAL_ORG_ID),
        lambda wid: svc.publish(clean_db, wid, org_id=LOCAL_ORG_ID),
        lambda wid: svc.delete(clean_db, wid, org_id=LOCAL_ORG_ID),
    ]
    for action in actions:
        for workflow_id in (theirs, uuid.uuid4()):
            with pytest.raises(svc.WorkflowNotFound) as caught:
                action(workflow_id)
            assert (
                caught.value.message
                == f"workflow '{workflow_id}' was not found in this organisation"
            )
    assert [w.name for w in svc.list_workflows(clean_db, org_id=LOCAL_ORG_ID)] == []
    assert [w.name for w in svc.list_workflows(clean_db, org_id=other_org)] == ["Theirs"]
    with session_scope(clean_db) as session:
        session.query(Organization).filter(Organization.id == other_org).delete()


def oversized() -> dict[str, object]:
    """A valid document, apart from its size: larger than drafts and imports allow."""
    return {**GOOD, "description": "x" * (2 * 1024 * 1024)}


def test_a_rename_with_a_refused_draft_changes_nothing(clean_db: str) -> None:
    workflow_id = svc.import_workflow(
        clean_db, json.dumps({**GOOD, "name": "Before"}), org_id=LOCAL_ORG_ID
    )
    for refused in (oversized(), {**GOOD, "description": "nul \x00"}):
        with pytest.raises(svc.InvalidWorkflow) as caught:
            svc.update_workflow(
                clean_db, workflow_id, name="After", document=refused, org_id=LOCAL_ORG_ID
            )
        assert [problem.field for problem in caught.value.problems] != []
    with pytest.raises(svc.InvalidWorkflow):  # and a refused name keeps the draft
        svc.update_workflow(clean_db, workflow_id, name="\x00", document=GOOD, org_id=LOCAL_ORG_ID)
    [summary] = svc.list_workflows(clean_db, org_id=LOCAL_ORG_ID)
    assert summary.name == "Before"
    assert svc.get_draft(clean_db, workflow_id, org_id=LOCAL_ORG_ID) == {**GOOD, "name": "Before"}
    assert (
        svc.update_workflow(clean_db, workflow_id, name="After", document=GOOD, org_id=LOCAL_ORG_ID)
        == []
    )
    assert svc.get_draft(clean_db, workflow_id, org_id=LOCAL_ORG_ID)["name"] == "After"
    assert svc.list_workflows(clean_db, org_id=LOCAL_ORG_ID)[0].name == "After"


def test_what_cannot_be_stored_is_refused_naming_the_field(clean_db: str) -> None:
    hello = {**GOOD["nodes"][1], "config": {"template": "hi \x00"}}
    nul_in_a_node = {**GOOD, "nodes": [GOOD["nodes"][0], hello]}
    surrogate_in_the_text = json.dumps(GOOD)[:-1] + ', "x": "\ud800"}'  # not an escape
    refusals = {
        "name": lambda: svc.create_workflow(clean_db, "a\x00b", org_id=LOCAL_ORG_ID),
        "description": lambda: svc.create_workflow(
            clean_db, "ok", description="\ud800", org_id=LOCAL_ORG_ID
        ),
        "document.nodes[1].config.template": lambda: svc.create_workflow(
            clean_db, "ok", document=nul_in_a_node, org_id=LOCAL_ORG_ID
        ),
        "document": lambda: svc.create_workflow(
            clean_db, "big", document=oversized(), org_id=LOCAL_ORG_ID
        ),
        "source": lambda: svc.import_workflow(clean_db, surrogate_in_the_text, org_id=LOCAL_ORG_ID),
        "document.description": lambda: svc.import_workflow(
            clean_db,
            json.dumps({**GOOD, "description": "\x00"}),  # the JSON escape \u0000
            org_id=LOCAL_ORG_ID,
        ),
    }
    for field, refused in refusals.items():
        with pytest.raises(svc.InvalidWorkflow) as caught:
            refused()
        assert [problem.field for problem in caught.value.problems] == [field], field
    deep = '{"format": "agentflow/v1", "name": "deep", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(svc.InvalidWorkflow) as nested:
        svc.import_workflow(clean_db, deep, org_id=LOCAL_ORG_ID)
    assert "nested deeper" in nested.value.message
    kept = svc.create_workflow(clean_db, "kept", org_id=LOCAL_ORG_ID)
    with pytest.raises(svc.InvalidWorkflow):
        svc.save_draft(clean_db, kept, oversized(), org_id=LOCAL_ORG_ID)
    with pytest.raises(InvalidInput):
        svc.list_workflows(clean_db, search="\x00", org_id=LOCAL_ORG_ID)
    assert [w.name for w in svc.list_workflows(clean_db, org_id=LOCAL_ORG_ID)] == [
        "kept"
    ]  # nothing else stored
    assert svc.get_draft(clean_db, kept, org_id=LOCAL_ORG_ID) == svc.blank_document("kept")
