from __future__ import annotations

import pytest
from click.testing import CliRunner

from agentflow import __version__
from agentflow.cli import cli

COMMANDS = [
    ["up"], ["web"], ["worker"], ["migrate"], ["doctor"], ["version"],
    ["services"], ["services", "up"], ["services", "down"], ["services", "status"],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_explains_itself(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    usage, _, description = result.output.partition("\n\n")
    assert usage.startswith("Usage: ")
    assert len(description.strip().split()) >= 4


def test_version_prints_the_package_version() -> None:
    result = CliRunner().invoke(cli, ["version"])
    assert result.output.strip() == f"agentflow {__version__}"


def test_production_without_secret_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from agentflow.settings import get_settings

    monkeypatch.setenv("AGENTFLOW_ENV", "production")
    monkeypatch.delenv("AGENTFLOW_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["migrate"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    assert "AGENTFLOW_SECRET_KEY is missing or unsafe" in result.output
