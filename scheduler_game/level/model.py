"""The level file as a pydantic model: the one source of truth for loading, checking and
the published JSON Schema (GAME.md §4). Every field says what it is for: that text is
the hover help of a schema-aware editor.

The rules that tie fields together (a goal names a task of the level, an editable task
has a solution, ...) are model validators too, so a `Level` built any way obeys them.
Each rule reports the key path it is about (see `LevelRules`), so the loader can put
every problem at its line and column.
"""

from __future__ import annotations

import keyword
import re
from typing import Annotated, Literal, get_args

from pydantic import (
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from scheduler_game.level.base import StrictModel
from scheduler_game.level.goals import CrashGoal, Goal, MaxWaitGoal
from scheduler_game.sandbox.bindings import EVERY_TASK_READS

SLUG = r"^[a-z0-9][a-z0-9-]*$"
# ASCII only: a name is typed on the command line (--choose, --order) and read in reports.
IDENT = r"^[A-Za-z][A-Za-z0-9_]*$"
PythonName = Annotated[str, StringConstraints(pattern=IDENT)]

RULES_ERROR = "level_rules"
"""The pydantic error type of a broken cross-field rule; `ctx["problems"]` holds
`(key path relative to the error's location, message)` pairs."""

Problem = tuple[tuple[str | int, ...], str]


def rules_error(problems: list[Problem]) -> PydanticCustomError:
    summary = "; ".join(message for _, message in problems)
    return PydanticCustomError(RULES_ERROR, "{summary}", {"summary": summary, "problems": problems})


def spawned_base(name: str) -> str:
    """`worker-2` -> `worker`: the name `spawn()` gives the second copy of a task."""
    base, dash, count = name.rpartition("-")
    return base if dash and count.isdigit() else name


_Model = StrictModel


# --------------------------------------------------------------------- settings


class Settings(_Model):
    """How the machine runs: every key is optional."""

    max_ticks: int = Field(
        500, ge=1, strict=True, description="The clock stops here: outcome `timeout`."
    )
    starve_after: int = Field(
        10,
        ge=0,
        strict=True,
        description="A task starves when a ready-wait lasts longer than this (a task's "
        "`max_wait` overrides it).",
    )
    line_cost: int = Field(
        0, ge=0, strict=True, description="Ticks each executed line of task code costs."
    )
    runaway_lines: int = Field(
        100_000,
        ge=1,
        strict=True,
        description="A slice that runs more lines than this without giving up the CPU has "
        "hung the machine: outcome `hung`.",
    )
    policy: Literal["fifo", "preemptive", "player"] = Field(
        "fifo",
        description="Who picks the next task: `fifo` (as asyncio), `preemptive` (a task is "
        "interrupted after `quantum` ticks) or `player` (the player picks; needs "
        "`solution_order`).",
    )
    quantum: int = Field(
        5, ge=1, strict=True, description="With `policy: preemptive`, the ticks of a turn."
    )
    max_tasks: int = Field(
        1_000, ge=1, strict=True, description="The most tasks a run may have, spawned included."
    )
    loop: Literal["game", "asyncio"] = Field(
        "game",
        description="The rules of the loop: `game` (one rule a player can apply: a task "
        "made ready joins the queue at once, a sleeper at the end of the slice it became "
        "due in) or `asyncio` (exactly as CPython 3.11's event loop: loop iterations, "
        "timers read once per iteration, asyncio's Queue, Lock, Event, Semaphore, "
        "cancelling and wait_for). Needs `policy: fifo`.",
    )

    @model_validator(mode="after")
    def _asyncio_is_fifo(self) -> Settings:
        if self.loop == "asyncio" and self.policy != "fifo":
            raise rules_error(
                [
                    (
                        ("loop",),
                        "loop: asyncio runs asyncio's own FIFO loop; it cannot be "
                        f"policy: {self.policy}",
                    )
                ]
            )
        return self


# --------------------------------------------------------------------- shared objects


class QueueSpec(_Model):
    """A FIFO queue of items: `await q.get()`, `await q.put(x)`."""

    maxsize: int = Field(
        0, ge=0, strict=True, description="How many items it holds; 0 means unbounded."
    )


class EventSpec(_Model):
    """A flag tasks wait for: `await e.wait()`, `e.set()`."""


class LockSpec(_Model):
    """A mutex: `await lock.acquire()`, `lock.release()`, `async with lock:`."""


class SemaphoreSpec(_Model):
    """A counter of slots: `await sem.acquire()`, `sem.release()`."""

    value: int = Field(1, ge=0, strict=True, description="How many tasks may hold it at once.")


SHARED_KINDS = ("queue", "event", "lock", "semaphore")


class SharedObject(_Model):
    """Exactly one of queue, event, lock, semaphore."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1, "maxProperties": 1})

    queue: QueueSpec | None = Field(
        None, description="A FIFO queue: `await q.get()`, `await q.put(x)`, `q.qsize()`."
    )
    event: EventSpec | None = Field(None, description="A flag: `await e.wait()`, `e.set()`.")
    lock: LockSpec | None = Field(
        None, description="A mutex: `await lock.acquire()`, `lock.release()`, `async with`."
    )
    semaphore: SemaphoreSpec | None = Field(
        None, description="A counter of slots: `await sem.acquire()`, `sem.release()`."
    )

    def kind(self) -> str:
        return next(k for k in SHARED_KINDS if getattr(self, k) is not None)

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> SharedObject:
        kinds = [k for k in SHARED_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            which = f"is {' and '.join(kinds)}" if kinds else "is empty"
            raise rules_error(
                [((), f"this shared object {which}: give exactly one of {', '.join(SHARED_KINDS)}")]
            )
        return self


# --------------------------------------------------------------------- concepts

# What a level teaches, in one vocabulary for the whole pack: level select shows them,
# and a typo is an error at its line.
Concept = Literal[
    "cooperative-multitasking", "preemption", "starvation", "subroutine", "generator",
    "semicoroutine", "send", "priming", "throw", "close", "yield-from", "pipeline",
    "event-loop", "async-await", "generator-based-coroutine", "types-coroutine",
    "cancellation", "timeout", "queue", "lock", "semaphore", "event", "deadlock", "race",
    "you-are-the-scheduler", "interview",
]  # fmt: skip
CONCEPTS: tuple[str, ...] = get_args(Concept)

# The goals a starter (or a wrong choice) can be said to fail.
GoalName = Literal[
    "all_finish", "finish_by", "max_wait", "no_starvation", "output", "output_includes",
    "deadlock", "crash",
]  # fmt: skip


# --------------------------------------------------------------------- tasks


class Choice(_Model):
    """One version of a `choose` task."""

    label: str = Field(min_length=1, description="What the player picks, e.g. A.")
    code: str = Field(description="This version of the task's code.")
    explain: str | None = Field(
        None, description="Shown after the pick: why this version wins or loses."
    )
    fails: list[GoalName] = Field(
        default_factory=list,
        description="A wrong version: the goals it must fail (`validate` checks that it "
        "fails each, on some variant), so it loses for the reason the level teaches.",
    )


class TaskDef(_Model):
    """A task: the function its code defines, run as a coroutine. Exactly one of `code` or
    `choose`."""

    name: PythonName = Field(
        description="The function the task's code defines, and the task's name."
    )
    code: str | None = Field(
        None, description="The task's code (the starter the player sees, if editable)."
    )
    editable: bool = Field(False, strict=True, description="The player writes this task.")
    solution: str | None = Field(
        None,
        description="The reference solution of an editable task: never shown to players, "
        "it proves the level solvable.",
    )
    choose: list[Choice] | None = Field(
        None,
        min_length=2,
        description="Versions of the task for the player to choose between (instead of `code`).",
    )
    answer: str | None = Field(None, description="The label of the choice that wins.")
    args: list[JsonValue] = Field(default_factory=list, description="Arguments of the task's call.")
    at: int = Field(0, ge=0, strict=True, description="The tick the task arrives at.")
    autostart: bool = Field(
        True, strict=True, description="false: defined only, started by `spawn()`."
    )
    max_wait: int | None = Field(
        None,
        ge=0,
        strict=True,
        description="The longest ready-wait before this task starves (overrides "
        "`settings.starve_after`).",
    )

    @model_validator(mode="after")
    def _one_task(self) -> TaskDef:
        problems = task_problems(self)
        if problems:
            raise rules_error(problems)
        return self


def task_problems(task: TaskDef) -> list[Problem]:
    """The rules of one task, each with its key path inside the task."""
    problems: list[Problem] = []
    name = task.name
    if keyword.iskeyword(name):
        problems.append((("name",), f"{name} is a Python keyword: it cannot name a function"))
    if task.code is None and task.choose is None:
        problems.append(((), f"task {name} needs `code` (or `choose`: versions to pick from)"))
    if task.code is not None and task.choose is not None:
        problems.append((("choose",), f"task {name} has both `code` and `choose`: keep one"))
    if task.editable and task.choose is not None:
        problems.append((("editable",), f"task {name} is editable or chosen (`choose`), not both"))
    elif task.editable and task.solution is None:
        problems.append(
            (("editable",), f"editable task {name} needs a `solution`: the reference code")
        )
    if task.solution is not None and not task.editable:
        problems.append(
            (("solution",), f"task {name} has a `solution` but is not `editable: true`")
        )
    if task.choose is not None:
        labels = [c.label for c in task.choose]
        for j, label in enumerate(labels):
            if labels.index(label) != j:
                problems.append((("choose", j, "label"), f"duplicate choice label {label!r}"))
        shown = ", ".join(dict.fromkeys(labels))
        if task.answer is None:
            problems.append(
                (("choose",), f"task {name} needs an `answer`: the winning label, one of {shown}")
            )
        elif task.answer not in labels:
            problems.append(
                (("answer",), f"answer {task.answer!r} is not one of the labels: {shown}")
            )
    elif task.answer is not None:
        problems.append((("answer",), f"task {name} has an `answer` but no `choose`"))
    return problems


# --------------------------------------------------------------------- the level


class Variant(_Model):
    """A hidden test case."""

    seed: int = Field(
        strict=True, description="The seed of rand(): each variant is a hidden test case."
    )


class Par(_Model):
    """Targets for stars."""

    ticks: int | None = Field(None, ge=0, strict=True, description="Finish by this tick.")
    lines: int | None = Field(
        None, ge=0, strict=True, description="Write at most this many lines of code."
    )


class Level(_Model):
    """A Yield level: a small world of tasks sharing one CPU, and the goals that win it."""

    id: str = Field(pattern=SLUG, description="A unique slug: lower-case letters, digits, dashes.")
    title: str = Field(min_length=1, description="The level's name on screen.")
    chapter: str = Field(min_length=1, description="The chapter the level belongs to.")
    order: int = Field(strict=True, description="The level's place within its chapter.")
    concepts: list[Concept] = Field(
        default_factory=list, description="What the level teaches, from the pack's vocabulary."
    )
    brief: str = Field(min_length=1, description="Markdown shown before play.")
    settings: Settings = Field(
        default_factory=Settings, description="How the machine runs: every key is optional."
    )
    setup: str | None = Field(
        None, description="Code run once before the clock starts (after `shared` exists)."
    )
    shared: dict[PythonName, SharedObject] = Field(
        default_factory=dict,
        description="Objects every task sees as globals, by name: each is one of "
        "`{queue: {maxsize: N}}`, `{event: {}}`, `{lock: {}}`, `{semaphore: {value: N}}`.",
        json_schema_extra={"additionalProperties": False},
    )
    tasks: list[TaskDef] = Field(
        min_length=1, description="The tasks, in module order: their code runs after `setup`."
    )
    goals: list[Goal] = Field(
        min_length=1, description="Every goal must hold, on every variant, for a win."
    )
    starter_fails: list[GoalName] = Field(
        default_factory=list,
        description="The goals the starter code (or, with `policy: player`, the plain FIFO "
        "order) must fail: `validate` checks that it fails each, on some variant, so it "
        "loses for the reason the level teaches.",
    )
    solution_order: list[str] | None = Field(
        None,
        description="With `policy: player`: the picks that win, by task name (proves the "
        "level solvable).",
    )
    variants: list[Variant] = Field(
        default_factory=list,
        description="Hidden test cases: `rand()` differs between them. None: one run, seed 0.",
    )
    par: Par | None = Field(None, description="Targets for stars.")
    hints: list[str] = Field(
        default_factory=list, description="Hints, shown one at a time when asked."
    )
    debrief: str | None = Field(
        None, description="Markdown after a win: the lesson and the real asyncio version."
    )

    model_config = ConfigDict(title="Yield level")

    @model_validator(mode="after")
    def _whole_level(self) -> Level:
        problems = level_problems(self)
        if problems:
            raise rules_error(problems)
        return self

    def editable_tasks(self) -> list[TaskDef]:
        return [t for t in self.tasks if t.editable]

    def choose_tasks(self) -> list[TaskDef]:
        return [t for t in self.tasks if t.choose is not None]

    def task(self, name: str) -> TaskDef:
        for t in self.tasks:
            if t.name == name:
                return t
        raise KeyError(name)


# Names every task's code reads: a shared object or task named so would hide them.
def _hidden(name: str) -> str | None:
    """What a shared object or task named `name` would hide from every task, if anything."""
    kind = EVERY_TASK_READS.get(name)
    if kind is None:
        return None
    return f"task API's {name}" if kind == "task API" else f"builtin {name}()"


def level_problems(level: Level) -> list[Problem]:
    """The rules across tasks, goals and settings, each with its key path in the level."""
    problems: list[Problem] = []
    names = [t.name for t in level.tasks]
    known = ", ".join(names)

    def is_task(name: str) -> bool:
        return name in names or spawned_base(name) in names

    for name in level.shared:
        if keyword.iskeyword(name):
            problems.append((("shared", name), f"{name} is a Python keyword: it cannot be a name"))
        elif hidden := _hidden(name):
            why = f"{name} would hide the {hidden}: pick another name"
            problems.append((("shared", name), why))
    for i, task in enumerate(level.tasks):
        if hidden := _hidden(task.name):
            why = f"{task.name} would hide the {hidden}: pick another name"
            problems.append((("tasks", i, "name"), why))
        if names.index(task.name) != i:
            problems.append((("tasks", i, "name"), f"duplicate task name {task.name}"))
        if task.name in level.shared:
            problems.append(
                (("tasks", i, "name"), f"{task.name} is the name of a shared object too")
            )
    for i, goal in enumerate(level.goals):
        if isinstance(goal, MaxWaitGoal) and not is_task(goal.max_wait.task):
            problems.append(
                (
                    ("goals", i, "max_wait", "task"),
                    f"no task named {goal.max_wait.task}; the tasks are {known}",
                )
            )
        if isinstance(goal, CrashGoal) and not is_task(goal.crash):
            problems.append(
                (("goals", i, "crash"), f"no task named {goal.crash}; the tasks are {known}")
            )
    if level.settings.policy == "player" and not level.solution_order:
        problems.append(
            (
                ("settings", "policy"),
                "a `policy: player` level needs a `solution_order`: the picks that win",
            )
        )
    for j, pick in enumerate(level.solution_order or []):
        if not is_task(pick):
            problems.append((("solution_order", j), f"no task named {pick}; the tasks are {known}"))
    seeds: list[int] = [v.seed for v in level.variants]
    for j, seed in enumerate(seeds):
        if seeds.index(seed) != j:
            problems.append((("variants", j, "seed"), f"duplicate variant seed {seed}"))
    return problems


def is_python_name(name: str) -> bool:
    return re.fullmatch(IDENT, name) is not None and not keyword.iskeyword(name)
