"""In-app notifications: stored once per dedupe key, listed and read per organisation."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from agentflow.errors import Forbidden
from agentflow.services.delivery import notifications
from agentflow.services.tenancy.permissions import Actor, Role


def test_notify_lists_newest_first_and_counts_unread(clean_db: str, admin: Actor) -> None:
    notifications.notify(clean_db, admin.org_id, "run.failed", "Run A failed", link="/executions/a")
    notifications.notify(clean_db, admin.org_id, "run.waiting", "Run B waits", body="Approve it")
    listed = notifications.list_notifications(clean_db, admin)
    assert [n.title for n in listed] == ["Run B waits", "Run A failed"]
    assert listed[0].body == "Approve it" and listed[1].link == "/executions/a"
    assert notifications.unread_count(clean_db, admin) == 2


def test_the_same_dedupe_key_is_stored_once_even_from_many_threads(
    clean_db: str, admin: Actor
) -> None:
    def send(_: int) -> None:
        notifications.notify(
            clean_db, admin.org_id, "run.failed", "Run failed", dedupe_key="run.failed:1"
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, range(16)))
    notifications.notify(clean_db, admin.org_id, "run.failed", "no key")
    notifications.notify(clean_db, admin.org_id, "run.failed", "no key")
    titles = [n.title for n in notifications.list_notifications(clean_db, admin)]
    assert titles.count("Run failed") == 1
    assert titles.count("no key") == 2


def test_mark_read_one_or_all_and_only_in_the_actors_org(
    clean_db: str, make_org: Callable[..., Actor]
) -> None:
    alice, bob = make_org(), make_org()
    for title in ("one", "two", "three"):
        notifications.notify(clean_db, alice.org_id, "run.failed", title)
    notifications.notify(clean_db, bob.org_id, "run.failed", "bob's")
    first = notifications.list_notifications(clean_db, alice)[0]
    bobs = notifications.list_notifications(clean_db, bob)[0]
    assert notifications.mark_read(clean_db, alice, [first.id, bobs.id]) == 1
    assert notifications.unread_count(clean_db, alice) == 2
    assert notifications.unread_count(clean_db, bob) == 1
    assert notifications.mark_read(clean_db, alice) == 2
    assert notifications.list_notifications(clean_db, alice, unread_only=True) == []
    assert [n.title for n in notifications.list_notifications(clean_db, bob)] == ["bob's"]


def test_links_leaving_the_app_are_dropped(clean_db: str, admin: Actor) -> None:
    notifications.notify(clean_db, admin.org_id, "alert.triggered", "x", link="https://evil.test")
    notifications.notify(clean_db, admin.org_id, "alert.triggered", "y", link="//evil.test")
    assert {n.link for n in notifications.list_notifications(clean_db, admin)} == {""}


def test_reading_needs_a_role_or_a_user(clean_db: str, admin: Actor) -> None:
    nobody = dataclasses.replace(admin, role=None)
    with pytest.raises(Forbidden):
        notifications.list_notifications(clean_db, nobody)
    viewer = dataclasses.replace(admin, role=Role.VIEWER)
    assert notifications.unread_count(clean_db, viewer) == 0
