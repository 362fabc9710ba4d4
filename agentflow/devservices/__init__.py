"""Embedded PostgreSQL and Valkey, used when DATABASE_URL / REDIS_URL are unset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agentflow.devservices.common import ServiceError
from agentflow.devservices.postgres import EmbeddedPostgres
from agentflow.devservices.valkey import EmbeddedValkey

__all__ = ["EmbeddedPostgres", "EmbeddedServices", "EmbeddedValkey", "ServiceError"]


@dataclass
class EmbeddedServices:
    """Both embedded servers, with their data under one folder."""

    data_dir: Path

    @property
    def postgres(self) -> EmbeddedPostgres:
        return EmbeddedPostgres(self.data_dir / "postgres")

    @property
    def valkey(self) -> EmbeddedValkey:
        return EmbeddedValkey(self.data_dir / "valkey")

    def start(self) -> tuple[str, str]:
        return self.postgres.start(), self.valkey.start()

    def stop(self) -> None:
        self.valkey.stop()
        self.postgres.stop()
