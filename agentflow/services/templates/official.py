"""Official templates: read from agentflow/templates/official and loaded into the gallery.

:func:`load_official_templates` runs at start-up (``agentflow migrate`` and
``agentflow up``) and is idempotent: a file whose ``template.version`` is already
stored changes nothing; a newer number adds that version (and updates the name,
description and category shown); an older one is ignored. Concurrent start-ups
take turns on an advisory lock, so a version is never added twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select, text
from sqlmodel import col

from agentflow.db.engine import session_scope
from agentflow.db.models import utcnow
from agentflow.db.templates import OFFICIAL, REVIEW_APPROVED, Template, TemplateVersion
from agentflow.errors import AgentFlowError
from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.templates.documents import (
    METADATA_KEY,
    required_secrets,
    unregistered_types,
    without_metadata,
)
from agentflow.spec.validation import validate_document
from agentflow.templates import OFFICIAL_DIR

_LOCK_KEY = 0x7E3A_1A7E  # any constant shared by every process loading templates


class TemplateFileError(AgentFlowError):
    type = "invalid_template"

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path.name}: {message}")


class TemplateMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    category: str = Field(min_length=1, max_length=60)
    changelog: str = Field(default="", max_length=500)
    requires_node_types: list[str] = Field(default_factory=list)
    example_input: Any = None


@dataclass(frozen=True)
class OfficialTemplate:
    slug: str
    metadata: TemplateMetadata
    document: dict[str, Any]  # the workflow, without the metadata block
    secrets: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.document["name"])

    @property
    def description(self) -> str:
        return " ".join(str(self.document.get("description") or "").split())


def read_template_file(path: Path) -> OfficialTemplate:
    """One file, checked: valid metadata, and a document that validates (apart from
    node types the template declares it requires and this instance lacks)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get(METADATA_KEY), dict):
        raise TemplateFileError(path, f"needs a '{METADATA_KEY}' block")
    try:
        metadata = TemplateMetadata.model_validate(raw[METADATA_KEY])
    except ValidationError as exc:
        raise TemplateFileError(path, f"bad '{METADATA_KEY}' block: {exc}") from None
    document = without_metadata(raw)
    # A type the template requires and this instance lacks is unknown to the validator:
    # the problems of those nodes are expected (the template stays hidden until then).
    absent = set(unregistered_types(metadata.requires_node_types))
    waiting = {node.get("id") for node in document.get("nodes") or [] if node.get("type") in absent}
    problems = [
        problem
        for problem in validate_document(document, NODE_TYPES)
        if problem.node not in waiting
    ]
    if problems:
        raise TemplateFileError(path, "; ".join(str(problem) for problem in problems[:5]))
    return OfficialTemplate(path.stem, metadata, document, required_secrets(document))


def read_official_templates(directory: Path = OFFICIAL_DIR) -> list[OfficialTemplate]:
    return [read_template_file(path) for path in sorted(directory.glob("*.yaml"))]


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)  # new templates
    updated: list[str] = field(default_factory=list)  # new versions of known ones
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"templates: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


def load_official_templates(database_url: str, directory: Path = OFFICIAL_DIR) -> LoadReport:
    templates = read_official_templates(directory)  # every file checked before any write
    report = LoadReport()
    with session_scope(database_url) as session:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        for official in templates:
            row = session.execute(
                select(Template).where(col(Template.slug) == official.slug)
            ).scalar_one_or_none()
            version = official.metadata.version
            if row is not None and row.latest_version >= version:
                report.unchanged.append(official.slug)
                continue
            if row is None:
                row = Template(slug=official.slug, visibility=OFFICIAL, name=official.name)
                session.add(row)
                session.flush()
                report.added.append(official.slug)
            else:
                report.updated.append(official.slug)
            row.name = official.name
            row.description = official.description[:2000]
            row.category = official.metadata.category
            row.latest_version = row.listed_version = version
            row.review = REVIEW_APPROVED
            row.published_by = "AgentFlow"
            row.updated_at = utcnow()
            session.add(
                TemplateVersion(
                    template_id=row.id,
                    version=version,
                    document=official.document,
                    secrets=official.secrets,
                    requires_node_types=sorted(official.metadata.requires_node_types),
                    changelog=official.metadata.changelog,
                )
            )
    return report
