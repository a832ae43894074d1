"""The level file as a pydantic model: the one source of truth for loading, checking and
the published JSON Schema (GAME.md §4). Every field says what it is for: that text is
the hover help of a schema-aware editor.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

IDENT = r"^[A-Za-z][A-Za-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Settings(_Model):
    max_ticks: int = Field(500, ge=1, description="The clock stops here: outcome `timeout`.")
    starve_after: int = Field(
        10, ge=0, description="A task starves when it waits longer than this for the CPU."
    )
    line_cost: int = Field(0, ge=0, description="Ticks each executed line of task code costs.")
    runaway_lines: int = Field(
        100_000,
        ge=1,
        description="A slice that runs more lines than this without giving up the CPU has "
        "hung the machine: outcome `hung`.",
    )
    policy: Literal["fifo", "preemptive", "player"] = Field(
        "fifo",
        description="Who picks the next task: `fifo` (as asyncio), `preemptive` (interrupted "
        "after `quantum` ticks) or `player` (the player picks, with `--order`).",
    )
    quantum: int = Field(5, ge=1, description="With `policy: preemptive`, the ticks of a turn.")
    max_tasks: int = Field(1_000, ge=1, description="The most tasks a run may have.")


class QueueSpec(_Model):
    maxsize: int = Field(0, ge=0, description="0 means unbounded.")


class EventSpec(_Model):
    pass


class LockSpec(_Model):
    pass


class SemaphoreSpec(_Model):
    value: int = Field(1, ge=0, description="How many tasks may hold it at once.")


class SharedObject(_Model):
    """Exactly one of queue, event, lock, semaphore."""

    queue: QueueSpec | None = Field(None, description="A FIFO queue: `q.get()`, `q.put(x)`.")
    event: EventSpec | None = Field(None, description="A flag: `e.wait()`, `e.set()`.")
    lock: LockSpec | None = Field(None, description="A mutex: `lock.acquire()`, `release()`.")
    semaphore: SemaphoreSpec | None = Field(None, description="`sem.acquire()`, `release()`.")


class Choice(_Model):
    label: str = Field(description="What the player picks, e.g. A.")
    code: str = Field(description="This version of the task's code.")
    explain: str | None = Field(None, description="Shown after the pick: why it wins or loses.")


class TaskDef(_Model):
    name: str = Field(
        pattern=IDENT, description="The task function the code defines, and the task's name."
    )
    code: str | None = Field(None, description="The task's code (the starter, if editable).")
    editable: bool = Field(False, description="The player writes this task.")
    solution: str | None = Field(
        None, description="The reference solution of an editable task: never shown to players."
    )
    choose: list[Choice] | None = Field(
        None, description="Versions of the task for the player to choose between."
    )
    answer: str | None = Field(None, description="The label of the choice that wins.")
    args: list[Any] = Field(default_factory=list, description="Arguments of the task's call.")
    at: int = Field(0, ge=0, description="The tick the task arrives at.")
    autostart: bool = Field(True, description="false: defined only, started by spawn().")
    max_wait: int | None = Field(
        None, ge=0, description="The longest ready-wait before it starves (else starve_after)."
    )


class MaxWaitSpec(_Model):
    task: str = Field(description="The task whose ready-waits are measured.")
    ticks: int = Field(ge=0, description="Its longest ready-wait must be at most this.")


class AllFinishGoal(_Model):
    all_finish: bool = Field(description="Every task returned or was cancelled.")


class FinishByGoal(_Model):
    finish_by: int = Field(ge=0, description="The run finishes by this tick.")


class MaxWaitGoal(_Model):
    max_wait: MaxWaitSpec = Field(description="A task's longest wait for the CPU.")


class NoStarvationGoal(_Model):
    no_starvation: bool = Field(description="No task waits longer than its limit.")


class OutputGoal(_Model):
    output: list[str] = Field(description="The whole output, line by line, exactly.")


class OutputIncludesGoal(_Model):
    output_includes: list[str] = Field(description="These lines, in this order, among others.")


class DeadlockGoal(_Model):
    deadlock: bool = Field(description="The run ends in a deadlock (policy player).")


class CrashGoal(_Model):
    crash: str = Field(description="This task crashes (policy player).")


GOAL_MODELS: dict[str, type[_Model]] = {
    "all_finish": AllFinishGoal,
    "finish_by": FinishByGoal,
    "max_wait": MaxWaitGoal,
    "no_starvation": NoStarvationGoal,
    "output": OutputGoal,
    "output_includes": OutputIncludesGoal,
    "deadlock": DeadlockGoal,
    "crash": CrashGoal,
}


def _goal_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        keys = [k for k in value if k in GOAL_MODELS]
        return keys[0] if len(keys) == 1 else None
    for key, model in GOAL_MODELS.items():
        if isinstance(value, model):
            return key
    return None


Goal = Annotated[
    Annotated[AllFinishGoal, Tag("all_finish")]
    | Annotated[FinishByGoal, Tag("finish_by")]
    | Annotated[MaxWaitGoal, Tag("max_wait")]
    | Annotated[NoStarvationGoal, Tag("no_starvation")]
    | Annotated[OutputGoal, Tag("output")]
    | Annotated[OutputIncludesGoal, Tag("output_includes")]
    | Annotated[DeadlockGoal, Tag("deadlock")]
    | Annotated[CrashGoal, Tag("crash")],
    Discriminator(_goal_tag),
]


class Variant(_Model):
    seed: int = Field(description="The seed of rand(): each variant is a hidden test case.")


class Par(_Model):
    ticks: int | None = Field(None, ge=0, description="Finish by this tick for a star.")
    lines: int | None = Field(None, ge=0, description="Write at most this many lines for a star.")


class Level(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="A unique slug: my-level.")
    title: str = Field(description="The level's name on screen.")
    chapter: str = Field(description="The chapter it belongs to.")
    order: int = Field(description="Its place within the chapter.")
    concepts: list[str] = Field(default_factory=list, description="What it teaches.")
    brief: str = Field(description="Markdown shown before play.")
    settings: Settings = Field(default_factory=Settings, description="The machine's settings.")
    setup: str | None = Field(None, description="Code run once before the clock starts.")
    shared: dict[str, SharedObject] = Field(
        default_factory=dict, description="Objects every task sees as globals, by name."
    )
    tasks: list[TaskDef] = Field(min_length=1, description="The tasks, in module order.")
    goals: list[Goal] = Field(min_length=1, description="Every goal must hold on every variant.")
    solution_order: list[str] | None = Field(
        None, description="With policy player: the picks that win (proves it solvable)."
    )
    variants: list[Variant] = Field(default_factory=list, description="Hidden test cases.")
    par: Par | None = Field(None, description="Targets for stars.")
    hints: list[str] = Field(default_factory=list, description="Hints, shown one at a time.")
    debrief: str | None = Field(
        None, description="Markdown after a win: the lesson and the real asyncio version."
    )

    def editable_tasks(self) -> list[TaskDef]:
        return [t for t in self.tasks if t.editable]

    def choose_tasks(self) -> list[TaskDef]:
        return [t for t in self.tasks if t.choose]

    def task(self, name: str) -> TaskDef:
        for t in self.tasks:
            if t.name == name:
                return t
        raise KeyError(name)


def cross_check(level: Level) -> list[tuple[tuple[Any, ...], str]]:
    """The rules that tie fields together, each with the key path it is about."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    names = [t.name for t in level.tasks]
    for name, obj in level.shared.items():
        kinds = [k for k in ("queue", "event", "lock", "semaphore") if getattr(obj, k) is not None]
        if len(kinds) != 1:
            problems.append(
                (
                    ("shared", name),
                    f"shared object {name} must be exactly one of queue, event, lock, semaphore",
                )
            )
        if not name.isidentifier() or name.startswith("_"):
            problems.append((("shared", name), f"{name!r} is not a usable name for task code"))
    seen: set[str] = set()
    for i, task in enumerate(level.tasks):
        if task.name.startswith("_"):
            problems.append((("tasks", i, "name"), "a task name cannot start with _"))
        if task.name in seen:
            problems.append((("tasks", i, "name"), f"duplicate task name {task.name}"))
        seen.add(task.name)
        if task.name in level.shared:
            problems.append((("tasks", i, "name"), f"{task.name} is also a shared object"))
        if (task.code is None) == (task.choose is None):
            problems.append(
                (("tasks", i), f"task {task.name} needs exactly one of `code` or `choose`")
            )
        if task.editable and task.choose is not None:
            problems.append((("tasks", i, "editable"), "a task is editable or chosen, not both"))
        if task.editable and not task.solution:
            problems.append(
                (("tasks", i, "editable"), f"editable task {task.name} needs a `solution`")
            )
        if task.solution and not task.editable:
            problems.append(
                (("tasks", i, "solution"), f"task {task.name} has a solution but is not editable")
            )
        if task.choose is not None:
            labels = [c.label for c in task.choose]
            for j, label in enumerate(labels):
                if labels.index(label) != j:
                    problems.append(
                        (("tasks", i, "choose", j, "label"), f"duplicate choice label {label}")
                    )
            if task.answer is None:
                problems.append(
                    (
                        ("tasks", i, "choose"),
                        f"task {task.name} needs an `answer`: one of " + ", ".join(labels),
                    )
                )
            elif task.answer not in labels:
                problems.append(
                    (
                        ("tasks", i, "answer"),
                        f"answer {task.answer!r} is not one of the labels: " + ", ".join(labels),
                    )
                )
        elif task.answer is not None:
            problems.append((("tasks", i, "answer"), "`answer` goes with `choose`"))
    for i, goal in enumerate(level.goals):
        target = None
        if isinstance(goal, MaxWaitGoal):
            target, path = goal.max_wait.task, ("goals", i, "max_wait", "task")
        elif isinstance(goal, CrashGoal):
            target, path = goal.crash, ("goals", i, "crash")
        if target is not None and target not in names:
            problems.append((path, f"no task named {target}; the tasks are {', '.join(names)}"))
    if level.settings.policy == "player" and not level.solution_order:
        problems.append(
            (
                ("settings", "policy"),
                "a `policy: player` level needs a `solution_order`: the picks that win",
            )
        )
    for j, pick in enumerate(level.solution_order or []):
        base = pick.rsplit("-", 1)[0] if pick.rsplit("-", 1)[-1].isdigit() else pick
        if pick not in names and base not in names:
            problems.append(
                (("solution_order", j), f"no task named {pick}; the tasks are {', '.join(names)}")
            )
    seeds: set[int] = set()
    for j, variant in enumerate(level.variants):
        if variant.seed in seeds:
            problems.append((("variants", j, "seed"), f"duplicate variant seed {variant.seed}"))
        seeds.add(variant.seed)
    return problems
