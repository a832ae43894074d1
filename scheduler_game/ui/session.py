"""A level on screen, without the screen: the player's drafts and choices, the runs
they start and what the screen reads from a run (where each task is, when a goal went
wrong, the score). Plain Python, so it is tested without a terminal.

Runs go through `CheckRun`, the one way every command runs a level: in the sandbox's
child process, streamed, cancellable from any thread.
"""

from __future__ import annotations

import re
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scheduler_game.level.load import LoadedLevel
from scheduler_game.level.model import TaskDef
from scheduler_game.level.run import Attempt, CheckRun, Options, draft_path
from scheduler_game.level.verdict import GoalVerdict, VariantVerdict, Verdict
from scheduler_game.timeline import Timeline
from scheduler_game.ui.drafts import Drafts


@dataclass(frozen=True)
class Score:
    ticks: int
    switches: int
    worst_wait: int
    lines: int | None
    stars: int  # 1 for the win, one more for each par met
    par_ticks: int | None
    par_lines: int | None


@dataclass(frozen=True)
class Where:
    """Where a task is at a tick: its state in words, what it waits on, its line."""

    task: str
    state: str
    waits_on: str | None
    line: int | None  # in the task's own code on screen (1-based), if known


@dataclass
class LiveRun:
    """What a run in progress has shown so far: a copy the screen may read while the
    run's thread goes on absorbing."""

    seed: int
    timeline: Timeline
    output: list[tuple[int, str, str]]


class LevelSession:
    """One level as the player works on it."""

    def __init__(self, loaded: LoadedLevel, drafts: Drafts | None = None) -> None:
        self.loaded = loaded
        self.level = loaded.level
        self.drafts = drafts if drafts is not None else Drafts()
        for task in self.level.tasks:
            key = (self.level.id, task.name)
            if task.editable and key not in self.drafts.code:
                self.drafts.code[key] = task.code or ""
            if task.choose and key not in self.drafts.choices:
                self.drafts.choices[key] = task.choose[0].label
        self.picks: list[str] = []  # policy player: the picks made so far

    # -- the player's code

    def draft(self, task: str) -> str:
        return self.drafts.code[(self.level.id, task)]

    def set_draft(self, task: str, source: str) -> None:
        self.drafts.code[(self.level.id, task)] = source

    def choice(self, task: str) -> str:
        return self.drafts.choices[(self.level.id, task)]

    def set_choice(self, task: str, label: str) -> None:
        self.drafts.choices[(self.level.id, task)] = label

    def reset_draft(self, task: str) -> str:
        """Back to the starter code (the screen keeps the old text in the editor's undo)."""
        source = self.level_task(task).code or ""
        self.set_draft(task, source)
        return source

    def is_editable(self, name: str) -> bool:
        return any(t.name == name and t.editable for t in self.level.tasks)

    def level_task(self, name: str) -> TaskDef:
        return next(t for t in self.level.tasks if t.name == name)

    @property
    def player_picks(self) -> bool:
        return self.level.settings.policy == "player"

    def attempt(self, order: list[str] | None = None) -> Attempt:
        level = self.level
        drafts = {t.name: self.draft(t.name) for t in level.tasks if t.editable}
        choices = {t.name: self.choice(t.name) for t in level.tasks if t.choose}
        if order is None and self.player_picks:
            order = list(self.picks)
        return Attempt(drafts=drafts, choices=choices, order=order)

    # -- runs

    def start(
        self,
        *,
        policy: str | None = None,
        ask: bool = True,
        shuffle: int = 0,
        seeds: tuple[int, ...] | None = None,
        on_live: Callable[[LiveRun], None] | None = None,
        on_done: Callable[[Verdict | None], None],
        every: float = 0.1,
    ) -> CheckRun:
        """Start a run of the player's code on a thread of its own. `on_live` hears a
        copy of the run so far at most every `every` seconds (from the run's thread);
        `on_done` hears the verdict (None if cancelled) from the same thread. On a
        `policy: player` level the run stops to ask at the first choice past the picks
        made so far; with `ask=False` the rest runs first come, first served."""
        ask = ask and self.player_picks and policy is None
        options = Options(policy=policy, where=True, ask=ask, shuffle=shuffle, seeds=seeds)
        watcher = _Watcher(on_live, every) if on_live is not None else None
        run = CheckRun(self.loaded, [(self.attempt(), options)], watcher)

        def go() -> None:
            verdicts = None
            try:
                verdicts = run.run()
            finally:
                on_done(verdicts[0] if verdicts else None)

        threading.Thread(target=go, daemon=True, name="level-run").start()
        return run

    # -- reading a verdict

    def where(self, timeline: Timeline, trace: Any, tick: int) -> list[Where]:
        """Every task's state at `tick`, what it waits on and the line it is at."""
        out = []
        for i, name in enumerate(timeline.names):
            if tick >= timeline.end:
                break
            at = timeline.state_at(i, tick)
            state = "starving" if at.starving else _STATE_WORDS.get(at.state, "absent")
            blocked = state in ("blocked", "sleeping") and trace is not None
            waits_on = trace.wait_at(i, tick) if blocked else None
            line = None
            if trace is not None:
                spot = trace.line_at(i, tick)
                if spot is not None:
                    line = self.code_line(name, spot[0], spot[1])
            out.append(Where(name, state, waits_on, line))
        return out

    def code_line(self, task: str, path: str, line: int) -> int | None:
        """A (file, line) the engine reported, as a line of the task's code on screen."""
        if path == draft_path(task):
            return line
        if path != self.loaded.path:
            return None
        for block in self.loaded.code_blocks():
            if block.task != task or block.kind == "solution":
                continue
            if block.kind == "choice" and block.label != self.drafts.choices.get(
                (self.level.id, task)
            ):
                continue
            last = block.line + block.source.count("\n")
            if block.line <= line <= last:
                return line - block.line + 1
        return None

    def score(self, verdict: Verdict) -> Score | None:
        """The score of a win (None for a loss)."""
        if not verdict.passed or not verdict.variants:
            return None
        ticks = max(v.ticks for v in verdict.variants)
        switches = max(sum(t.switches for t in v.tasks) for v in verdict.variants)
        worst = max((t.longest_wait for v in verdict.variants for t in v.tasks), default=0)
        par = self.level.par
        par_ticks = par.ticks if par else None
        par_lines = par.lines if par else None
        stars = 1
        if par_ticks is not None and ticks <= par_ticks:
            stars += 1
        writes = any(t.editable for t in self.level.tasks)
        if not writes:  # no code to write (a choice, an order): lines are not scored
            par_lines = None
            stars += 1
        elif par_lines is not None and verdict.lines is not None and verdict.lines <= par_lines:
            stars += 1
        return Score(ticks, switches, worst, verdict.lines, stars, par_ticks, par_lines)


_FRAME = re.compile(r'^  File "(?P<path>[^"]+)", line (?P<line>\d+)', re.MULTILINE)


def crash_spot(variant: VariantVerdict) -> tuple[str, int, str] | None:
    """The first crash of the player's own code: (task, line in its draft, the error)."""
    for t in variant.tasks:
        if not t.traceback:
            continue
        frames = [(m["path"], int(m["line"])) for m in _FRAME.finditer(t.traceback)]
        for path, line in reversed(frames):  # the innermost frame in a draft
            if path.endswith(".py") and path[:-3].isidentifier():
                return path[:-3], line, t.error or "crashed"
    return None


def split_solution(source: str, tasks: list[str]) -> dict[str, str]:
    """A solution file (`play --solution FILE`) as drafts, one per editable task: each
    task's own function (with its decorators) in its tab, everything else (helpers,
    shared values) in the first tab, in file order. Each draft runs as its own snippet
    of the one module, so the whole behaves as the file did. A file that does not parse
    goes whole into the first tab, where its error is shown."""
    import ast

    drafts = {name: [] for name in tasks}  # type: dict[str, list[str]]
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {name: source if i == 0 else "" for i, name in enumerate(tasks)}
    lines = source.splitlines(keepends=True)
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        text = "".join(lines[first - 1 : node.end_lineno])
        own = getattr(node, "name", None)
        drafts[own if own in drafts else tasks[0]].append(text)
    return {name: "\n\n".join(part.rstrip("\n") for part in parts) + "\n" if parts else ""
            for name, parts in drafts.items()}  # fmt: skip


def slice_joins(variant: VariantVerdict, limit: int = 20_000) -> dict[int, set[int]]:
    """Per task (by its index), the ticks where one of its slices begins right where its
    previous slice ended: invisible in the marks, which merge the two. Only for runs of
    up to `limit` slices (a long run is not read at one cell a tick anyway)."""
    trace = variant.trace
    if trace is None or sum(t.switches for t in variant.tasks) > limit:
        return {}
    index = {name: i for i, name in enumerate(trace.names)}
    last_end: dict[str, int] = {}
    joins: dict[int, set[int]] = {}
    for s in trace.slices_since(0, final=True)[0]:
        if last_end.get(s.task) == s.start and s.start > 0:
            joins.setdefault(index[s.task], set()).add(s.start)
        last_end[s.task] = s.end
    return joins


def failure_tick(variant: VariantVerdict, goal: GoalVerdict) -> int:
    """The tick to look at for a failed goal: where the wait that broke a limit crossed
    it, where an unwanted line was printed, or where the run ended."""
    kind = goal.goal.split(":", 1)[0].split(" ", 1)[0]
    last = max(variant.ticks - 1, 0)
    if kind in ("max_wait", "no_starvation"):
        worst = [t for t in variant.tasks if t.longest_wait > t.max_wait]
        named = [t for t in worst if t.name in goal.goal or t.name in goal.detail]
        for t in named or worst:
            return min(t.longest_wait_from + t.max_wait, last)
    if kind in ("crash",) or "crash" in goal.detail:
        for t in variant.tasks:
            if t.state in ("crashed", "error") and t.finished_at is not None:
                return min(t.finished_at, last)
    if kind.startswith("output"):
        return min(variant.output[-1].tick, last) if variant.output else last
    return last


_STATE_WORDS = {0: "absent", 1: "ready", 2: "running", 3: "sleeping", 4: "blocked", 5: "done"}


class _Watcher:
    """The run's listener: keeps the output, and hands the screen a copy of the trace
    so far at most every `every` seconds (a copy, so the screen never reads arrays the
    run's thread is appending to)."""

    def __init__(self, on_live: Callable[[LiveRun], None], every: float) -> None:
        self.on_live = on_live
        self.every = every
        self.last = 0.0
        self.output: dict[int, list[tuple[int, str, str]]] = {}

    def __call__(self, message: dict[str, Any], trace: Any) -> None:
        if message.get("event") != "trace" or trace is None:
            return
        seed = int(message["seed"])
        out = self.output.setdefault(seed, [])
        out.extend((int(t), str(task), str(text)) for t, task, text in message["output"])
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        marks = [array("q", m) for m in trace.marks]
        end = max((m[-1] >> 3 for m in marks if m), default=0)
        iterations = array("q", trace.iterations)  # asyncio's loop: where each began
        timeline = Timeline(
            list(trace.names), list(trace.limits), marks, end=end, iterations=iterations
        )
        self.on_live(LiveRun(seed, timeline, list(out)))
