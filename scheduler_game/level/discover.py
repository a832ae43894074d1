"""Finding levels: the pack that ships with the game, `--levels DIR` and
`SCHEDULER_GAME_LEVELS` (a path list, as PATH)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def pack_dir() -> Path | None:
    for candidate in (PACKAGE / "pack", PACKAGE.parent / "levels"):
        if candidate.is_dir():
            return candidate
    return None


def schema_file() -> Path | None:
    for candidate in (
        PACKAGE / "schemas" / "level-v1.json",
        PACKAGE.parent / "schemas" / "level-v1.json",
    ):
        if candidate.is_file():
            return candidate
    return None


def level_dirs(extra: list[str] | None = None) -> list[Path]:
    dirs: list[Path] = []
    pack = pack_dir()
    if pack is not None:
        dirs.append(pack)
    for entry in os.environ.get("SCHEDULER_GAME_LEVELS", "").split(os.pathsep):
        if entry.strip():
            dirs.append(Path(entry).expanduser())
    for entry in extra or []:
        dirs.append(Path(entry).expanduser())
    return dirs


def level_files(paths: list[Path]) -> list[Path]:
    """Every level file under the given files and folders, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.y*ml") if p.suffix in (".yaml", ".yml")))
        elif path.is_file():
            found.append(path)
    return found


def resolve_level(arg: str, dirs: list[Path]) -> Path | None:
    """LEVEL as a path, or as an id: the file named ID.yaml, or the file whose id is ID."""
    path = Path(arg).expanduser()
    if path.is_file():
        return path
    files = level_files(dirs)
    for f in files:
        if f.stem == arg:
            return f
    for f in files:
        try:
            head = f.read_text(encoding="utf-8", errors="replace")[:4096]
        except OSError:
            continue
        for line in head.splitlines():
            if line.strip() in (f"id: {arg}", f'id: "{arg}"', f"id: '{arg}'"):
                return f
    return None
