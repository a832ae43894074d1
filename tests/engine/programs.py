"""Random task programs for the engine's property tests: level tasks (arriving at
various ticks, with their own max_wait) and spawn-only helpers, in both coroutine styles,
made of every kind of step: cpu, pause, sleep, queues, locks, events, time limits,
spawn, join, cancel, caught cancels and stops, crashes and runaway slices."""

from __future__ import annotations

from hypothesis import strategies as st

HELPERS = ("h0", "h1")  # spawnable only (autostart false); h0 may spawn h1

STEPS = st.one_of(
    st.tuples(st.just("cpu"), st.integers(0, 6)),
    st.tuples(st.just("pause"), st.just(0)),
    st.tuples(st.just("sleep"), st.integers(0, 8)),
    st.tuples(st.just("put"), st.integers(0, 3)),
    st.tuples(st.just("get"), st.integers(0, 6)),  # 0: no time limit
    st.tuples(st.just("lock"), st.integers(0, 4)),
    st.tuples(st.just("set"), st.just(0)),
    st.tuples(st.just("clear"), st.just(0)),
    st.tuples(st.just("wait"), st.integers(0, 6)),  # 0: no time limit
    st.tuples(st.just("slept_for"), st.integers(0, 6)),
    st.tuples(st.just("spawn"), st.integers(0, 1)),
    st.tuples(st.just("join"), st.integers(0, 3)),
    st.tuples(st.just("cancel"), st.integers(0, 3)),
    st.tuples(st.just("swallow"), st.integers(0, 5)),
    st.tuples(st.just("catch_stop"), st.integers(0, 30)),
    st.tuples(st.just("crash"), st.integers(0, 2)),  # 0: crash, else cpu(1)
    st.tuples(st.just("hang"), st.integers(0, 2)),  # 0: a runaway slice, else cpu(1)
)
FUNCTION = st.tuples(st.sampled_from(["native", "generator"]), st.lists(STEPS, max_size=8))
LEVEL_TASK = st.tuples(
    FUNCTION,
    st.sampled_from([0, 0, 0, 3, 12, 40]),  # at
    st.one_of(st.none(), st.integers(0, 8)),  # max_wait
)


def function_code(name: str, style: str, steps: list[tuple[str, int]], may_spawn: tuple) -> str:
    native = style == "native"
    aw = "await" if native else "yield"
    aw_from = "await" if native else "yield from"
    head = f"async def {name}():" if native else f"def {name}():"
    body: list[str] = []
    for kind, n in steps:
        if kind == "cpu":
            body.append(f"cpu({n})")
        elif kind == "pause":
            body.append(f"{aw} pause()")
        elif kind == "sleep":
            body.append(f"{aw} sleep({n})")
        elif kind == "put":
            body.append(f"{aw} q.put({n})")
        elif kind == "get":
            body.append(f"{aw_from} wait_for(q.get(), {n})" if n else f"{aw} q.get()")
        elif kind == "lock":
            body += [f"{aw} door.acquire()", f"cpu({n})", f"{aw} pause()", "door.release()"]
        elif kind == "set":
            body.append("ev.set()")
        elif kind == "clear":
            body.append("ev.clear()")
        elif kind == "wait":
            body.append(f"{aw} wait_for(ev.wait(), {n})" if n else f"{aw} ev.wait()")
        elif kind == "slept_for":
            body.append(f"{aw_from} wait_for(sleep({n + 2}), {n})")
        elif kind == "spawn":
            if may_spawn:
                body.append(f"kids.append(spawn({may_spawn[n % len(may_spawn)]}))")
            else:
                body.append("cpu(1)")
        elif kind == "join":
            body += ["if kids:", f"    {aw} join(kids[{n} % len(kids)])"]
        elif kind == "cancel":
            body += ["if kids:", f"    cancel(kids[{n} % len(kids)])"]
        elif kind == "swallow":  # a cancel (or a deadline) caught, and the task goes on
            body += ["try:", f"    {aw} sleep({n})", "except Cancelled:", "    cpu(1)"]
        elif kind == "catch_stop":  # the machine's stop (timeout or hang) caught
            body += ["try:", f"    cpu({n})"]
            # It catches the GeneratorExit that closes a preempted task at the end too:
            # ignoring it crashes the task then, which `task_closed` tells the trace.
            body += ["except BaseException:", "    print('caught')"]
        elif kind == "crash":
            body.append("raise ValueError('boom')" if n == 0 else "cpu(1)")
        else:  # a runaway slice
            body.append("__lines__(10**9, 1)" if n == 0 else "cpu(1)")
    body += ["return 0"] if native else ["return 0", "yield"]
    return head + "\n" + "".join(f"    {line}\n" for line in body)


def program(level_tasks: list, helpers: list) -> tuple[str, list]:
    code = "q = Queue(maxsize=2)\ndoor = Lock()\nev = Event()\nkids = []\n"
    code += "async def never():\n    cpu(1)\n"
    tasks: list = []
    for i, ((style, steps), at, max_wait) in enumerate(level_tasks):
        code += function_code(f"t{i}", style, steps, HELPERS)
        tasks.append((f"t{i}", {"at": at, "max_wait": max_wait}))
    for i, ((style, steps), max_wait) in enumerate(helpers):
        code += function_code(HELPERS[i], style, steps, HELPERS[i + 1 :])
        tasks.append((HELPERS[i], {"autostart": False, "max_wait": max_wait}))
    tasks.append(("never", {"autostart": False}))
    return code, tasks


# The arguments of `program`, as strategies: @given(*PROGRAM, ...).
PROGRAM = (
    st.lists(LEVEL_TASK, min_size=1, max_size=4),
    st.lists(st.tuples(FUNCTION, st.one_of(st.none(), st.integers(0, 8))), max_size=2),
)
