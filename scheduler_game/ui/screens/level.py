"""The level screen: the brief, a tab per task, the goals, figures and output, and the
timeline; running, stepping, picking and judging."""

from __future__ import annotations

from textwrap import shorten

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import (
    Footer,
    Header,
    Markdown,
    RadioSet,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)

from scheduler_game.level.judge import counted
from scheduler_game.level.load import LoadedLevel
from scheduler_game.level.run import CheckRun, draft_path
from scheduler_game.level.verdict import CodeErrorInfo, VariantVerdict, Verdict
from scheduler_game.timeline import Timeline, task_letter
from scheduler_game.ui.messages import RunEnded, RunGrew
from scheduler_game.ui.screens.compare import Comparing
from scheduler_game.ui.screens.pick import PickScreen, Ready
from scheduler_game.ui.screens.reload import Reloading
from scheduler_game.ui.screens.stepping import Stepping
from scheduler_game.ui.screens.verdict import ShowWhere, VerdictScreen
from scheduler_game.ui.session import (
    Drafts,
    LevelSession,
    crash_spot,
    slice_joins,
)
from scheduler_game.ui.widgets.figures import FiguresTable
from scheduler_game.ui.widgets.goals import GoalsView
from scheduler_game.ui.widgets.output import OutputLog
from scheduler_game.ui.widgets.taskcode import TaskCode
from scheduler_game.ui.widgets.timeline import TimelineView
from scheduler_game.visible import visible

_TIMELINE_KEYS = {"step", "replay", "play", "goto", "variant", "speed"}


class LevelScreen(Stepping, Reloading, Comparing, Screen[None]):
    BINDINGS = [
        Binding("ctrl+r", "run", "Run", priority=True),
        Binding("escape", "stop", "Back"),
        Binding("ctrl+e", "edit", "Edit"),
        Binding("ctrl+t", "focus_timeline", "Timeline"),
        Binding("f2", "verdict", "Verdict"),
        Binding("f3", "compare", "Preemptive?"),
        Binding("f4", "hint", "Hint"),
        Binding("f8", "history", "History", show=False),
        Binding("ctrl+s", "save_svg", "Save SVG", show=False),
        Binding("n", "step(1)", "Step"),
        Binding("b", "step(-1)", "Step back"),
        Binding("space", "play", "Play"),
        Binding("r", "replay", "Replay", show=False),
        Binding("g", "goto", "Go to tick", show=False),
        Binding("v", "variant", "Variant", show=False),
        Binding("less_than_sign", "speed(-1)", "Slower", show=False),
        Binding("greater_than_sign", "speed(1)", "Faster", show=False),
    ]

    DEFAULT_CSS = """
    LevelScreen #tabs { height: 1fr; }
    LevelScreen #brief-scroll { padding: 0 1; }
    LevelScreen #hints { color: $warning; padding: 0 1; }
    LevelScreen .timeline-label { height: 1; background: $panel; color: $text; padding: 0 1; }
    LevelScreen #status { height: auto; max-height: 3; padding: 0 1; color: $text; }
    LevelScreen #status.-error { color: $error; }
    LevelScreen #compare, LevelScreen #compare-label { display: none; }
    LevelScreen.-comparing #compare, LevelScreen.-comparing #compare-label { display: block; }
    """

    def __init__(self, loaded: LoadedLevel, drafts: Drafts) -> None:
        super().__init__()
        self.reset(loaded, drafts)
        self.speed = 2
        self.player: Timer | None = None

    def reset(self, loaded: LoadedLevel, drafts: Drafts | None = None) -> None:
        """Start afresh on `loaded` (a new screen, or its level file changed)."""
        self.session = LevelSession(loaded, drafts or self.session.drafts)
        self.level = loaded.level
        self.run: CheckRun | None = None
        self.compare_run: CheckRun | None = None
        self.verdict: Verdict | None = None
        self.variant = 0
        self.timeline: Timeline | None = None
        self.trace: object | None = None
        self.starts: list[int] | None = None
        self.hints_shown = 0
        self.remove_class("-comparing")

    # -- building the screen

    def compose(self) -> ComposeResult:
        level = self.level
        yield Header()
        with TabbedContent(id="tabs"):
            with TabPane("Brief", id="tab-brief"), VerticalScroll(id="brief-scroll"):
                yield Markdown(level.brief, id="brief")
                yield Markdown(id="hints")
            if level.setup:
                with TabPane("setup", id="tab-setup"):
                    yield TextArea.code_editor(
                        level.setup, language="python", read_only=True, id="setup"
                    )
            for task in level.tasks:
                title = f"{task.name} ✎" if task.editable else task.name
                if task.choose:
                    title = f"{task.name} ?"
                with TabPane(visible(title), id=f"tab-task-{task.name}"):
                    source = self.session.draft(task.name) if task.editable else task.code or ""
                    choice = self.session.choice(task.name) if task.choose else None
                    yield TaskCode(task, source, choice)
            with TabPane("Goals", id="tab-goals"), VerticalScroll():
                yield GoalsView(id="goals")
            with TabPane("Figures", id="tab-figures"):
                yield FiguresTable(id="figures")
            with TabPane("Output", id="tab-output"):
                yield OutputLog(id="output")
        yield Static(classes="timeline-label", id="compare-label")
        yield TimelineView(id="compare")
        yield Static(classes="timeline-label", id="timeline-label")
        yield TimelineView(id="timeline")
        yield Static(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = "Yield"
        self._warm_up()
        self._filled()
        if self.watch_file:
            self._watch()
        self.ready()

    def _filled(self) -> None:
        """The screen's parts show the level (after composing it, or composing it again)."""
        self.sub_title = f"{self.level.chapter} · {self.level.title}"
        self.query_one(GoalsView).show_level(self.level)
        self.query_one(OutputLog).set_entries([])
        self._label()
        policy = self.level.settings.policy
        if policy == "player":
            self._say("You are the scheduler: run (ctrl+r), and pick who runs at every choice.")
        elif self.level.settings.loop == "asyncio":
            self.sub_title += " · asyncio's own loop"
            self._say(
                "This level runs on asyncio's own event loop; the timeline marks where "
                "each loop iteration begins. Run it with ctrl+r."
            )
        else:
            self._say("Read the brief, write your code in the ✎ tab, and run it with ctrl+r.")

    def ready(self) -> None:
        """The screen is built (a screen that extends this one starts its own here)."""

    def _warm_up(self) -> None:
        """Start the next run's sandbox child now, while the player reads or types: a
        run then answers in the time of the run, not of an interpreter's start."""
        from scheduler_game.sandbox.process import warm_up

        self.run_worker(warm_up, thread=True, group="warm-up")

    def on_unmount(self) -> None:
        for run in (self.run, self.compare_run):
            if run is not None:
                run.cancel()

    def _say(self, text: str | Text, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.set_class(error, "-error")
        status.update(text if isinstance(text, Text) else Text(text))

    def _label(self) -> None:
        view = self.query_one("#timeline", TimelineView)
        comparing = self.has_class("-comparing")
        parts = ["Cooperative, as written" if comparing else "Timeline"]
        if self.verdict is not None and len(self.verdict.variants) > 1:
            v = self.verdict.variants[self.variant]
            parts.append(f"variant {self.variant + 1}/{len(self.verdict.variants)} (seed {v.seed})")
        if self.timeline is not None:
            parts.append(f"{self.timeline.end} ticks")
            parts.append(f"{counted(view.per, 'tick')}/cell")
            if view.reveal < self.timeline.end:
                parts.append(f"replay to tick {view.reveal}")
        self.query_one("#timeline-label", Static).update(" · ".join(parts))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _TIMELINE_KEYS:
            return isinstance(self.focused, TimelineView) and self.timeline is not None
        if action == "verdict":
            return self.verdict is not None
        if action == "focus_timeline":
            return not isinstance(self.focused, TimelineView)
        if action == "edit":
            return not isinstance(self.focused, TextArea | RadioSet)
        if action == "hint":
            return bool(self.level.hints)
        return True

    # -- the player's code

    @on(TaskCode.DraftChanged)
    def _draft(self, event: TaskCode.DraftChanged) -> None:
        self.session.set_draft(event.task, event.source)
        self.app.draft_changed(self.level.id, event.task, event.source)  # type: ignore[attr-defined]

    @on(TaskCode.ChoiceChanged)
    def _choice(self, event: TaskCode.ChoiceChanged) -> None:
        self.session.set_choice(event.task, event.label)

    def reset_code(self, task: str) -> None:
        """Back to the starter code; the editor's undo (ctrl+z) brings the draft back."""
        code = self.query_one(f"#code-{task}", TaskCode)
        code.editor.replace(self.session.reset_draft(task), (0, 0), code.editor.document.end)
        self.app.clear_draft(self.level.id, task)  # type: ignore[attr-defined]
        self.notify(f"{task} is back to its starter code (ctrl+z undoes it)")

    # -- running

    def action_run(self) -> None:
        if self.run is not None:
            self.notify("A run is going on: escape stops it.")
            return
        if self._picking is False:  # a fresh run: the picks start again
            self.session.picks = []
        self._start(ask=self._picking is not None)
        self._picking = False

    _picking: bool | None = False  # True: go on with one more pick; None: the rest FIFO

    def _start(
        self, ask: bool = True, shuffle: int = 0, seeds: tuple[int, ...] | None = None
    ) -> None:
        self._pause()
        for code in self.query(TaskCode):
            code.check_now()  # so a crash or refusal shown after the run stays shown
            if code.editable:  # what is on screen runs, even a keystroke not yet saved
                self.session.set_draft(code.task_def.name, code.editor.text)
        self._say("Running… (escape stops)")
        self.run = self.session.start(
            ask=ask,
            shuffle=shuffle,
            seeds=seeds,
            on_live=lambda live: self.post_message(RunGrew(live)),
            on_done=lambda verdict: self.post_message(RunEnded(verdict)),
        )

    def action_stop(self) -> None:
        if self.run is not None:
            self.run.cancel()
            self._say("Stopping…")
        elif self.player is not None:
            self._pause()
        elif len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    @on(RunGrew)
    def _grew(self, event: RunGrew) -> None:
        if event.compare or self.run is None:
            return
        live = event.live
        view = self.query_one("#timeline", TimelineView)
        view.show(live.timeline)
        self.query_one(OutputLog).set_entries(live.output)
        self._say(f"Running… tick {live.timeline.end} (escape stops)")

    @on(RunEnded)
    def _ended(self, event: RunEnded) -> None:
        if event.compare:
            self._compared(event.verdict)
            return
        self.run = None
        self._warm_up()
        verdict = event.verdict
        if verdict is None:
            self._say("Stopped. Your code is as you left it; ctrl+r runs it again.")
            return
        if verdict.error is not None:
            self._code_error(verdict.error)
            return
        errors = [v.error for v in verdict.variants if v.error is not None]
        if errors:
            self._code_error(errors[0])
            return
        asking = next((v for v in verdict.variants if v.outcome == "pick"), None)
        if asking is not None:
            self._ask(verdict, asking)
            return
        self._judged(verdict)

    def _code_error(self, error: CodeErrorInfo) -> None:
        self._say(f"✗ {visible(error.format())}", error=True)
        for task in self.level.tasks:
            if error.path == draft_path(task.name):
                self.query_one(TabbedContent).active = f"tab-task-{task.name}"
                code = self.query_one(f"#code-{task.name}", TaskCode)
                code.show_error(error.line, error.col, visible(error.message))
                code.editor.focus()
                return
        self.notify(visible(error.format()), title="Could not run", severity="error")

    def _ask(self, verdict: Verdict, variant: VariantVerdict) -> None:
        self.verdict = verdict
        self.variant = verdict.variants.index(variant)
        self._show_variant(reveal_all=True)
        names = list(self.timeline.names) if self.timeline is not None else []
        ready = []
        for entry in variant.asked or []:
            task = str(entry.get("task"))
            line = entry.get("line")
            shown = (
                self.session.code_line(task, str(entry.get("path")), int(line))
                if isinstance(line, int)
                else None
            )
            ready.append(
                Ready(
                    task, names.index(task) if task in names else -1, shown, self._code(task, shown)
                )
            )
        self._say(f"Tick {variant.ticks}: {len(ready)} tasks are ready. Pick who runs next.")

        def picked(task: str | None) -> None:
            if task is None:
                self._say("You stopped picking. ctrl+r starts again from the first pick.")
                return
            if task == PickScreen.UNDO:
                self.session.picks.pop()
                self._picking = True
            elif task == PickScreen.FIFO:
                self._picking = None
            else:
                self.session.picks.append(task)
                self._picking = True
            self.action_run()

        self.app.push_screen(PickScreen(variant.ticks, ready, len(self.session.picks)), picked)

    def _code(self, task: str, line: int | None) -> str:
        if line is None:
            return ""
        try:
            code = self.query_one(f"#code-{task}", TaskCode).editor.document.get_line(line - 1)
        except Exception:  # the line is gone from an edited draft
            return ""
        return code

    def _judged(self, verdict: Verdict) -> None:
        self.verdict = verdict
        self.variant = verdict.shown_index()
        self._show_variant(reveal_all=True)
        self.query_one(GoalsView).show_verdict(verdict)
        shown = verdict.variants[self.variant]
        crash = crash_spot(shown)
        hung = shown.hung or {}
        if crash is not None and self.session.is_editable(crash[0]):
            task, line, error = crash
            self._mark(task, line, visible(error))
        elif isinstance(hung.get("line"), int) and self.session.is_editable(str(hung.get("task"))):
            self._mark(str(hung["task"]), int(hung["line"]), "never gave the CPU up: add an await")
        score = self.session.score(verdict)
        code = {t.name: self.session.draft(t.name) for t in self.level.tasks if t.editable}
        self.app.record_attempt(verdict, score, code)  # type: ignore[attr-defined]
        failed = next((g for g in shown.goals if not g.passed), None)
        word = "Solved!" if verdict.passed else "Not yet: a goal failed."
        if failed is not None:  # the first reason, in words, where the eye already is
            reason = f"{failed.goal}: {failed.detail}" if failed.detail else failed.goal
            word = f"Not yet: {shorten(visible(reason), 120, placeholder=' …')}."
        if self.session.player_picks and self.session.picks:
            word += f" ({len(self.session.picks)} picks)"
        self._say(f"{word} F2 shows the verdict; the timeline (ctrl+t) shows how it went.")
        self._open_verdict(verdict, score)

    def _mark(self, task: str, line: int, message: str) -> None:
        """Show a crash or a hang at its line in the task's editor, at the column where
        the line's code starts (a traceback gives the line, not the column)."""
        code = self.query_one(f"#code-{task}", TaskCode)
        text = self._code(task, line)
        code.show_error(line, len(text) - len(text.lstrip()) + 1, message)

    def _open_verdict(self, verdict: Verdict, score: object) -> None:
        def after(where: ShowWhere | str | None) -> None:
            if where == "next":
                self.app.open_next(self.session.loaded.path)  # type: ignore[attr-defined]
                return
            if not isinstance(where, ShowWhere):
                return
            self.variant = where.variant
            self._show_variant(reveal_all=True)
            view = self.query_one("#timeline", TimelineView)
            view.focus()
            view.cursor = where.tick

        screen = VerdictScreen(self.level, verdict, score, **self._verdict_extras())  # type: ignore[arg-type]
        self.app.push_screen(screen, after)

    def _verdict_extras(self) -> dict[str, object]:
        return {}

    def action_history(self) -> None:
        self.app.show_history(self.level)  # type: ignore[attr-defined]

    def action_verdict(self) -> None:
        if self.verdict is not None:
            self._open_verdict(self.verdict, self.session.score(self.verdict))

    def _show_variant(self, *, reveal_all: bool) -> None:
        assert self.verdict is not None
        variant = self.verdict.variants[self.variant]
        self.timeline = Timeline.from_variant(variant)
        self.trace = variant.trace
        self.starts = None
        view = self.query_one("#timeline", TimelineView)
        view.show(self.timeline, joins=slice_joins(variant))
        compare = self.query_one("#compare", TimelineView)
        if self.has_class("-comparing") and compare.timeline is not None:
            compare.share_scale(view)
        self.query_one(FiguresTable).show_variant(variant)
        output = [(o.tick, o.task, o.text) for o in variant.output]
        self.query_one(OutputLog).set_entries(output, variant.dropped_output)
        self._label()

    # -- the cursor and stepping

    @on(TimelineView.CursorMoved, "#timeline")
    def _cursor(self, event: TimelineView.CursorMoved) -> None:
        if self.timeline is None or self.verdict is None:
            return
        tick = event.tick
        wheres = self.session.where(self.timeline, self.trace, tick)
        text = Text(f"tick {tick}", style="bold")
        for i, w in enumerate(wheres):
            style = {"starving": "bold red", "running": "bold green"}.get(w.state, "")
            text.append("  │ ")
            text.append(f"{task_letter(i)} {visible(w.task)} ", "bold")
            text.append(w.state, style)
            if w.waits_on:
                on = " " if w.state == "sleeping" else " on "
                text.append(f"{on}{visible(w.waits_on)}")
            if w.line is not None:
                text.append(f" L{w.line}")
            try:
                code = self.query_one(f"#code-{w.task}", TaskCode)
            except Exception:
                continue
            words = f"at tick {tick}: {w.state}" + (f", at line {w.line}" if w.line else "")
            code.show_where(w.line, words)
        self._say(text)
        view = self.query_one("#timeline", TimelineView)
        self.query_one(OutputLog).show_until(view.reveal if view.reveal < view.end else None)
        self._label()

    def action_edit(self) -> None:
        """To the code the player writes (or chooses): the first such task's tab."""
        for task in self.level.tasks:
            if task.editable or task.choose:
                self.query_one(TabbedContent).active = f"tab-task-{task.name}"
                code = self.query_one(f"#code-{task.name}", TaskCode)
                (code.editor if task.editable else code.query_one(RadioSet)).focus()
                return
        self.notify("This level has no code to write: you pick the order (ctrl+r).")

    def action_focus_timeline(self) -> None:
        self.query_one("#timeline", TimelineView).focus()

    # -- hints

    def action_hint(self) -> None:
        hints = self.level.hints
        if self.hints_shown >= len(hints):
            self.notify("That was the last hint.")
            return
        self.hints_shown += 1
        md = "\n\n".join(
            f"**Hint {i}:** {hint}" for i, hint in enumerate(hints[: self.hints_shown], 1)
        )
        self.query_one("#hints", Markdown).update(md)
        self.query_one(TabbedContent).active = "tab-brief"  # the hints live under the brief
        self.notify(
            visible(hints[self.hints_shown - 1]).replace("`", ""),
            title=f"Hint {self.hints_shown}/{len(hints)}",
        )
