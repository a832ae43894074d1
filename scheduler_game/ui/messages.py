"""What happened to a run, as Textual messages (posted from the run's thread)."""

from __future__ import annotations

from textual.message import Message

from scheduler_game.level.verdict import Verdict
from scheduler_game.ui.session import LiveRun


class RunGrew(Message):
    """A run in progress has more to show."""

    def __init__(self, live: LiveRun, compare: bool = False) -> None:
        super().__init__()
        self.live = live
        self.compare = compare


class RunEnded(Message):
    """A run ended: its verdict, or None when it was stopped."""

    def __init__(self, verdict: Verdict | None, compare: bool = False) -> None:
        super().__init__()
        self.verdict = verdict
        self.compare = compare
