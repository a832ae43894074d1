"""The level's goals, each marked held or failed after a run, with its detail."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from scheduler_game.level.judge import goal_label
from scheduler_game.level.model import Level
from scheduler_game.level.verdict import Verdict
from scheduler_game.visible import visible


class GoalsView(Static):
    DEFAULT_CSS = """
    GoalsView { height: auto; padding: 0 1; }
    """

    def show_level(self, level: Level) -> None:
        text = Text("Goals (not run yet)\n", style="bold")
        for goal in level.goals:
            text.append(f"  ○ {visible(goal_label(goal))}\n")
        self.update(text)

    def show_verdict(self, verdict: Verdict) -> None:
        text = Text()
        if verdict.error is not None:
            text.append("The level could not run\n", style="bold red")
            text.append(visible(verdict.error.format()))
            self.update(text)
            return
        many = len(verdict.variants) > 1
        for variant in verdict.variants:
            head = f"Variant seed {variant.seed}: " if many else ""
            word = "held" if variant.passed else "failed"
            style = "bold green" if variant.passed else "bold red"
            text.append(f"{head}every goal {word}" if variant.passed else f"{head}{word}", style)
            text.append(f"  (outcome {variant.outcome}, {variant.ticks} ticks)\n")
            if variant.error is not None:
                text.append(f"  ✗ {visible(variant.error.format())}\n", style="red")
            for g in variant.goals:
                mark, style = ("✓", "green") if g.passed else ("✗", "red")
                text.append(f"  {mark} ", style)
                text.append(visible(g.goal), "bold" if not g.passed else "")
                if g.detail:
                    text.append(f": {visible(g.detail)}")
                text.append("\n")
        if verdict.shuffled:
            text.append(f"\nAlso tried {verdict.shuffled} random orders per variant.\n")
        if verdict.stopped:
            text.append(f"\nStopped: {visible(verdict.stopped)}\n", style="red")
        self.update(text.rstrip() or text)
