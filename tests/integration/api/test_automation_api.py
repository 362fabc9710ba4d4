"""/api/v1 schedules (list, pause, resume), notifications (list, mark read) and outgoing
event subscriptions with their delivery log."""

from __future__ import annotations

import httpx

from agentflow.services.delivery import notifications, outgoing
from agentflow.services.tenancy import audit
from tests.integration.api.conftest import BASE_URL, Person, bearer, create_workflow, new_key
from tests.integration.automation.conftest import schedule_document

ORIGIN = {"Origin": BASE_URL}


async def test_schedules_are_listed_paused_and_resumed(
    client: httpx.AsyncClient, env: dict[str, str], alice: Person, alice_headers: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, schedule_document(), publish=True)
    listed = await client.get("/api/v1/schedules", headers=alice_headers)
    assert listed.status_code == 200, listed.text
    [schedule] = listed.json()["items"]
    assert (schedule["workflow_id"], schedule["node_id"]) == (workflow_id, "tick")
    assert (schedule["cron"], schedule["timezone"]) == ("0 9 * * 1-5", "Europe/Paris")
    assert "09:00" in schedule["description"] and len(schedule["upcoming"]) == 5
    assert schedule["enabled"] is True

    read_only = bearer(new_key(env["database_url"], alice, "read"))
    refused = await client.post(f"/api/v1/schedules/{schedule['id']}/pause", headers=read_only)
    assert refused.status_code == 403
    paused = await client.post(f"/api/v1/schedules/{schedule['id']}/pause", headers=alice_headers)
    assert paused.status_code == 200, paused.text
    body = paused.json()
    assert (body["enabled"], body["next_run_at"], body["upcoming"]) == (False, None, [])
    assert body["paused_reason"].startswith("paused by")
    resumed = await client.post(f"/api/v1/schedules/{schedule['id']}/resume", headers=alice_headers)
    assert resumed.json()["enabled"] is True and resumed.json()["next_run_at"]
    actions = [
        e.action for e in audit.query(env["database_url"], alice.actor(), target_type="schedule")
    ]
    assert actions == ["schedule.resume", "schedule.pause"]

    other = await create_workflow(client, alice_headers, publish=True)
    only_other = await client.get(
        "/api/v1/schedules", params={"workflow_id": other}, headers=alice_headers
    )
    assert only_other.json()["items"] == []


async def test_notifications_are_listed_and_marked_read(
    client: httpx.AsyncClient, env: dict[str, str], alice: Person, bob: Person
) -> None:
    db = env["database_url"]
    notifications.notify(db, alice.org_id, "run.failed", "Run failed", link="/executions/1")
    notifications.notify(db, alice.org_id, "run.waiting", "Approval needed")
    notifications.notify(db, bob.org_id, "run.failed", "Bob's run failed")
    headers = bearer(new_key(db, alice, "read"))
    listed = await client.get("/api/v1/notifications", headers=headers)
    assert listed.status_code == 200, listed.text
    assert [n["title"] for n in listed.json()["items"]] == ["Approval needed", "Run failed"]
    assert listed.json()["unread"] == 2
    [bobs] = notifications.list_notifications(db, bob.actor())

    newest = listed.json()["items"][0]["id"]
    marked = await client.post(
        "/api/v1/notifications/read", json={"ids": [newest, bobs.id]}, headers=headers
    )
    assert marked.json() == {"marked": 1}  # Bob's id is not Alice's to mark
    unread = await client.get("/api/v1/notifications", params={"unread": True}, headers=headers)
    assert [n["title"] for n in unread.json()["items"]] == ["Run failed"]
    everything = await client.post("/api/v1/notifications/read", json={}, headers=headers)
    assert everything.json() == {"marked": 1}
    assert (await client.get("/api/v1/notifications", headers=headers)).json()["unread"] == 0
    assert notifications.unread_count(db, bob.actor()) == 1
    sneaky = await client.post("/api/v1/notifications/read", json={"org_id": "x"}, headers=headers)
    assert sneaky.status_code == 422


async def test_event_subscriptions_and_their_delivery_log(
    client: httpx.AsyncClient,
    env: dict[str, str],
    alice: Person,
    alice_headers: dict[str, str],
    alice_cookie: dict[str, str],
) -> None:
    keyed = await client.get("/api/v1/event-subscriptions", headers=alice_headers)
    assert keyed.status_code == 403  # an admin's action: no API key scope grants it

    client.cookies.update(alice_cookie)
    created = await client.post(
        "/api/v1/event-subscriptions",
        json={"url": "https://example.com/hook", "events": ["run.failed"], "description": "ops"},
        headers=ORIGIN,
    )
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    subscription = created.json()["id"]
    assert secret.startswith("whsec_")
    listed = await client.get("/api/v1/event-subscriptions")
    assert [s["id"] for s in listed.json()["items"]] == [subscription]
    assert secret not in listed.text and "secret" not in listed.json()["items"][0]
    bad = await client.post(
        "/api/v1/event-subscriptions",
        json={"url": "https://example.com/x", "events": ["run.exploded"]},
        headers=ORIGIN,
    )
    assert bad.status_code == 422 and "unknown events" in bad.json()["error"]["message"]

    outgoing.emit(env["database_url"], alice.org_id, "run.failed", {"run_id": "r1"})
    log = await client.get("/api/v1/event-deliveries", params={"subscription_id": subscription})
    [delivery] = log.json()["items"]
    assert (delivery["event"], delivery["status"]) == ("run.failed", "pending")
    one = await client.get(f"/api/v1/event-deliveries/{delivery['id']}")
    assert one.json()["payload"]["data"] == {"run_id": "r1"}

    off = await client.patch(
        f"/api/v1/event-subscriptions/{subscription}", json={"enabled": False}, headers=ORIGIN
    )
    assert off.json()["enabled"] is False
    refused = await client.post(
        f"/api/v1/event-deliveries/{delivery['id']}/redeliver", headers=ORIGIN
    )
    assert refused.status_code == 422 and "enable the subscription" in refused.text
    await client.patch(
        f"/api/v1/event-subscriptions/{subscription}", json={"enabled": True}, headers=ORIGIN
    )
    again = await client.post(
        f"/api/v1/event-deliveries/{delivery['id']}/redeliver", headers=ORIGIN
    )
    assert again.status_code == 202
    assert again.json()["redelivery_of"] == delivery["id"]
    assert again.json()["event_id"] == delivery["event_id"]

    rotated = await client.post(
        f"/api/v1/event-subscriptions/{subscription}/rotate-secret", headers=ORIGIN
    )
    assert rotated.json()["secret"].startswith("whsec_") and rotated.json()["secret"] != secret
    foreign = await client.delete(
        f"/api/v1/event-subscriptions/{subscription}", headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    deleted = await client.delete(f"/api/v1/event-subscriptions/{subscription}", headers=ORIGIN)
    assert deleted.status_code == 204
    assert (await client.get("/api/v1/event-subscriptions")).json()["items"] == []
    assert (await client.get("/api/v1/event-deliveries")).json()["items"] == []
