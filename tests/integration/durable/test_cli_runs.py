"""`agentflow submit` and `agentflow runs ...` against a real worker pool."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import yaml

from agentflow.db.models import LOCAL_ORG_ID
from tests.conftest import PROJECT_ROOT, service_env
from tests.integration.conftest import workflow
from tests.integration.durable.conftest import FAST_TIMINGS


def cli(tmp_path: Path, db: str, redis_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agentflow.cli", *args],
        env={**service_env(db, redis_url, tmp_path), **FAST_TIMINGS},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def show(tmp_path: Path, db: str, redis_url: str, run_id: str) -> dict:  # type: ignore[type-arg]
    result = cli(tmp_path, db, redis_url, "runs", "show", run_id, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def show_when(tmp_path: Path, db: str, redis_url: str, run_id: str, status: str) -> dict:  # type: ignore[type-arg]
    for _ in range(100):
        view = show(tmp_path, db, redis_url, run_id)
        if view["status"] == status:
            return view
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} never became {status}: {view}")


def write(tmp_path: Path, document: dict) -> str:  # type: ignore[type-arg]
    path = tmp_path / "flow.yaml"
    path.write_text(yaml.safe_dump(document))
    return str(path)


GATED = workflow(
    [
        {"id": "review", "type": "approval", "config": {"message": "Ship {{ input.v }}?"}},
        {"id": "ship", "type": "template", "config": {"template": "shipped {{ input.v }}"}},
    ],
    [("start", "review"), ("review", "ship", "approved")],
    output="{{ nodes.ship.output }}",
)


def test_submit_follow_approve_show_and_rerun(
    workers, tmp_path: Path, clean_db: str, clean_redis: str
) -> None:  # type: ignore[no-untyped-def]
    workers.start()
    submitted = cli(tmp_path, clean_db, clean_redis, "submit", write(tmp_path, GATED),
                    "--input", '{"v": "1.2"}')  # fmt: skip
    assert submitted.returncode == 0, submitted.stderr
    run_id = submitted.stdout.strip()

    # Follow from the start in the background: it prints every event until the run ends.
    followed = subprocess.Popen(
        [sys.executable, "-m", "agentflow.cli", "runs", "show", run_id, "--follow", "--json"],
        env={**service_env(clean_db, clean_redis, tmp_path), **FAST_TIMINGS},
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    shown = {}
    for _ in range(100):
        shown = json.loads(
            cli(tmp_path, clean_db, clean_redis, "runs", "show", run_id, "--json").stdout
        )
        if shown["status"] == "waiting":
            break
        import time

        time.sleep(0.1)
    assert shown["status"] == "waiting"
    approved = cli(tmp_path, clean_db, clean_redis, "runs", "approve", run_id, "review",
                   "--comment", "lgtm", "--by", "ana")  # fmt: skip
    assert approved.returncode == 0 and approved.stdout.strip() == "approved"
    out, _ = followed.communicate(timeout=60)
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert (events[-1]["kind"], events[-1]["status"]) == ("run", "succeeded")
    assert ("review", "waiting") in [(e["node"], e["status"]) for e in events]

    final = json.loads(
        cli(tmp_path, clean_db, clean_redis, "runs", "show", run_id, "--json").stdout
    )
    assert final["output"] == "shipped 1.2"
    review = next(step for step in final["steps"] if step["node"] == "review")
    assert review["output"] == {"approved": True, "by": "ana", "comment": "lgtm"}

    listed = json.loads(cli(tmp_path, clean_db, clean_redis, "runs", "list", "--json").stdout)
    assert [row["run_id"] for row in listed] == [run_id]

    rerun = cli(tmp_path, clean_db, clean_redis, "runs", "rerun", run_id, "--from", "ship",
                "--input", '{"v": "1.3"}')  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    new_id = rerun.stdout.strip()
    for _ in range(200):
        again = json.loads(
            cli(tmp_path, clean_db, clean_redis, "runs", "show", new_id, "--json").stdout
        )
        if again["status"] == "succeeded":
            break
    assert again["output"] == "shipped 1.3"
    reused = next(step for step in again["steps"] if step["node"] == "review")
    assert reused["started_at"] == review["started_at"]  # the approval was not asked again


def test_reject_cancel_and_clear_errors(
    workers, tmp_path: Path, clean_db: str, clean_redis: str
) -> None:  # type: ignore[no-untyped-def]
    import uuid

    missing = str(uuid.uuid4())
    shown = cli(tmp_path, clean_db, clean_redis, "runs", "show", missing)
    assert shown.returncode == 1 and f"run {missing} was not found" in shown.stderr
    bad_id = cli(tmp_path, clean_db, clean_redis, "runs", "cancel", "not-a-uuid")
    assert bad_id.returncode == 2 and "is not a run id" in bad_id.stderr
    empty = cli(tmp_path, clean_db, clean_redis, "runs", "list")
    assert "no runs yet" in empty.stdout

    run_id = cli(tmp_path, clean_db, clean_redis, "submit", write(tmp_path, GATED),
                 "--input", '{"v": "2"}').stdout.strip()  # fmt: skip
    not_waiting = cli(tmp_path, clean_db, clean_redis, "runs", "reject", run_id, "ship")
    assert not_waiting.returncode == 1 and "not waiting" in not_waiting.stderr
    cancelled = cli(tmp_path, clean_db, clean_redis, "runs", "cancel", run_id)
    assert cancelled.stdout.strip() in {"cancelled", "cancelling"}
    invalid = cli(tmp_path, clean_db, clean_redis, "submit", write(tmp_path, {"format": "x"}))
    assert invalid.returncode == 2 and "invalid workflow" in invalid.stderr


def test_org_acts_in_a_signed_up_organisation_and_nowhere_else(
    tmp_path: Path, clean_db: str, clean_redis: str
) -> None:
    from agentflow.services.runs.lifecycle import RunNotFound, describe_run
    from agentflow.services.tenancy import accounts, audit, organizations
    from agentflow.services.tenancy.permissions import Actor, Role

    user_id, org_id = accounts.sign_up(
        clean_db,
        {"email": "ops@example.com", "password": "correct horse battery", "org_name": "Ops Team"},
    )
    [org] = organizations.list_orgs(clean_db, user_id)
    assert org.slug.startswith("ops-team-")
    submitted = cli(tmp_path, clean_db, clean_redis, "submit", write(tmp_path, GATED),
                    "--input", '{"v": 3}', "--org", org.slug)  # fmt: skip
    assert submitted.returncode == 0, submitted.stderr
    run_id = submitted.stdout.strip()
    import uuid

    # The run belongs to that organisation (its pages show it), not to the CLI's own.
    assert describe_run(clean_db, uuid.UUID(run_id), org_id=org_id)["run_id"] == run_id
    try:
        describe_run(clean_db, uuid.UUID(run_id), org_id=LOCAL_ORG_ID)
        raise AssertionError("the local workspace must not see it")
    except RunNotFound:
        pass
    listed = cli(tmp_path, clean_db, clean_redis, "runs", "--org", org.slug, "list", "--json")
    assert [row["run_id"] for row in json.loads(listed.stdout)] == [run_id]
    local = cli(tmp_path, clean_db, clean_redis, "runs", "list", "--json")
    assert json.loads(local.stdout) == []
    hidden = cli(tmp_path, clean_db, clean_redis, "runs", "show", run_id)
    assert hidden.returncode != 0
    unknown = cli(tmp_path, clean_db, clean_redis, "runs", "--org", "nobody", "list")
    assert unknown.returncode == 2
    assert "no organisation has the slug 'nobody'" in unknown.stderr
    cancelled = cli(tmp_path, clean_db, clean_redis, "runs", "--org", org.slug, "cancel", run_id)
    assert cancelled.returncode == 0, cancelled.stderr

    # What the CLI did is in that organisation's audit trail, as the operator's account.
    owner = Actor(org_id, user_id, Role.OWNER)
    trail = [(e.action, e.actor_type, e.target_id) for e in audit.query(clean_db, owner)]
    assert trail[:2] == [("run.cancel", "system", run_id), ("run.start", "system", run_id)]
    assert audit.query(clean_db, owner)[0].actor_label.startswith("cli (")
