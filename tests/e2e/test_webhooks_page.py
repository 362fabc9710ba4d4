"""Settings → Webhooks in the browser: add an endpoint, see a failed delivery in the log,
redeliver it, check its signature, delete the endpoint."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from agentflow.services.delivery.outgoing_delivery import verify
from agentflow.services.workflows import management as workflows
from tests.conftest import wait_for
from tests.e2e.conftest import WEBHOOK_RECEIVER_PORT, Account


class Receiver:
    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.received: list[tuple[dict[str, str], bytes]] = []


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", WEBHOOK_RECEIVER_PORT), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


def test_add_an_endpoint_see_deliveries_and_redeliver(
    page: Page, account: Account, clean_db: str, receiver: Receiver
) -> None:
    url = f"http://127.0.0.1:{WEBHOOK_RECEIVER_PORT}/agentflow"
    page.goto("/settings/webhooks")
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    expect(page.get_by_test_id("no-webhooks")).to_be_visible()
    expect(page.get_by_test_id("no-deliveries")).to_be_visible()

    page.get_by_test_id("webhook-url").fill("ftp://nowhere")
    page.get_by_test_id("create-webhook").click()
    expect(page.get_by_test_id("create-error")).to_contain_text("http")

    page.get_by_test_id("webhook-url").fill(url)
    page.get_by_test_id("event-workflow.published").click()
    page.get_by_test_id("create-webhook").click()
    secret_box = page.get_by_test_id("webhook-secret")
    expect(secret_box).to_have_text(re.compile(r"^whsec_"))
    secret = secret_box.inner_text().strip()
    row = page.get_by_test_id("webhook-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(url)
    expect(row).to_contain_text("run.failed, workflow.published")

    # Publishing a workflow emits workflow.published; the endpoint first answers 500.
    receiver.statuses = [500]
    workflow_id = workflows.create_workflow(clean_db, "Announced", org_id=account.org_id)
    workflows.publish(clean_db, workflow_id, org_id=account.org_id)
    delivery = page.get_by_test_id("delivery-row")
    expect(delivery).to_have_count(1, timeout=20_000)
    expect(delivery.get_by_test_id("delivery-status")).to_have_text("retrying", timeout=20_000)
    expect(delivery.get_by_test_id("delivery-code")).to_have_text("500")
    expect(page.get_by_text("HTTP 500")).to_be_visible()

    delivery.get_by_test_id("redeliver").click()
    expect(page.get_by_test_id("delivery-row")).to_have_count(2)
    newest = page.get_by_test_id("delivery-row").first
    expect(newest.get_by_test_id("delivery-status")).to_have_text("succeeded", timeout=20_000)
    expect(newest.get_by_test_id("delivery-code")).to_have_text("200")
    wait_for(lambda: len(receiver.received) >= 2)
    headers, body = receiver.received[-1]
    assert verify(secret, headers["x-agentflow-signature"], body)
    sent = json.loads(body)
    assert sent["event"] == "workflow.published"
    assert sent["data"]["workflow_name"] == "Announced" and sent["data"]["version"] == 1

    page.reload()  # the secret is never shown again
    expect(page.get_by_test_id("webhook-row")).to_have_count(1)
    expect(page.get_by_test_id("webhook-secret")).to_have_count(0)
    page.get_by_test_id("delete-webhook").click()
    page.get_by_test_id("confirm-delete-webhook").click()
    expect(page.get_by_test_id("no-webhooks")).to_be_visible()
    expect(page.get_by_test_id("no-deliveries")).to_be_visible()
