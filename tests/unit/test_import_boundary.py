"""The domain core under agentflow/ must not depend on Reflex.

The worker, the CLI and the API import agentflow.* without Reflex; only the app
module that wires the UI (agentflow/app.py) may import it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORE = PROJECT_ROOT / "agentflow"
ALLOWED = {CORE / "app.py"}
FORBIDDEN_ROOTS = {"reflex", "reflex_base", "state", "components"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_module_of_the_core_imports_reflex_or_the_ui() -> None:
    offenders = {
        str(path.relative_to(PROJECT_ROOT)): sorted(imported_roots(path) & FORBIDDEN_ROOTS)
        for path in CORE.rglob("*.py")
        if path not in ALLOWED
    }
    offenders = {path: roots for path, roots in offenders.items() if roots}
    assert offenders == {}


def test_the_checker_sees_a_reflex_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from reflex.state import State\n    return State\n")
    assert "reflex" in imported_roots(sample)


def test_worker_cli_and_services_load_without_reflex() -> None:
    code = (
        "import sys, agentflow.cli, agentflow.services.system.health, agentflow.devservices, "
        "agentflow.db.migrate, jobs.worker; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'reflex', 'reflex_base'}); print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
