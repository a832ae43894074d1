"""The verdict after a run: on a win the score and the debrief; on a loss which goal
failed and why, with a key that shows where it went wrong."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown, Static

from scheduler_game.level.model import Level
from scheduler_game.level.verdict import Verdict
from scheduler_game.ui.screens.select import stars
from scheduler_game.ui.session import Score, failure_tick
from scheduler_game.visible import visible

OUTCOME_WORDS = {
    "finished": "the run ended with no task left to run",
    "deadlock": "every task left was blocked, waiting for another: a deadlock",
    "timeout": "the run reached its tick limit before the tasks were done",
    "hung": "a task held the CPU and never gave it up: the run was stopped",
    "pick": "the run stopped to let you pick who runs next",
}


@dataclass(frozen=True)
class ShowWhere:
    """The player asked to see where it went wrong: this variant, at this tick."""

    variant: int
    tick: int


def verdict_markdown(
    level: Level, verdict: Verdict, score: Score | None, *, practice: str | None = None
) -> str:
    """The verdict in words, as markdown (tested without a screen). `practice`: the
    interview practice's summary line; the debrief is then shown, won or lost."""
    md: list[str] = []
    if practice is not None:
        md += [practice, ""]
    if verdict.error is not None:
        md += ["# Could not run", "", f"`{visible(verdict.error.format())}`"]
        return "\n".join(md)
    if score is not None:
        md += [f"# Solved {stars(score.stars)}", ""]
        ticks = f"**{score.ticks}** ticks" + _par(score.par_ticks)
        figures = f"{ticks} · **{score.switches}** switches · worst wait **{score.worst_wait}**"
        if score.lines is not None:
            figures += f" · **{score.lines}** lines of code{_par(score.par_lines)}"
        md += [figures]
        if verdict.shuffled:
            md += ["", f"It also won under {verdict.shuffled} random orders of every variant."]
        if level.debrief:
            md += ["", "## Debrief", "", level.debrief]
        return "\n".join(md)
    md += ["# Not yet", ""]
    for variant in verdict.variants:
        if variant.passed:
            continue
        head = f"**Variant seed {variant.seed}**: " if len(verdict.variants) > 1 else ""
        outcome = variant.outcome or "not run"
        md.append(f"{head}outcome **{outcome}**: {OUTCOME_WORDS.get(outcome, outcome)}.")
        md.append("")
        if variant.error is not None:
            md += [f"`{visible(variant.error.format())}`", ""]
        for goal in variant.goals:
            if not goal.passed:
                md.append(f"- ✗ **{visible(goal.goal)}**: {visible(goal.detail)}")
        if variant.waits:
            md += ["", "Who waits for what:", ""]
            for w in variant.waits:
                held = f", held by **{visible(w.held_by)}**" if w.held_by else ""
                md.append(f"- **{visible(w.task)}** waits on {visible(w.on)}{held}")
        for t in variant.tasks:
            if t.error:
                md += ["", f"**{visible(t.name)}** crashed: `{visible(t.error)}`"]
        if variant.hung:
            md += ["", f"**{visible(str(variant.hung.get('task')))}** never gave the CPU up "
                   f"(line {variant.hung.get('line')})."]  # fmt: skip
        if variant.notes:
            md += ["", "Notes:", ""]
            md += [f"- {_plain(note)}" for note in variant.notes]
        md.append("")
        break  # the first failing variant is the one the screen shows
    if verdict.losing_order is not None:
        lo = verdict.losing_order
        md += [f"It also lost under a random order (seed {lo.seed}): "
               f"`{', '.join(visible(o) for o in lo.order[:20])}`."]  # fmt: skip
    if verdict.stopped:
        md += ["", f"Stopped: {visible(verdict.stopped)}"]
    if practice is not None and level.debrief:
        md += ["", "## Debrief", "", level.debrief]
    return "\n".join(md)


def _plain(text: str) -> str:
    """Text shown as it is in markdown: a note quotes task code (`q.put(x*2)`)."""
    return "".join(f"\\{c}" if c in _MARKDOWN else c for c in visible(text))


_MARKDOWN = set("\\`*_[]<>#|~!")


def _par(value: int | None) -> str:
    return "" if value is None else f" (par {value})"


class VerdictScreen(ModalScreen[ShowWhere | str | None]):
    """Shown after each run; escape returns to the level."""

    BINDINGS = [
        Binding("escape,enter", "dismiss(None)", "Back to the level"),
        Binding("w", "where", "Show where it went wrong"),
        Binding("n", "dismiss('next')", "Next level"),
    ]

    DEFAULT_CSS = """
    VerdictScreen { align: center middle; }
    VerdictScreen > Vertical {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    VerdictScreen.-won > Vertical { border: thick $success; }
    VerdictScreen.-lost > Vertical { border: thick $error; }
    VerdictScreen .title { text-style: bold; }
    VerdictScreen .body { height: auto; max-height: 100%; }
    """

    def __init__(
        self, level: Level, verdict: Verdict, score: Score | None, practice: str | None = None
    ) -> None:
        super().__init__(classes="-won" if score is not None else "-lost")
        self.level = level
        self.verdict = verdict
        self.score = score
        self.practice = practice

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(visible(self.level.title), classes="title")
            with VerticalScroll(classes="body"):
                md = verdict_markdown(self.level, self.verdict, self.score, practice=self.practice)
                yield Markdown(md)
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "where":
            return self.score is None and bool(self.verdict.variants)
        if action == "dismiss" and parameters == ("next",):
            return self.score is not None and self.practice is None  # after a win
        return True

    def action_where(self) -> None:
        i = self.verdict.shown_index()
        variant = self.verdict.variants[i]
        failed = [g for g in variant.goals if not g.passed]
        tick = failure_tick(variant, failed[0]) if failed else max(variant.ticks - 1, 0)
        self.dismiss(ShowWhere(i, tick))
