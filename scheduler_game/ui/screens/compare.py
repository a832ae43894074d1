"""What if it were preemptive? The level screen runs the player's code again under a
preemptive scheduler and draws both timelines, one above the other, at one scale (the
lesson's first contrast, on the player's own code); and the timeline saved as SVG."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from scheduler_game.timeline import Timeline
from scheduler_game.ui.messages import RunEnded
from scheduler_game.ui.widgets.timeline import TimelineView
from scheduler_game.visible import visible

if TYPE_CHECKING:
    from scheduler_game.level.verdict import Verdict


class Comparing:
    """The level screen's comparison and picture actions (a mixin)."""

    def action_save_svg(self) -> None:
        """The timeline on screen as an SVG file, to share."""
        from pathlib import Path

        from scheduler_game.svg import timeline_svg

        if self.timeline is None or self.verdict is None:
            self.notify("Run the level first (ctrl+r): then ctrl+s saves its timeline.")
            return
        variant = self.verdict.variants[self.variant]
        path = Path(f"{self.level.id}-seed{variant.seed}.svg").resolve()
        title = f"{self.level.title} (seed {variant.seed}): {variant.outcome}"
        try:
            path.write_text(timeline_svg(self.timeline, title), encoding="utf-8")
        except OSError as err:
            self.notify(f"{path}: {err.strerror}", title="Not saved", severity="error")
            return
        self.notify(str(path), title="Timeline saved")

    # -- what if it were preemptive?

    def action_compare(self) -> None:
        if self.has_class("-comparing"):
            self.remove_class("-comparing")
            self.query_one("#timeline", TimelineView).action_fit()
            self._label()
            return
        if self.compare_run is not None:
            return
        quantum = self.level.settings.quantum
        self.query_one("#compare-label", Static).update(
            f"If it were preemptive (a switch every {quantum} ticks): running…"
        )
        self.add_class("-comparing")
        self.compare_run = self.session.start(
            policy="preemptive",
            on_done=lambda verdict: self.post_message(RunEnded(verdict, compare=True)),
        )
        if self.verdict is None:
            self.action_run()

    def _compared(self, verdict: Verdict | None) -> None:
        self.compare_run = None
        label = self.query_one("#compare-label", Static)
        if verdict is None or verdict.error is not None or not verdict.variants:
            label.update("If it were preemptive: the run could not be made")
            return
        variant = verdict.variants[min(self.variant, len(verdict.variants) - 1)]
        if variant.error is not None:
            label.update(f"If it were preemptive: {visible(variant.error.format())}")
            return
        failed = [g.goal for g in variant.goals if not g.passed]
        held = "every goal held" if not failed else "failed: " + ", ".join(failed)
        quantum = self.level.settings.quantum
        # asyncio's loop cannot be preempted: the comparison runs on the game's loop
        where = ", on the game's loop" if self.level.settings.loop == "asyncio" else ""
        label.update(
            f"If it were preemptive (a switch every {quantum} ticks{where}): "
            f"{variant.ticks} ticks, {visible(held)}"
        )
        compare = self.query_one("#compare", TimelineView)
        compare.show(Timeline.from_variant(variant))
        compare.share_scale(self.query_one("#timeline", TimelineView))
        self._label()
