"""The walls of the house (STYLE.md): data flows one way, and the engine stands alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "scheduler_game"


def imports_of(folder: str) -> set[str]:
    found: set[str] = set()
    for path in (PACKAGE / folder).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
    return found


def test_the_engine_imports_nothing_else_of_ours_and_no_ui_or_yaml():
    for name in imports_of("engine"):
        assert not name.startswith("scheduler_game.") or name.startswith("scheduler_game.engine")
        assert name.split(".")[0] not in {"textual", "ruamel", "pydantic", "rich", "yaml"}


def test_the_sandbox_child_stays_light():
    code = (
        "import sys\n"
        "import scheduler_game.sandbox.child, scheduler_game.sandbox.execute\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "heavy = {'pydantic', 'ruamel', 'textual', 'rich'} & loaded\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
