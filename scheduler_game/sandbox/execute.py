"""Running a level's program: compile its code under the code rules and the runaway
guard, run it on the engine for every variant (and random order), and judge each run.

`execute(spec)` is the one function that runs task code. It takes and gives plain data
(JSON-able dicts), so it runs the same in-process (tests) and in the sandbox's child
process (the game), and it imports nothing heavy: no pydantic, no YAML, no Textual.

The spec (built from a level file by `scheduler_game.level.run.program_spec`)::

    {"level": id, "title": str,
     "settings": {"max_ticks", "starve_after", "line_cost", "runaway_lines", "max_tasks",
                  "loop": "game"|"asyncio"},
     "shared": {name: {"queue": {"maxsize": 0}} | {"event": {}} | ...},
     "tasks": [{"name", "args", "at", "autostart", "max_wait"}],
     "goals": [{"all_finish": true}, ...],
     "snippets": [{"source", "path", "line", "col", "what"}],   # in module order
     "needs": [[task name, snippet index]],                     # who must define what
     "seeds": [0], "policy": "fifo"|"preemptive", "quantum": 5,
     "order": null | [names], "shuffle": 0, "lines": null | int, "timeline": true}
"""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType
from typing import Any, Protocol

from scheduler_game.engine import (
    AskPlayer,
    BadPick,
    Fifo,
    Halt,
    Kernel,
    Ordered,
    Policy,
    RunResult,
    Shuffled,
    TraceRecorder,
    task_api,
)
from scheduler_game.engine.aioloop import AsyncioKernel
from scheduler_game.engine.kernel import task_error
from scheduler_game.engine.lines import LineRecorder
from scheduler_game.engine.stable import AddressNames
from scheduler_game.level.judge import goal_label, judge, order_goals
from scheduler_game.sandbox.bindings import rebinding
from scheduler_game.sandbox.builtins import build_namespace
from scheduler_game.sandbox.guard import CodeRefused
from scheduler_game.sandbox.unawaited import DISCARDED, Program, Unawaited, compile_marked

COUNTER = "__lines__"


class Unusable(Exception):
    """The code cannot run: refused by the rules, broken before the clock starts, or not
    defining a task function. Carries {"path", "line", "col", "message"}."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error['path']}:{error['line']}:{error['col']}: {error['message']}")
        self.error = error


def error_info(path: str, line: int, col: int, message: str) -> dict[str, Any]:
    return {"path": path, "line": line, "col": col, "message": message}


def compile_snippets(spec: dict[str, Any], program: Program | None = None) -> list[CodeType]:
    """Compile each snippet under the rules and the runaway guard; what may be a call
    never awaited is marked, and noted in `program` (sandbox/unawaited.py)."""
    program = program if program is not None else Program()
    codes = []
    for snip in spec["snippets"]:
        try:
            codes.append(
                compile_marked(
                    snip["source"],
                    snip["path"],
                    snip["line"],
                    COUNTER,
                    exact=spec["settings"]["line_cost"] > 0,
                    program=program,
                )
            )
        except CodeRefused as refused:
            issue = refused.issues[0]
            raise Unusable(
                error_info(
                    snip["path"],
                    snip["line"] + issue.line - 1,
                    snip["col"] + issue.col,
                    issue.message,
                )
            ) from None
    return codes


def _policy(spec: dict[str, Any], shuffle_seed: int | None) -> tuple[Policy, str]:
    if shuffle_seed is not None:
        return Shuffled(shuffle_seed), f"shuffle {shuffle_seed}"
    if spec.get("order") is not None:  # the player's picks; `ask`: then stop to ask
        return (AskPlayer if spec.get("ask") else Ordered)(spec["order"]), "order"
    return Fifo(), spec.get("policy", "fifo")


def _make_shared(namespace: dict[str, Any], name: str, spec: dict[str, Any]) -> Any:
    ((kind, args),) = spec.items()
    args = args or {}
    if kind == "queue":
        return namespace["Queue"](args.get("maxsize", 0), name=name)
    if kind == "event":
        return namespace["Event"](name=name)
    if kind == "lock":
        return namespace["Lock"](name=name)
    return namespace["Semaphore"](args.get("value", 1), name=name)


def _startup_error(
    snip: dict[str, Any], err: BaseException, addresses: AddressNames
) -> dict[str, Any]:
    line = snip["line"]
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == snip["path"]:
            line = tb.tb_lineno
        tb = tb.tb_next
    text = task_error(err, addresses).message
    message = f"{type(err).__name__}: {text}" if text else type(err).__name__
    return error_info(
        snip["path"], line, 1, f"{message} (in {snip['what']}, before the clock starts)"
    )


class Stream(Protocol):
    """Who watches a run as it goes (the sandbox's child sends its trace in batches)."""

    def start(self, seed: int, kernel: Kernel, recorder: TraceRecorder) -> None: ...

    def end(self) -> None: ...


def asyncio_loop(spec: dict[str, Any]) -> bool:
    """Whether the spec runs on asyncio's loop (`loop: asyncio`), not the game's. A
    preemptive comparison (the screen's F3, `check --policy preemptive`) runs on the
    game's loop, preempted: asyncio's cannot be."""
    return spec["settings"].get("loop") == "asyncio" and spec.get("policy") != "preemptive"


def run_once(
    spec: dict[str, Any],
    codes: list[CodeType],
    seed: int,
    policy: Policy,
    stream: Stream | None = None,
    unawaited: Unawaited | None = None,
) -> tuple[RunResult, TraceRecorder]:
    """One run from fresh module state: the level's code executed anew into new globals.
    `unawaited` hears the marked statements (its `run()` goes around this call)."""
    settings = spec["settings"]
    # The screen asks where each task is (`where`): a trace that keeps it, at a cost.
    recorder = LineRecorder() if spec.get("where") else TraceRecorder()
    preemptive = spec.get("policy") == "preemptive"
    machine = AsyncioKernel if asyncio_loop(spec) else Kernel
    kernel = machine(
        max_ticks=settings["max_ticks"],
        starve_after=settings["starve_after"],
        line_cost=settings["line_cost"],
        runaway_lines=settings["runaway_lines"],
        seed=seed,
        policy=policy,
        quantum=spec["quantum"] if preemptive else None,
        max_tasks=settings.get("max_tasks", 1_000),
        observers=[recorder],
    )
    if stream is not None:
        stream.start(seed, kernel, recorder)
    namespace = build_namespace(task_api(kernel))
    namespace[COUNTER] = kernel.count
    namespace[DISCARDED] = (unawaited or Unawaited()).discarded
    for name, shared in spec["shared"].items():
        namespace[name] = _make_shared(namespace, name, shared)
    defines: dict[int, list[str]] = {}
    for name, index in spec["needs"]:
        defines.setdefault(index, []).append(name)
    functions: dict[str, Any] = {}
    for index, (snip, code) in enumerate(zip(spec["snippets"], codes, strict=True)):
        kernel.lines_left = settings["runaway_lines"]
        try:
            exec(code, namespace)
        except Halt as halt:
            line = halt.line or snip["line"]
            raise Unusable(
                error_info(
                    snip["path"],
                    line,
                    1,
                    f"{snip['what']} never finishes before the clock starts: "
                    f"the loop at line {line} runs on and on",
                )
            ) from None
        except BaseException as err:
            raise Unusable(_startup_error(snip, err, kernel.addresses)) from None
        # Each task runs the function its own code block defined, whatever comes later.
        for name in defines.get(index, ()):
            functions[name] = namespace.get(name)
    for task_name, index in spec["needs"]:
        if not callable(functions.get(task_name)):
            snip = spec["snippets"][index]
            raise Unusable(
                error_info(
                    snip["path"],
                    snip["line"],
                    snip["col"] + 1,
                    f"{snip['what']} must define the task function {task_name}(): "
                    f"write `async def {task_name}(...)` or `def {task_name}(...)`",
                )
            )
    kernel.name_objects(namespace)
    for task in spec["tasks"]:
        kernel.add_task(
            task["name"],
            functions[task["name"]],
            task.get("args", ()),
            at=task.get("at", 0),
            autostart=task.get("autostart", True),
            max_wait=task.get("max_wait"),
        )
    # The figures the judge reads are the trace's (the kernel keeps none of its own).
    return kernel.run(), recorder


def variant_verdict(
    spec: dict[str, Any],
    seed: int,
    label: str,
    result: RunResult,
    recorder: TraceRecorder,
    goals: list[dict[str, Any]],
    streamed: bool = False,
) -> dict[str, Any]:
    # A streamed run's trace and output went to the watcher already: not twice.
    keep_timeline = spec.get("timeline", True) and not streamed
    return {
        "seed": seed,
        "passed": all(g["passed"] for g in goals),
        "outcome": result.outcome,
        "ticks": result.ticks,
        "goals": goals,
        "tasks": [
            {
                "name": t.name,
                "state": t.state,
                "cpu": t.cpu,
                "ready_wait": t.ready_wait,
                "longest_wait": t.longest_wait,
                "starved": t.starved,
                "finished_at": t.finished_at,
                "longest_wait_from": t.longest_wait_from,
                "max_wait": t.max_wait,
                "switches": t.slices,
                "error": str(t.error) if t.error else None,
                "traceback": t.error.format() if t.error else None,
            }
            for t in result.tasks
        ],
        "output": []
        if streamed
        else [{"tick": o.tick, "task": o.task, "text": o.text} for o in result.output],
        "waits": [{"task": w.task, "on": w.on, "held_by": w.held_by} for w in result.waits],
        "error": None,
        "policy": label,
        "order": list(result.picks) if result.picks else None,
        "hung": {
            "task": result.hung_task,
            "line": result.hung_line,
            "path": _path_of(spec, result.hung_task),
        }
        if result.outcome == "hung"
        else None,
        "dropped_output": result.dropped_output,
        "notes": list(result.notes),
        "asked": [
            {"task": name, "path": where[0] if where else None, "line": where[1] if where else None}
            for name, where in result.asked
        ]
        if result.asked is not None
        else None,
        "timeline": [
            {
                "name": name,
                "max_wait": recorder.limits[i],
                "segments": [
                    {"start": s.start, "end": s.end, "state": s.state, "detail": s.detail}
                    for s in recorder.segments(name)
                ],
            }
            for i, name in enumerate(recorder.names)
        ]
        if keep_timeline
        else [],
        "idle": [list(span) for span in recorder.idle_spans] if keep_timeline else [],
        # asyncio's loop: where each iteration began (a streamed run's went with its
        # trace: the parent fills them in); None on the game's loop, which has none.
        "iterations": (recorder.iterations.tolist() if not streamed else [])
        if asyncio_loop(spec)
        else None,
    }


def _path_of(spec: dict[str, Any], task: str | None) -> str | None:
    """The file a task's code came from (a spawned `worker-2` is `worker`'s)."""
    if task is None:
        return None
    base = task.rsplit("-", 1)[0] if task.rsplit("-", 1)[-1].isdigit() else task
    for name, index in spec["needs"]:
        if name == base:
            return spec["snippets"][index]["path"]
    return None


def _error_variant(seed: int, error: dict[str, Any]) -> dict[str, Any]:
    return {"seed": seed, "passed": False, "outcome": None, "ticks": 0, "error": error}


Events = Callable[[dict[str, Any]], None]


def execute(
    spec: dict[str, Any], events: Events | None = None, stream: Stream | None = None
) -> dict[str, Any]:
    """Run and judge every variant (and `shuffle` random orders of each): the verdict.

    `events` hears the run as it goes: `{"event": "run", "seed", "policy"}` as each run
    starts, `{"event": "variant", "variant"}` as each variant is judged, and
    `{"event": "progress", "done", "total"}`. The sandbox's child forwards them, so that
    a run stopped by a limit still reports what finished before it.

    `stream`, if given, watches each variant's FIFO run as it goes (when the spec asks
    for a timeline), and then the variant carries neither its timeline nor its output:
    the stream sent them.
    """
    emit = events or (lambda event: None)
    seeds = spec.get("seeds") or [0]
    shuffle = spec.get("shuffle", 0)
    shuffle_goals = order_goals(spec["goals"])
    verdict: dict[str, Any] = {
        "level": spec["level"],
        "title": spec.get("title", ""),
        "passed": False,
        "variants": [],
        "shuffled": shuffle,
        "shuffle_goals": [goal_label(g) for g in shuffle_goals],
        "losing_order": None,
        "error": None,
        "lines": spec.get("lines"),
    }
    total = len(seeds) * (1 + shuffle)
    done = 0

    def stop_with(seed: int, error: dict[str, Any]) -> dict[str, Any]:
        variant = _error_variant(seed, error)
        verdict["variants"].append(variant)
        emit({"event": "variant", "variant": variant})
        return verdict

    program = Program()
    try:
        codes = compile_snippets(spec, program)
    except Unusable as bad:
        return stop_with(seeds[0], bad.error)
    refused = rebinding(spec)
    if refused is not None:
        return stop_with(seeds[0], refused)
    for seed in seeds:
        policy, label = _policy(spec, None)
        emit({"event": "run", "seed": seed, "policy": label})
        watch = stream if spec.get("timeline", True) else None
        unawaited = Unawaited(program)
        try:
            with unawaited.run():
                result, recorder = run_once(spec, codes, seed, policy, watch, unawaited)
                if watch is not None:
                    watch.end()
        except Unusable as bad:
            return stop_with(seed, bad.error)
        except BadPick as bad:
            return stop_with(seed, error_info("--order", 1, 1, str(bad)))
        goals = judge(spec["goals"], result, recorder)
        variant = variant_verdict(spec, seed, label, result, recorder, goals, watch is not None)
        variant["notes"] += unawaited.notes()
        verdict["variants"].append(variant)
        emit({"event": "variant", "variant": variant})
        done += 1
        emit({"event": "progress", "done": done, "total": total})
        # A variant already lost needs no unlucky order to show it; nor does a level
        # with no goal a random order can judge.
        if not variant["passed"] or not shuffle_goals:
            done += shuffle
            continue
        for k in range(1, shuffle + 1):
            if verdict["losing_order"] is not None:
                break
            policy, label = _policy(spec, k)
            emit({"event": "run", "seed": seed, "policy": label})
            unawaited = Unawaited(program)
            with unawaited.run():
                result, recorder = run_once(spec, codes, seed, policy, None, unawaited)
            goals = judge(shuffle_goals, result, recorder)
            if not all(g["passed"] for g in goals):
                verdict["losing_order"] = {
                    "seed": seed,
                    "shuffle": k,
                    "order": list(result.picks),
                    "failed": [g for g in goals if not g["passed"]],
                }
            done += 1
            emit({"event": "progress", "done": done, "total": total})
    verdict["passed"] = (
        all(v["passed"] for v in verdict["variants"]) and verdict["losing_order"] is None
    )
    return verdict
