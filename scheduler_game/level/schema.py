"""The published JSON Schema of a level file, made from the pydantic model.

`schemas/level-v1.json` is `level_schema()` as `scheduler-game schema` prints it; a test
keeps the two equal. Editors find it through the modeline on a level file's first line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from scheduler_game.level.model import Level

SCHEMA_ID = "https://yield.game/schemas/level-v1.json"
SCHEMA_PATH = Path("schemas") / "level-v1.json"  # relative to the project (or package) root
MODELINE_PREFIX = "# yaml-language-server: $schema="


def level_schema() -> dict[str, Any]:
    schema = Level.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Yield level",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def schema_text() -> str:
    """The schema file's exact text: what `scheduler-game schema` prints."""
    return json.dumps(level_schema(), indent=2) + "\n"


def modeline_for(level_path: Path, root: Path) -> str:
    """The first line of a level file: where yaml-language-server finds the schema.

    `root` is the folder that holds `schemas/level-v1.json` (the project, or the
    installed package); the path is relative to the level file, with `/` on every OS.
    """
    schema = (Path(root) / SCHEMA_PATH).resolve()
    rel = os.path.relpath(schema, Path(level_path).resolve().parent)
    return MODELINE_PREFIX + Path(rel).as_posix()
