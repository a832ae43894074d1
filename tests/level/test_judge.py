"""Every goal, held and failed, with a detail a player understands."""

from __future__ import annotations

import textwrap

from scheduler_game.engine import AsyncioKernel, Kernel, TraceRecorder, task_api
from scheduler_game.level.judge import goal_label, judge


def run(code: str, *tasks: str, machine: type[Kernel] = Kernel, **settings: int):
    recorder = TraceRecorder()
    kernel = machine(observers=[recorder], **settings)
    ns = task_api(kernel)
    exec(textwrap.dedent(code), ns)
    kernel.name_objects(ns)
    for name in tasks:
        kernel.add_task(name, ns[name], max_wait=6 if name == "heartbeat" else None)
    return kernel.run(), recorder


HOG = """
async def heartbeat():
    for _ in range(3):
        print("beat")
        await sleep(5)
async def cruncher():
    for _ in range(3):
        cpu(20)
        await pause()
    print("crunched")
"""

FAIR = """
async def heartbeat():
    for _ in range(3):
        print("beat")
        await sleep(5)
async def cruncher():
    for _ in range(30):
        cpu(1)
        await pause()
    print("crunched")
"""


def verdict(goal: dict, code: str = HOG, tasks=("heartbeat", "cruncher"), **settings):
    result, trace = run(code, *tasks, **settings)
    (v,) = judge([goal], result, trace)
    return v


def test_max_wait_fails_with_who_ran():
    v = verdict({"max_wait": {"task": "heartbeat", "ticks": 6}})
    assert v == {
        "goal": "max_wait heartbeat <= 6",
        "passed": False,
        "detail": "heartbeat waited 36 ticks (t=5..41) while cruncher ran",
    }


def test_a_wait_hidden_in_a_wait_for_is_still_the_tasks_own():
    # Under loop: asyncio the body runs in a task `wait_for` makes: its waits are the
    # heartbeat's, and it is held to the heartbeat's limit.
    code = (
        HOG.replace("async def heartbeat():", "async def beats():")
        + """
async def heartbeat():
    await wait_for(beats(), 1000)
"""
    )
    result, trace = run(code, "heartbeat", "cruncher", machine=AsyncioKernel, starve_after=50)
    work = next(t for t in result.tasks if t.name == "heartbeat/wait_for")
    assert (work.max_wait, work.starved) == (6, True)
    (v,) = judge([{"max_wait": {"task": "heartbeat", "ticks": 6}}], result, trace)
    assert v["passed"] is False
    assert v["detail"].startswith("heartbeat/wait_for waited ")


def test_max_wait_holds():
    v = verdict({"max_wait": {"task": "heartbeat", "ticks": 6}}, FAIR)
    assert v == {
        "goal": "max_wait heartbeat <= 6",
        "passed": True,
        "detail": "heartbeat waited at most 1 tick",
    }


def test_no_starvation():
    assert verdict({"no_starvation": True}) == {
        "goal": "no_starvation",
        "passed": False,
        "detail": "heartbeat waited 36 ticks (t=5..41) while cruncher ran, over its limit of 6",
    }
    assert verdict({"no_starvation": True}, FAIR) == {
        "goal": "no_starvation",
        "passed": True,
        "detail": "no task waited longer than its limit",
    }


def test_all_finish_and_crash():
    code = """
async def worker():
    cpu(2)
    1 / 0
async def other():
    await pause()
"""
    v = verdict({"all_finish": True}, code, ("worker", "other"))
    assert v["passed"] is False
    assert v["detail"] == "worker crashed: ZeroDivisionError: division by zero"
    c = verdict({"crash": "worker"}, code, ("worker", "other"))
    assert c == {
        "goal": "crash worker",
        "passed": True,
        "detail": "worker crashed: ZeroDivisionError: division by zero",
    }
    c = verdict({"crash": "other"}, code, ("worker", "other"))
    assert c["passed"] is False and c["detail"] == "other did not crash (finished)"
    assert verdict({"all_finish": True}, FAIR) == {
        "goal": "all_finish",
        "passed": True,
        "detail": "every task finished by tick 35",
    }


def test_finish_by():
    v = verdict({"finish_by": 10}, FAIR)
    assert v == {
        "goal": "finish_by 10",
        "passed": False,
        "detail": "finished at tick 35, 25 ticks too late",
    }
    assert verdict({"finish_by": 1000}, FAIR) == {
        "goal": "finish_by 1000",
        "passed": True,
        "detail": "finished at tick 35",
    }


def test_output_exact_and_includes():
    ok = verdict({"output": ["beat", "beat", "beat", "crunched"]}, FAIR)
    assert ok == {
        "goal": "output (4 lines)",
        "passed": True,
        "detail": "all 4 lines as expected",
    }
    bad = verdict({"output": ["beat", "crunched"]}, FAIR)
    assert bad["passed"] is False and bad["detail"] == "line 2: expected 'crunched', got 'beat'"
    short = verdict({"output": ["beat", "beat", "beat", "crunched", "done"]}, FAIR)
    assert short["detail"] == "expected 5 lines, got 4: 'done' is missing"
    assert verdict({"output_includes": ["beat", "crunched"]}, FAIR) == {
        "goal": "output_includes 'beat', 'crunched'",
        "passed": True,
        "detail": "every line found, in order",
    }
    miss = verdict({"output_includes": ["crunched", "beat"]}, FAIR)
    assert miss == {
        "goal": "output_includes 'crunched', 'beat'",
        "passed": False,
        "detail": "'beat' not found in the output after line 4",
    }


def test_deadlock_goal_names_who_waits_for_what():
    code = """
async def alice():
    await left.acquire()
    await pause()
    await right.acquire()
async def bob():
    await right.acquire()
    await pause()
    await left.acquire()
left = Lock()
right = Lock()
"""
    v = verdict({"deadlock": True}, code, ("alice", "bob"))
    assert v["passed"] is True
    assert v["detail"] == (
        "deadlock: alice waits for lock right (held by bob), "
        "bob waits for lock left (held by alice)"
    )
    assert verdict({"deadlock": False}, code, ("alice", "bob")) == {
        "goal": "deadlock: false",
        "passed": False,
        "detail": v["detail"],
    }
    assert verdict({"deadlock": True}, FAIR) == {
        "goal": "deadlock",
        "passed": False,
        "detail": "no deadlock: finished",
    }


def test_hung_detail_names_task_and_line():
    result, trace = run(FAIR, "heartbeat", "cruncher")
    result.outcome = "hung"
    result.hung_task, result.hung_line = "cruncher", 12
    (v,) = judge([{"all_finish": True}], result, trace)
    assert v == {
        "goal": "all_finish",
        "passed": False,
        "detail": "hung: cruncher ran at line 12 for too long without giving up the CPU, so "
        "nothing else could ever run again",
    }


def test_labels():
    assert goal_label({"finish_by": 9}) == "finish_by 9"
    assert goal_label({"crash": "auditor"}) == "crash auditor"
    assert goal_label({"all_finish": True}) == "all_finish"


def test_a_hung_machine_fails_every_wait_goal():
    result, trace = run(FAIR, "heartbeat", "cruncher")
    result.outcome = "hung"
    result.hung_task, result.hung_line = "cruncher", 7
    verdicts = judge(
        [{"max_wait": {"task": "heartbeat", "ticks": 6}}, {"no_starvation": True}], result, trace
    )
    hung = (
        "hung: cruncher ran at line 7 for too long without giving up the CPU, so nothing else "
        "could ever run again"
    )
    assert verdicts == [
        {"goal": "max_wait heartbeat <= 6", "passed": False, "detail": hung},
        {"goal": "no_starvation", "passed": False, "detail": hung},
    ]
