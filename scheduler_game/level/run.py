"""From a level file and the player's attempt to a verdict.

`program_spec` gathers the level's code in module order (setup, then every task as
listed; a solution file replaces every editable task at the place of the first) into the
plain-data spec that `scheduler_game.sandbox.execute` runs. `check_level` (and
`check_many`, for several attempts at once) is what callers use: it runs the spec in the
sandbox's child process, with its limits. `check_level_in_process` runs it here, with no
limits: for tests only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scheduler_game.level.load import LoadedLevel, SolutionFile
from scheduler_game.level.verdict import CodeErrorInfo, Verdict

if TYPE_CHECKING:
    from scheduler_game.sandbox.process import Listener


@dataclass(frozen=True)
class Attempt:
    """What to run: the player's code and choices, the level's reference, or its starter."""

    solution: SolutionFile | None = None  # replaces the code of every editable task
    reference: bool = False  # the level's solution, answer and solution_order
    choices: dict[str, str] = field(default_factory=dict)  # choose task -> label
    order: list[str] | None = None  # the player's picks (policy player, or any level)
    # task name -> the player's code for that editable task (the game's editors): each
    # runs as its own file, `<task>.py`, so a refusal or a traceback names the task's
    # own line. A solution file, if given too, wins.
    drafts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Options:
    shuffle: int = 0  # also run this many seeded random fair orders per variant
    policy: str | None = None  # run under another policy than the level's (fifo, preemptive)
    timeline: bool = True  # stream the trace (the text report and the screen draw it)
    where: bool = False  # also keep where each task gave the CPU up (the screen shows it)
    ask: bool = False  # when the picks run out where >1 task is ready, stop to ask (player)
    seeds: tuple[int, ...] | None = None  # only these variants (default: every variant)


class ChoiceError(Exception):
    def __init__(self, error: CodeErrorInfo) -> None:
        super().__init__(error.format())
        self.error = error


def draft_path(task: str) -> str:
    """The file name a draft of `task` runs under: what errors and lines name."""
    return f"{task}.py"


def _count_lines(source: str) -> int:
    return sum(1 for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#"))


def program_spec(
    loaded: LoadedLevel, attempt: Attempt, options: Options | None = None
) -> dict[str, Any]:
    """The level and the attempt as plain data for `execute`. Raises ChoiceError."""
    options = options or Options()
    level = loaded.level
    snippets: list[dict[str, Any]] = []
    needs: list[tuple[str, int]] = []
    lines: int | None = None

    def add(source: str, path: str, line: int, col: int, what: str, player: bool = False) -> int:
        snippets.append(
            {"source": source, "path": path, "line": line, "col": col, "what": what,
             "player": player}
        )  # fmt: skip
        return len(snippets) - 1

    if level.setup:
        block = loaded.block("setup")
        add(block.source, block.path, block.line, block.col, "setup")
    solution_at: int | None = None
    for i, task in enumerate(level.tasks):
        if task.editable and attempt.solution is not None:
            if solution_at is None:
                sol = attempt.solution
                solution_at = add(sol.source, sol.path, 1, 0, "your solution", player=True)
                lines = _count_lines(sol.source)
            needs.append((task.name, solution_at))
            continue
        if task.editable and task.name in attempt.drafts and not attempt.reference:
            source = attempt.drafts[task.name]
            lines = (lines or 0) + _count_lines(source)
            index = add(source, draft_path(task.name), 1, 0, f"task {task.name}", player=True)
            needs.append((task.name, index))
            continue
        if task.editable:
            block = loaded.block(
                f"tasks[{i}].solution" if attempt.reference else f"tasks[{i}].code"
            )
            lines = (lines or 0) + _count_lines(block.source)
            what = f"task {task.name}"
            index = add(block.source, block.path, block.line, block.col, what, player=True)
            needs.append((task.name, index))
            continue
        elif task.choose:
            label = _choice(loaded, i, attempt)
            labels = [c.label for c in task.choose]
            block = loaded.block(f"tasks[{i}].choose[{labels.index(label)}].code")
            what = f"task {task.name} (choice {label})"
        else:
            block = loaded.block(f"tasks[{i}].code")
            what = f"task {task.name}"
        needs.append((task.name, add(block.source, block.path, block.line, block.col, what)))
    for name in attempt.choices:
        if not any(t.name == name and t.choose for t in level.tasks):
            choosable = ", ".join(t.name for t in level.choose_tasks()) or "none"
            raise ChoiceError(
                CodeErrorInfo(
                    path=loaded.path,
                    line=1,
                    col=1,
                    message=f"--choose {name}=...: level {level.id} has no task {name} to "
                    f"choose for (tasks with choices: {choosable})",
                )
            )
    settings = level.settings
    policy = options.policy or settings.policy
    order = attempt.order
    if order is None and attempt.reference and level.solution_order:
        order = list(level.solution_order)
    return {
        "level": level.id,
        "title": level.title,
        "settings": {
            "max_ticks": settings.max_ticks,
            "starve_after": settings.starve_after,
            "line_cost": settings.line_cost,
            "runaway_lines": settings.runaway_lines,
            "max_tasks": getattr(settings, "max_tasks", 1_000),
            "loop": settings.loop,
        },
        "shared": {name: spec.model_dump(exclude_none=True) for name, spec in level.shared.items()},
        "tasks": [
            {
                "name": t.name,
                "args": list(t.args),
                "at": t.at,
                "autostart": t.autostart,
                "max_wait": t.max_wait,
            }
            for t in level.tasks
        ],
        "goals": [g.model_dump(exclude_none=True) for g in level.goals],
        "snippets": snippets,
        "needs": needs,
        "seeds": list(options.seeds or [v.seed for v in level.variants] or [0]),
        "policy": policy,
        "quantum": settings.quantum,
        "order": order,
        "shuffle": options.shuffle,
        "lines": lines,
        "timeline": options.timeline,
        "where": options.where,
        "ask": options.ask,
    }


def _choice(loaded: LoadedLevel, i: int, attempt: Attempt) -> str:
    task = loaded.level.tasks[i]
    labels = [c.label for c in task.choose or []]
    label = attempt.choices.get(task.name)
    if label is None and attempt.reference:
        label = task.answer
    if label is not None and label in labels:
        return label
    line, col = loaded.position("tasks", i, "choose")
    if label is None:
        message = (
            f"task {task.name} needs a choice: --choose {task.name}=LABEL, "
            f"with LABEL one of {', '.join(labels)}"
        )
    else:
        message = f"task {task.name} has no choice {label!r}; its choices are {', '.join(labels)}"
    raise ChoiceError(CodeErrorInfo(path=loaded.path, line=line, col=col, message=message))


def _verdict_of_error(loaded: LoadedLevel, error: CodeErrorInfo) -> Verdict:
    return Verdict(
        level=loaded.level.id, title=loaded.level.title, passed=False, variants=[], error=error
    )


def check_level(
    loaded: LoadedLevel,
    attempt: Attempt,
    options: Options | None = None,
    *,
    listen: Listener | None = None,
) -> Verdict:
    """Run the attempt on every variant (and random orders, if asked) in the sandbox's
    child process, and judge it. Every command that runs level or player code runs it
    this way: with the sandbox's limits, whatever the code does."""
    return check_many(loaded, [(attempt, options)], listen=listen)[0]


def check_many(
    loaded: LoadedLevel,
    attempts: list[tuple[Attempt, Options | None]],
    *,
    listen: Listener | None = None,
) -> list[Verdict]:
    """Several attempts at one level, in one sandboxed child, one after the other, within
    one set of limits (as `validate` proves a level): a verdict for each."""
    run = CheckRun(loaded, attempts, listen)
    run.run()
    verdicts = run.verdicts
    assert verdicts is not None  # only a cancelled run has none
    return verdicts


class CheckRun:
    """A check of a level in the sandbox, that the screen runs in the background: what
    it says arrives through `listen` (on the run's own thread), `cancel()` stops it at any
    moment from any thread, and `verdicts` holds the result once it is done (None if it
    was cancelled). The command line uses it too, through `check_level`."""

    def __init__(
        self,
        loaded: LoadedLevel,
        attempts: list[tuple[Attempt, Options | None]],
        listen: Listener | None = None,
    ) -> None:
        from scheduler_game.sandbox.process import SandboxRun

        self.loaded = loaded
        self.verdicts: list[Verdict] | None = None
        self._early: list[Verdict | None] = []  # an attempt unusable before it runs
        specs: list[dict[str, Any]] = []
        for attempt, options in attempts:
            try:
                specs.append(program_spec(loaded, attempt, options))
                self._early.append(None)
            except ChoiceError as bad:
                self._early.append(_verdict_of_error(loaded, bad.error))
        self._sandbox = SandboxRun(specs, listen=listen) if specs else None
        self._thread: threading.Thread | None = None

    def start(self) -> CheckRun:
        """Run on a thread of its own; `wait()` joins it."""
        self._thread = threading.Thread(target=self.run, daemon=True, name="check-run")
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> list[Verdict] | None:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.verdicts

    def cancel(self) -> None:
        if self._sandbox is not None:
            self._sandbox.cancel()

    def run(self) -> list[Verdict] | None:
        """Run here, blocking: the verdicts, or None if the run was cancelled."""
        ran: list[dict[str, Any]] = []
        if self._sandbox is not None:
            result = self._sandbox.run()
            if result is None:
                return None
            ran = result
        results = iter(ran)
        self.verdicts = [
            early if early is not None else _verdict(next(results)) for early in self._early
        ]
        return self.verdicts


def _verdict(data: dict[str, Any]) -> Verdict:
    """The verdict's model; a streamed variant keeps its absorbed trace (`trace`), which
    the report and the screen draw from: no segment is built for them."""
    return Verdict.model_validate(data)


def check_level_in_process(
    loaded: LoadedLevel, attempt: Attempt, options: Options | None = None
) -> Verdict:
    """For tests only: the same check without the sandbox, in this process, with no
    limits at all. Never for code a person wrote: a game command uses `check_level`."""
    from scheduler_game.sandbox.execute import execute

    try:
        spec = program_spec(loaded, attempt, options)
    except ChoiceError as bad:
        return _verdict_of_error(loaded, bad.error)
    return Verdict.model_validate(execute(spec))
