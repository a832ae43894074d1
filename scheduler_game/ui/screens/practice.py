"""Interview practice: one problem of the interview track, a clock, no hints, and one
answer judged as an interview would judge it: every hidden variant and random orders of
the ready tasks, so that code right only by luck fails.

As in an interview, the candidate may try the example first: ctrl+r runs the problem's
first variant (the one the statement shows), judged on nothing. F5 submits, once (the
clock running out submits too); after that the screen is a level screen like any
other, but only the submitted answer counts, and it is kept with the player's progress
with the time it took."""

from __future__ import annotations

import time

from textual.binding import Binding
from textual.timer import Timer

from scheduler_game.level.judge import counted
from scheduler_game.level.load import LoadedLevel
from scheduler_game.level.verdict import Verdict
from scheduler_game.ui.drafts import Drafts
from scheduler_game.ui.screens.level import LevelScreen
from scheduler_game.ui.widgets.goals import GoalsView

SHUFFLES = 20  # random orders per variant, on top of FIFO, for the submission


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class PracticeScreen(LevelScreen):
    """A level screen with a clock, no hints, and one judged submission."""

    watch_file = False
    BINDINGS = [Binding("f5", "submit", "Submit", priority=True)]

    def __init__(self, loaded: LoadedLevel, drafts: Drafts, minutes: int) -> None:
        super().__init__(loaded, drafts)
        self.minutes = minutes
        self.started = time.monotonic()
        self.taken: float | None = None  # seconds to the first submission
        self.ticker: Timer | None = None

    def ready(self) -> None:
        self._say(
            f"Interview practice: {self.minutes} minutes, no hints. ctrl+r tries your code on "
            f"the example; F5 submits it, once: judged on every hidden variant and {SHUFFLES} "
            "random orders."
        )
        self.ticker = self.set_interval(1, self._tick_clock)
        self._tick_clock()

    @property
    def left(self) -> float:
        return self.minutes * 60 - (time.monotonic() - self.started)

    def _tick_clock(self) -> None:
        if self.taken is not None:
            self.sub_title = (
                f"Interview practice · {self.level.title} · done in {clock(self.taken)}"
            )
            return
        self.sub_title = f"Interview practice · {self.level.title} · {clock(self.left)} left"
        if self.left <= 0:
            self.notify("Time is up: your answer is submitted as it is.", title="Interview")
            self.action_submit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hint":
            return False  # an interview gives no hints
        return super().check_action(action, parameters)

    def action_run(self) -> None:
        if self.taken is not None:
            super().action_run()  # after the submission: practice runs, every variant
            return
        if self.run is not None:
            self.notify("A run is going on: escape stops it.")
            return
        first = self.level.variants[0].seed if self.level.variants else 0
        self._trying = True
        self._start(seeds=(first,))  # the example: the first variant, judged on nothing

    def action_submit(self) -> None:
        if self.taken is not None:
            self.notify("Your answer is in: only the first submission counts.")
            return
        if self.run is not None:
            self.run.cancel()
        self.taken = time.monotonic() - self.started
        self._trying = False
        self._tick_clock()
        self._start(shuffle=SHUFFLES)

    _trying = False

    def _judged(self, verdict: Verdict) -> None:
        if self._trying:  # the example: shown, not judged, not kept
            self._trying = False
            word = "holds" if verdict.passed else "does not hold"
            self._say(f"On the example your code {word}. F5 submits it when you are ready.")
            self.verdict = verdict
            self.variant = 0
            self._show_variant(reveal_all=True)
            self.query_one(GoalsView).show_verdict(verdict)
            return
        if not getattr(self, "_recorded", False) and self.taken is not None:
            self._recorded = True
            store = self.app.store  # type: ignore[attr-defined]
            from scheduler_game.progress import SaveStore

            try:
                (store or SaveStore()).record_practice(
                    self.level.id, self.taken, self.minutes, verdict.passed
                )
            except OSError as err:
                self.notify(f"Practice not saved: {err}", severity="warning")
            self.submitted = verdict
        super()._judged(verdict)

    def _verdict_extras(self) -> dict[str, object]:
        verdict = getattr(self, "submitted", None)
        if verdict is None or self.taken is None:
            return {}
        word = "passed" if verdict.passed else "did not pass"
        over = " (over time)" if self.taken > self.minutes * 60 else ""
        line = (
            f"**Interview answer {word}** in {clock(self.taken)} of {self.minutes}:00{over}, "
            f"judged on {counted(len(verdict.variants), 'hidden variant')} and "
            f"{verdict.shuffled} random orders."
        )
        return {"practice": line}
