"""The gallery's rules: who sees what, installing (with missing secrets), publishing,
versions, instance-wide approval, ratings and deletion."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from agentflow.db.accounts import AuditEvent
from agentflow.db.engine import session_scope
from agentflow.errors import Forbidden, InvalidInput
from agentflow.services.runs import gate as run_gate
from agentflow.services.templates import gallery, publishing
from agentflow.services.templates.documents import input_fields
from agentflow.services.tenancy import audit
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.permissions import Actor, Role, Scope
from agentflow.services.workflows import management as workflows
from agentflow.settings import Settings, get_settings
from tests.integration.accounts.conftest import Person, sign_up
from tests.integration.conftest import workflow


def template_id(database_url: str, actor: Actor, name: str) -> uuid.UUID:
    summaries = gallery.list_templates(database_url, actor)
    return uuid.UUID(next(s.id for s in summaries if s.name == name))


def names(database_url: str, actor: Actor) -> set[str]:
    return {summary.name for summary in gallery.list_templates(database_url, actor)}


@pytest.fixture
def carl(db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Person]:
    """An instance admin (by e-mail, from AGENTFLOW_INSTANCE_ADMINS)."""
    person = sign_up(db, "carl")
    monkeypatch.setenv("AGENTFLOW_INSTANCE_ADMINS", f"someone@example.com, {person.email.upper()}")
    get_settings.cache_clear()
    yield person
    monkeypatch.delenv("AGENTFLOW_INSTANCE_ADMINS")
    get_settings.cache_clear()


def shareable(database_url: str, owner: Person, name: str = "Greeter") -> uuid.UUID:
    document = workflow(
        [{"id": "hello", "type": "template", "config": {"template": "hi {{ env.GREETING }}"}}],
        [("start", "hello")],
    )
    document["nodes"][0]["config"] = {"kind": "webhook", "secret": "our-hmac-secret"}
    return workflows.create_workflow(database_url, name, org_id=owner.org_id, document=document)


def test_official_templates_are_listed_for_everyone_and_knowledge_ones_hidden(
    db: str, ana: Person, ben: Person
) -> None:
    listed = gallery.list_templates(db, ana.actor())
    assert len(listed) >= 10 and {s.source for s in listed} == {"official"}
    assert "Document Q&A" not in {s.name for s in listed}
    assert names(db, ana.actor()) == names(db, ben.actor())
    assert [s.name for s in gallery.list_templates(db, ana.actor(), category="Finance")] == [
        "Invoice data extraction"
    ]
    assert {s.name for s in gallery.list_templates(db, ana.actor(), search="webhook")} >= {
        "Webhook relay",
        "PR review assistant",
    }
    with session_scope(db) as session:
        from agentflow.db.templates import Template

        hidden = session.execute(
            select(Template.id).where(Template.slug == "document-qa")  # type: ignore[arg-type,call-overload]
        ).scalar_one()
    with pytest.raises(gallery.TemplateNotFound):
        gallery.get_template(db, ana.actor(), hidden)
    with pytest.raises(gallery.TemplateNotFound):
        gallery.install_template(db, ana.actor(), hidden)


def test_installing_without_a_secret_leaves_runs_refused_until_it_exists(
    db: str, ana: Person, settings: Settings
) -> None:
    actor = ana.actor()
    lead = template_id(db, actor, "Lead enrichment")
    detail = gallery.get_template(db, actor, lead)
    assert detail.missing_secrets == ["CRM_WEBHOOK_URL"]
    assert [i["name"] for i in input_fields(detail.document)] == ["email", "website"]

    installed = gallery.install_template(db, actor, lead, {"name": "Leads"}, settings=settings)
    assert installed.missing_secrets == ["CRM_WEBHOOK_URL"]
    document = workflows.get_draft(db, installed.workflow_id, org_id=ana.org_id)
    assert document["name"] == "Leads"
    with pytest.raises(run_gate.MissingSecrets) as refused:
        run_gate.require_secrets(db, ana.org_id, document)
    assert refused.value.names == ["CRM_WEBHOOK_URL"]
    assert "CRM_WEBHOOK_URL" in refused.value.message
    assert [(p.node, p.message) for p in refused.value.problems] == [
        ("to_crm", "reads the secret CRM_WEBHOOK_URL, which is not defined yet")
    ]

    value = {"name": "CRM_WEBHOOK_URL", "value": "https://crm.example.com/hook"}
    org_secrets.create_secret(db, actor, value, settings=settings)
    run_gate.require_secrets(db, ana.org_id, document)  # now it may run
    assert gallery.get_template(db, actor, lead).summary.installs == 1
    with session_scope(db) as session:
        events = session.execute(
            select(AuditEvent.action).where(AuditEvent.org_id == ana.org_id)  # type: ignore[arg-type,call-overload]
        ).scalars()
        assert "template.install" in list(events)


def test_secrets_given_at_install_are_checked_all_first_then_stored(
    db: str, ana: Person, settings: Settings
) -> None:
    actor = ana.actor()
    digest = template_id(db, actor, "Daily digest")
    bad = {"DIGEST_FEED_URL": "https://feed.example.com/x.json", "DIGEST_WEBHOOK_URL": "x"}
    with pytest.raises(InvalidInput, match="DIGEST_WEBHOOK_URL"):
        gallery.install_template(db, actor, digest, {"secrets": bad}, settings=settings)
    assert org_secrets.list_secrets(db, actor) == []  # nothing stored
    with pytest.raises(InvalidInput, match="OTHER"):
        gallery.install_template(db, actor, digest, {"secrets": {"OTHER": "value-1"}})
    good = {"DIGEST_FEED_URL": "https://feed.example.com/x.json", "DIGEST_WEBHOOK_URL": "https://c"}
    installed = gallery.install_template(db, actor, digest, {"secrets": good}, settings=settings)
    assert installed.missing_secrets == []
    assert [s.name for s in org_secrets.list_secrets(db, actor)] == sorted(good)
    assert gallery.get_template(db, actor, digest).missing_secrets == []
    with pytest.raises(InvalidInput):  # bodies cannot carry ids or owners
        gallery.install_template(db, actor, digest, {"org_id": str(uuid.uuid4())})


def test_roles_decide_who_installs_and_who_gives_secrets(
    db: str, ana: Person, settings: Settings
) -> None:
    digest = template_id(db, ana.actor(), "Daily digest")
    viewer, editor = ana.actor(Role.VIEWER), ana.actor(Role.EDITOR)
    with pytest.raises(Forbidden):
        gallery.install_template(db, viewer, digest)
    secrets = {"secrets": {"DIGEST_FEED_URL": "https://feed.example.com/x"}}
    with pytest.raises(Forbidden):  # editors may not create secrets
        gallery.install_template(db, editor, digest, secrets, settings=settings)
    assert gallery.install_template(db, editor, digest).missing_secrets == [
        "DIGEST_FEED_URL",
        "DIGEST_WEBHOOK_URL",
    ]
    assert gallery.get_template(db, viewer, digest).missing_secrets == []  # not shown to viewers


def test_an_organisation_template_is_private_and_versioned(
    db: str, ana: Person, ben: Person
) -> None:
    source = shareable(db, ana)
    first = publishing.publish(db, ana.actor(), {"workflow_id": str(source), "category": "Ops"})
    assert (first.version, first.review) == (1, "none")
    mine = gallery.get_template(db, ana.actor(), first.template_id)
    assert mine.mine and mine.summary.source == "yours" and mine.summary.secrets == ["GREETING"]
    assert "secret" not in mine.document["nodes"][0]["config"]  # the HMAC key stays home

    for other in (first.template_id, uuid.uuid4()):  # another org's = a missing one
        with pytest.raises(gallery.TemplateNotFound):
            gallery.get_template(db, ben.actor(), other)
        with pytest.raises(gallery.TemplateNotFound):
            gallery.install_template(db, ben.actor(), other)
        with pytest.raises(gallery.TemplateNotFound):
            publishing.delete_template(db, ben.actor(), other)
    assert "Greeter" not in names(db, ben.actor())
    with pytest.raises(workflows.WorkflowNotFound):  # ben cannot publish ana's workflow
        publishing.publish(db, ben.actor(), {"workflow_id": str(source)})

    data = {"workflow_id": str(source), "name": "Greeter", "changelog": "Louder"}
    second = publishing.publish(db, ana.actor(), data)
    assert (second.template_id, second.version) == (first.template_id, 2)
    detail = gallery.get_template(db, ana.actor(), first.template_id)
    assert [(v["version"], v["changelog"]) for v in detail.versions] == [(2, "Louder"), (1, "")]
    with pytest.raises(Forbidden):
        publishing.publish(db, ana.actor(Role.VIEWER), {"workflow_id": str(source)})


def test_an_instance_template_waits_for_an_admin_and_new_versions_too(
    db: str, ana: Person, ben: Person, carl: Person
) -> None:
    source = shareable(db, ana, "Shared greeter")
    data = {"workflow_id": str(source), "visibility": "instance"}
    published = publishing.publish(db, ana.actor(), data)
    assert published.review == "pending"
    assert "Shared greeter" not in names(db, ben.actor())
    assert [row["name"] for row in publishing.review_queue(db, carl.actor())] == ["Shared greeter"]
    with pytest.raises(Forbidden):
        publishing.review_queue(db, ben.actor())
    with pytest.raises(Forbidden):  # an org owner is not an instance admin
        publishing.decide(db, ana.actor(), published.template_id, {"approve": True})

    assert publishing.decide(db, carl.actor(), published.template_id, {"approve": True}) == (
        "approved"
    )
    seen = gallery.get_template(db, ben.actor(), published.template_id).summary
    assert (seen.source, seen.version) == ("community", 1)

    publishing.publish(db, ana.actor(), data)  # version 2: pending again
    assert gallery.get_template(db, ben.actor(), published.template_id).summary.version == 1
    assert gallery.get_template(db, carl.actor(), published.template_id).summary.version == 2
    publishing.decide(db, carl.actor(), published.template_id, {"approve": False, "note": "no"})
    seen_by_ben = gallery.get_template(db, ben.actor(), published.template_id)
    assert (seen_by_ben.summary.version, seen_by_ben.review_note) == (1, "")
    assert gallery.get_template(db, ana.actor(), published.template_id).review_note == "no"
    with pytest.raises(InvalidInput):  # nothing pending any more
        publishing.decide(db, carl.actor(), published.template_id, {"approve": True})

    # Back to the organisation only: other organisations stop seeing it.
    publishing.publish(db, ana.actor(), {**data, "visibility": "organization"})
    with pytest.raises(gallery.TemplateNotFound):
        gallery.get_template(db, ben.actor(), published.template_id)


def test_an_older_version_installs_as_it_was_and_a_newer_unapproved_one_not_at_all(
    db: str, ana: Person, ben: Person, carl: Person
) -> None:
    source = shareable(db, ana, "Evolving")
    data = {"workflow_id": str(source), "visibility": "instance"}
    published = publishing.publish(db, ana.actor(), data)
    publishing.decide(db, carl.actor(), published.template_id, {"approve": True})
    draft = workflows.get_draft(db, source, org_id=ana.org_id)
    draft["nodes"][1]["config"]["template"] = "hello, v2"
    workflows.save_draft(db, source, draft, org_id=ana.org_id)
    publishing.publish(db, ana.actor(), data)  # version 2, approved too
    publishing.decide(db, carl.actor(), published.template_id, {"approve": True})
    publishing.publish(db, ana.actor(), data)  # version 3, waiting for approval

    def hello_of(installed: gallery.Installed) -> str:
        document = workflows.get_draft(db, installed.workflow_id, org_id=ben.org_id)
        return str(next(n for n in document["nodes"] if n["id"] == "hello")["config"]["template"])

    newest = gallery.install_template(db, ben.actor(), published.template_id)
    older = gallery.install_template(db, ben.actor(), published.template_id, {"version": 1})
    assert (hello_of(newest), hello_of(older)) == ("hello, v2", "hi {{ env.GREETING }}")
    for hidden in (3, 4):  # not approved yet / does not exist: the same answer
        with pytest.raises(InvalidInput, match="versions 1 to 2"):
            gallery.install_template(db, ben.actor(), published.template_id, {"version": hidden})
    with pytest.raises(InvalidInput):
        gallery.install_template(db, ben.actor(), published.template_id, {"version": 0})
    details = [e.details for e in audit.query(db, ben.actor(), action="template.install")]
    assert [d["version"] for d in details if d] == [1, 2]


def test_people_rate_once_and_never_their_own_organisations_templates(
    db: str, ana: Person, ben: Person
) -> None:
    triage = template_id(db, ana.actor(), "Support ticket triage")
    publishing.rate(db, ana.actor(), triage, {"rating": 5, "text": "Saved us a day"})
    publishing.rate(db, ben.actor(Role.VIEWER), triage, {"rating": 2})
    with pytest.raises(publishing.AlreadyRated):
        publishing.rate(db, ana.actor(), triage, {"rating": 1})
    with pytest.raises(InvalidInput):
        publishing.rate(db, ben.actor(), triage, {"rating": 6})
    key = Actor(ben.org_id, api_key_id=uuid.uuid4(), scopes=frozenset(Scope))
    with pytest.raises(Forbidden):
        publishing.rate(db, key, triage, {"rating": 3})
    summary = gallery.get_template(db, ben.actor(), triage).summary
    assert (summary.rating, summary.rating_count) == (3.5, 2)
    views = publishing.reviews(db, ben.actor(), triage)
    assert [(v.rating, v.text, v.mine) for v in views] == [
        (2, "", True),
        (5, "Saved us a day", False),
    ]
    assert all("@" not in view.author for view in views)  # names only, never addresses

    own = publishing.publish(db, ana.actor(), {"workflow_id": str(shareable(db, ana))})
    with pytest.raises(InvalidInput, match="your own"):
        publishing.rate(db, ana.actor(), own.template_id, {"rating": 5})


def test_the_publisher_deletes_its_template_and_installed_workflows_stay(
    db: str, ana: Person
) -> None:
    published = publishing.publish(db, ana.actor(), {"workflow_id": str(shareable(db, ana))})
    installed = gallery.install_template(db, ana.actor(), published.template_id)
    with pytest.raises(Forbidden):
        publishing.delete_template(db, ana.actor(Role.VIEWER), published.template_id)
    publishing.delete_template(db, ana.actor(), published.template_id)
    with pytest.raises(gallery.TemplateNotFound):
        gallery.get_template(db, ana.actor(), published.template_id)
    assert workflows.get_draft(db, installed.workflow_id, org_id=ana.org_id)["nodes"]


def test_text_that_cannot_be_stored_is_refused_naming_the_field(db: str, ana: Person) -> None:
    for search, category in (("\x00", ""), ("", "Finance\x00"), ("\ud800", "")):
        with pytest.raises(InvalidInput) as caught:
            gallery.list_templates(db, ana.actor(), search=search, category=category)
        assert caught.value.message.startswith("search: " if search else "category: ")
    template = template_id(db, ana.actor(), "Daily digest")
    with pytest.raises(InvalidInput) as named:  # every service input model, as from a page
        gallery.install_template(db, ana.actor(), template, {"name": "mine\x00"})
    assert named.value.message == "Name must not contain NUL characters (\\u0000)."
    assert workflows.list_workflows(db, org_id=ana.org_id) == []


def test_an_installed_template_uses_the_organisations_default_model(
    db: str, ana: Person, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentflow.services.providers.setup import enable_provider, set_default_model

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    actor = ana.actor()
    lead = template_id(db, actor, "Lead enrichment")

    def models(workflow_id: uuid.UUID) -> set[str]:
        document = workflows.get_draft(db, workflow_id, org_id=ana.org_id)
        return {n["config"]["model"] for n in document["nodes"] if n["type"] == "llm"}

    before = gallery.install_template(db, actor, lead, settings=settings)
    assert models(before.workflow_id) == {settings.template_model}  # the instance's choice
    key = {"api_key": "sk-ant-org-key-0123"}
    enable_provider(db, actor, "anthropic", key, settings=settings)
    set_default_model(db, actor, {"model": "anthropic/claude-haiku-4-5"})
    after = gallery.install_template(db, actor, lead, settings=settings)
    assert models(after.workflow_id) == {"anthropic/claude-haiku-4-5"}
