"""Stepping through a run on the level screen: slice by slice forwards and back, play
and pause at a chosen speed, replay from tick 0, go to a tick, another variant.

Runs are deterministic, so stepping reads the finished run's trace: the timeline reveals
it up to the end of the slice at the cursor ("watch it grow"), and the output shows what
was printed before that. Stepping back is the same reading, shorter.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from scheduler_game.timeline import RUNNING, Timeline
from scheduler_game.ui.screens.goto import GotoScreen
from scheduler_game.ui.widgets.timeline import TimelineView

if TYPE_CHECKING:
    from textual.timer import Timer

    from scheduler_game.level.verdict import Verdict

SPEEDS = (1, 2, 4, 8, 16, 32, 64)  # slices a second when playing a run back


def slice_starts(timeline: Timeline) -> list[int]:
    """Every tick at which a slice starts, in order: where stepping stops."""
    starts: set[int] = set()
    for marks in timeline.marks:
        for mark in marks:
            if mark & 7 == RUNNING:
                starts.add(mark >> 3)
    return sorted(t for t in starts if t < timeline.end)


class Stepping:
    """The level screen's stepping actions (a mixin: the screen has the timeline)."""

    timeline: Timeline | None
    verdict: Verdict | None
    variant: int
    starts: list[int] | None
    speed: int
    player: Timer | None

    def _starts(self) -> list[int]:
        if self.starts is None and self.timeline is not None:
            self.starts = slice_starts(self.timeline)
        return self.starts or []

    def action_step(self, direction: int) -> None:
        view = self.query_one("#timeline", TimelineView)
        starts = self._starts()
        if not starts:
            return
        here = view.cursor
        if direction > 0:
            k = bisect_right(starts, here) if view.reveal > 0 else 0
            if k >= len(starts):
                self._pause()
                view.set_reveal(view.end)
                view.cursor = view.end - 1
                return
        else:
            k = max(bisect_left(starts, here) - 1, 0)
        tick = starts[k]
        if view.reveal < view.end:  # replaying: show up to the end of this slice
            view.set_reveal(starts[k + 1] if k + 1 < len(starts) else view.end)
        view.cursor = tick

    def action_replay(self) -> None:
        view = self.query_one("#timeline", TimelineView)
        view.set_reveal(0)
        view.cursor = 0
        self._label()

    def action_play(self) -> None:
        if self.player is not None:
            self._pause()
            return
        view = self.query_one("#timeline", TimelineView)
        if view.reveal >= view.end:
            self.action_replay()
        self.player = self.set_interval(1 / SPEEDS[self.speed], self._tick)
        self._say(f"Playing at {SPEEDS[self.speed]} slices a second (space pauses)")

    def _tick(self) -> None:
        view = self.query_one("#timeline", TimelineView)
        if view.reveal >= view.end:
            self._pause()
            return
        self.action_step(1)

    def _pause(self) -> None:
        if self.player is not None:
            self.player.stop()
            self.player = None

    def action_speed(self, step: int) -> None:
        self.speed = max(0, min(self.speed + step, len(SPEEDS) - 1))
        if self.player is not None:
            self._pause()
            self.action_play()
        else:
            self.notify(f"Playback: {SPEEDS[self.speed]} slices a second")

    def action_goto(self) -> None:
        view = self.query_one("#timeline", TimelineView)

        def go(tick: int | None) -> None:
            if tick is not None:
                view.cursor = tick
                view.focus()

        self.app.push_screen(GotoScreen(view.end), go)

    def action_variant(self) -> None:
        if self.verdict is None or len(self.verdict.variants) < 2:
            self.notify("This level has one variant.")
            return
        self.variant = (self.variant + 1) % len(self.verdict.variants)
        self._show_variant(reveal_all=True)
        self.query_one("#timeline", TimelineView).focus()
