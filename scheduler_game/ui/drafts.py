"""The player's code, kept for the whole session (the save store keeps it for good)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Drafts:
    """The player's code in every editable task of every level opened this session, and
    their choices: kept across runs, crashes, resets and switches of level."""

    code: dict[tuple[str, str], str] = field(default_factory=dict)
    choices: dict[tuple[str, str], str] = field(default_factory=dict)
