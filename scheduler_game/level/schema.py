"""The published JSON Schema of a level file, made from the pydantic model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scheduler_game.level.model import Level

SCHEMA_ID = "https://yield.game/schemas/level-v1.json"


def level_schema() -> dict[str, Any]:
    schema = Level.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Yield level",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def modeline_for(level_path: Path, schema_path: Path) -> str:
    """The first line of a level file: where yaml-language-server finds the schema."""
    rel = os.path.relpath(Path(schema_path).resolve(), Path(level_path).resolve().parent)
    return f"# yaml-language-server: $schema={rel}"
