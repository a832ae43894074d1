"""The goals a level can set (GAME.md §4), as pydantic models: each goal is a mapping with
one key, and the key says which goal it is."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag

from scheduler_game.level.base import StrictModel as _Model


class MaxWaitSpec(_Model):
    """Which task, and its longest allowed ready-wait."""

    task: str = Field(
        description="The task whose ready-waits are measured (its spawned copies too)."
    )
    ticks: int = Field(ge=0, strict=True, description="Its longest ready-wait is at most this.")


class AllFinishGoal(_Model):
    """Goal: every task finished."""

    all_finish: bool = Field(
        strict=True,
        description="true: every task returned or was cancelled; none crashed or is stuck.",
    )


class FinishByGoal(_Model):
    """Goal: the run is over by a tick."""

    finish_by: int = Field(
        ge=0, strict=True, description="The run finishes (every task done) by this tick."
    )


class MaxWaitGoal(_Model):
    """Goal: a task never waits for the CPU longer than this."""

    max_wait: MaxWaitSpec = Field(description="A task's longest wait for the CPU.")


class NoStarvationGoal(_Model):
    """Goal: no task starves."""

    no_starvation: bool = Field(
        strict=True,
        description="true: no task waits for the CPU longer than its limit (its `max_wait`, "
        "else `settings.starve_after`).",
    )


class OutputGoal(_Model):
    """Goal: the output is exactly these lines."""

    output: list[str] = Field(description="The whole output, line by line, exactly.")


class OutputIncludesGoal(_Model):
    """Goal: the output holds these lines, in order."""

    output_includes: list[str] = Field(
        description="These lines appear in the output in this order, among others."
    )


class DeadlockGoal(_Model):
    """Goal: the run deadlocks."""

    deadlock: bool = Field(
        strict=True, description="true: the run ends in a deadlock (a `policy: player` goal)."
    )


class CrashGoal(_Model):
    """Goal: a task crashes."""

    crash: str = Field(description="This task crashes (a `policy: player` goal).")


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
GOAL_ERROR = "goal_key"


def _goal_key(value: Any) -> str | None:
    """The goal a value is: its single key, when that key is a known goal."""
    if isinstance(value, dict):
        return next(iter(value)) if len(value) == 1 and next(iter(value)) in GOAL_MODELS else None
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
    Discriminator(
        _goal_key,
        custom_error_type=GOAL_ERROR,
        custom_error_message="a goal is a mapping with exactly one key, one of: "
        + ", ".join(GOAL_MODELS),
    ),
]


def goal_key(goal: Any) -> str:
    """`all_finish`, `max_wait`, ...: which goal a goal model is."""
    key = _goal_key(goal)
    if key is None:
        raise TypeError(f"not a goal: {goal!r}")
    return key
