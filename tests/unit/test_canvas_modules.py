"""The canvas JavaScript: every module it imports is linked into the frontend."""

from __future__ import annotations

import re
from pathlib import Path

from components import canvas

CANVAS_DIR = Path(canvas.__file__).parent
RELATIVE_IMPORT = re.compile(r"""^import\s[^;]*?from\s+["']\./([^"']+)["']""", re.MULTILINE)


def test_every_relative_import_is_a_linked_module() -> None:
    sources = sorted(p for p in CANVAS_DIR.iterdir() if p.suffix in {".js", ".jsx"})
    imported = {name for source in sources for name in RELATIVE_IMPORT.findall(source.read_text())}
    assert imported, "no relative imports found: the pattern no longer matches"
    assert imported <= set(canvas.CANVAS_MODULES)
    assert {"flow_canvas.jsx", "template_field.jsx", "builder.jsx"} <= set(canvas.CANVAS_MODULES)


def test_no_canvas_module_is_a_god_file() -> None:
    for source in CANVAS_DIR.iterdir():
        if source.suffix in {".js", ".jsx"}:
            lines = source.read_text().count("\n")
            assert lines <= 250, f"{source.name} has {lines} lines"
