"""A problem in a level or solution file, at its place: `PATH:LINE:COL: message`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LevelError(Exception):
    """One problem, at its place in a file: 1-based line and column."""

    path: str
    line: int
    col: int
    message: str

    def __post_init__(self) -> None:
        super().__init__(self.format())

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class LevelErrors(Exception):
    """Every problem found in a file, sorted by line and column."""

    def __init__(self, errors: list[LevelError]) -> None:
        self.errors = sorted(_dedupe(errors), key=lambda e: (e.line, e.col))
        super().__init__("\n".join(e.format() for e in self.errors))


def _dedupe(errors: list[LevelError]) -> list[LevelError]:
    seen: set[tuple[int, int, str]] = set()
    out = []
    for e in errors:
        if (e.line, e.col, e.message) not in seen:
            seen.add((e.line, e.col, e.message))
            out.append(e)
    return out
