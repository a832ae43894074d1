"""The judge: does a run meet the level's goals? Each verdict carries a detail a player
understands without reading code ("heartbeat waited 14 ticks (t=5..19) while cruncher ran").

Goals come as single-key dicts ({"max_wait": {"task": ..., "ticks": ...}}) and verdicts go
out as plain dicts: the judge runs inside the sandbox's child process, which stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scheduler_game.engine import RunResult, TaskFigures, TraceRecorder

DONE_OK = {"finished", "cancelled"}


def goal_key(goal: Any) -> tuple[str, Any]:
    """A goal model as (key, value): goals are single-key objects in the level file."""
    data = goal.model_dump(exclude_none=True) if hasattr(goal, "model_dump") else dict(goal)
    ((key, value),) = data.items()
    return key, value


def counted(n: int, word: str) -> str:
    """`1 tick`, `2 ticks`: what a person would write."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def goal_label(goal: Any) -> str:
    key, value = goal_key(goal)
    if key == "max_wait":
        return f"max_wait {value['task']} <= {value['ticks']}"
    if key == "finish_by":
        return f"finish_by {value}"
    if key == "crash":
        return f"crash {value}"
    if key == "output":
        return f"output ({counted(len(value), 'line')})"
    if key == "output_includes":
        return "output_includes " + ", ".join(repr(v) for v in value)
    if key in ("all_finish", "no_starvation", "deadlock"):
        return key if value else f"{key}: false"
    return key


# The goals a random order can judge (GAME.md §2): about order and correctness. The goals
# about time (finish_by, max_wait, no_starvation) are promises of the FIFO loop alone.
ORDER_GOALS = frozenset({"all_finish", "output", "output_includes", "deadlock", "crash"})


def order_goals(goals: list[Any]) -> list[Any]:
    """The goals a run under a random order is judged on."""
    return [g for g in goals if goal_key(g)[0] in ORDER_GOALS]


def judge(goals: list[Any], result: RunResult, trace: TraceRecorder | None) -> list[dict[str, Any]]:
    """Each goal's verdict: {"goal": label, "passed": bool, "detail": text}."""
    verdicts = []
    for goal in goals:
        key, value = goal_key(goal)
        passed, detail = _CHECKS[key](value, result, trace)
        verdicts.append({"goal": goal_label(goal), "passed": passed, "detail": detail})
    return verdicts


# --------------------------------------------------------------------- the goals


def _outcome_note(result: RunResult) -> str:
    if result.outcome == "hung":
        where = f" at line {result.hung_line}" if result.hung_line else ""
        return (
            f"hung: {result.hung_task} ran{where} for too long without giving up the CPU,"
            " so nothing else could ever run again"
        )
    if result.outcome == "deadlock":
        return deadlock_text(result)
    if result.outcome == "timeout":
        return f"timeout: the clock reached max_ticks ({result.ticks}) with tasks still running"
    return result.outcome


def deadlock_text(result: RunResult) -> str:
    parts = []
    for w in result.waits:
        held = f" (held by {w.held_by})" if w.held_by else ""
        parts.append(f"{w.task} waits for {w.on}{held}")
    return "deadlock: " + ", ".join(parts) if parts else "deadlock"


def _all_finish(value: bool, result: RunResult, trace: TraceRecorder | None) -> tuple[bool, str]:
    crashed = [t for t in result.tasks if t.state == "crashed"]
    stuck = [t for t in result.tasks if t.state not in DONE_OK and t.state != "crashed"]
    ok = not crashed and not stuck and result.outcome == "finished"
    if not value:
        return (not ok, "not every task finished" if not ok else "every task finished")
    if ok:
        return True, f"every task finished by tick {result.ticks}"
    if crashed:
        t = crashed[0]
        return False, f"{t.name} crashed: {t.error}"
    if result.outcome != "finished":
        return False, _outcome_note(result)
    t = stuck[0]
    return False, f"{t.name} did not finish ({t.state})"


def _finish_by(value: int, result: RunResult, trace: TraceRecorder | None) -> tuple[bool, str]:
    if result.outcome != "finished":
        return False, f"the run did not finish: {_outcome_note(result)}"
    if result.ticks <= value:
        return True, f"finished at tick {result.ticks}"
    return False, f"finished at tick {result.ticks}, {result.ticks - value} ticks too late"


def _instances(result: RunResult, name: str, work: bool = False) -> list[TaskFigures]:
    """The task `name` and its spawned copies (`name-2`); with `work`, also the tasks
    `wait_for` made for them under `loop: asyncio` (`name/wait_for`), whose waits are
    theirs: a task cannot hide a wait inside a `wait_for`."""

    def base(task: str) -> str:
        return task.split("/", 1)[0] if work else task

    return [
        t for t in result.tasks if base(t.name) == name or base(t.name).rsplit("-", 1)[0] == name
    ]


def _wait_detail(t: TaskFigures, trace: TraceRecorder | None) -> str:
    start = t.longest_wait_from
    end = start + t.longest_wait
    text = f"{t.name} waited {counted(t.longest_wait, 'tick')} (t={start}..{end})"
    if trace is not None:
        others = [n for n in trace.ran_between(start, end) if n != t.name]
        if others:
            text += " while " + " and ".join(others[:3]) + " ran"
    return text


def _max_wait(
    value: dict[str, Any], result: RunResult, trace: TraceRecorder | None
) -> tuple[bool, str]:
    if result.outcome == "hung":  # nobody else would ever run again: every wait is endless
        return False, _outcome_note(result)
    limit = value["ticks"]
    instances = _instances(result, value["task"], work=True)
    if not instances:
        return False, f"{value['task']} never ran"
    worst = max(instances, key=lambda t: t.longest_wait)
    if worst.longest_wait <= limit:
        return True, f"{worst.name} waited at most {counted(worst.longest_wait, 'tick')}"
    return False, _wait_detail(worst, trace)


def _no_starvation(value: bool, result: RunResult, trace: TraceRecorder | None) -> tuple[bool, str]:
    if result.outcome == "hung" and value:
        return False, _outcome_note(result)
    starved = [t for t in result.tasks if t.starved]
    if not value:
        return bool(starved), "some task starved" if starved else "no task starved"
    if not starved:
        return True, "no task waited longer than its limit"
    worst = max(starved, key=lambda t: t.longest_wait - t.max_wait)
    return False, _wait_detail(worst, trace) + f", over its limit of {worst.max_wait}"


def _output(value: list[str], result: RunResult, trace: TraceRecorder | None) -> tuple[bool, str]:
    got = [o.text for o in result.output]
    for i, (want, have) in enumerate(zip(value, got, strict=False)):
        if want != have:
            return False, f"line {i + 1}: expected {want!r}, got {have!r}"
    if len(got) < len(value):
        return (
            False,
            f"expected {counted(len(value), 'line')}, got {len(got)}: "
            f"{value[len(got)]!r} is missing",
        )
    if len(got) > len(value):
        return (
            False,
            f"expected {counted(len(value), 'line')}, got {len(got)}: {got[len(value)]!r} is extra",
        )
    return True, f"all {len(value)} lines as expected"


def _output_includes(
    value: list[str], result: RunResult, trace: TraceRecorder | None
) -> tuple[bool, str]:
    got = [o.text for o in result.output]
    at = 0
    for want in value:
        try:
            at = got.index(want, at) + 1
        except ValueError:
            where = f" after line {at}" if at else ""
            return False, f"{want!r} not found in the output{where}"
    return True, "every line found, in order"


def _deadlock(value: bool, result: RunResult, trace: TraceRecorder | None) -> tuple[bool, str]:
    happened = result.outcome == "deadlock"
    if value:
        return happened, deadlock_text(
            result
        ) if happened else f"no deadlock: {_outcome_note(result)}"
    return not happened, deadlock_text(result) if happened else "no deadlock"


def _crash(value: str, result: RunResult, trace: TraceRecorder | None) -> tuple[bool, str]:
    instances = _instances(result, value)
    for t in instances:
        if t.state == "crashed":
            return True, f"{t.name} crashed: {t.error}"
    if not instances:
        return False, f"{value} never ran"
    t = instances[0]
    return False, f"{value} did not crash ({t.state})"


_CHECKS: dict[str, Callable[[Any, RunResult, TraceRecorder | None], tuple[bool, str]]] = {
    "all_finish": _all_finish,
    "finish_by": _finish_by,
    "max_wait": _max_wait,
    "no_starvation": _no_starvation,
    "output": _output,
    "output_includes": _output_includes,
    "deadlock": _deadlock,
    "crash": _crash,
}
