"""Every goal, held and failed, with a detail a player understands."""

from __future__ import annotations

import textwrap

from scheduler_game.engine import Kernel, TraceRecorder, task_api
from scheduler_game.level.judge import goal_label, judge


def run(code: str, *tasks: str, **settings: int):
    recorder = TraceRecorder()
    kernel = Kernel(observers=[recorder], **settings)
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
    assert not v["passed"]
    assert v["goal"] == "max_wait heartbeat <= 6"
    assert v["detail"].startswith("heartbeat waited ")
    assert v["detail"].endswith("while cruncher ran")
    assert "(t=" in v["detail"]


def test_max_wait_holds():
    v = verdict({"max_wait": {"task": "heartbeat", "ticks": 6}}, FAIR)
    assert v["passed"], v


def test_no_starvation():
    assert not verdict({"no_starvation": True})["passed"]
    assert "over its limit of 6" in verdict({"no_starvation": True})["detail"]
    assert verdict({"no_starvation": True}, FAIR)["passed"]


def test_all_finish_and_crash():
    code = """
async def worker():
    cpu(2)
    1 / 0
async def other():
    await pause()
"""
    v = verdict({"all_finish": True}, code, ("worker", "other"))
    assert not v["passed"]
    assert v["detail"] == "worker crashed: ZeroDivisionError: division by zero"
    c = verdict({"crash": "worker"}, code, ("worker", "other"))
    assert c["passed"] and "ZeroDivisionError" in c["detail"]
    c = verdict({"crash": "other"}, code, ("worker", "other"))
    assert not c["passed"] and c["detail"] == "other did not crash (finished)"
    assert verdict({"all_finish": True}, FAIR)["passed"]


def test_finish_by():
    v = verdict({"finish_by": 10}, FAIR)
    assert not v["passed"] and "ticks too late" in v["detail"]
    assert verdict({"finish_by": 1000}, FAIR)["passed"]


def test_output_exact_and_includes():
    ok = verdict({"output": ["beat", "beat", "beat", "crunched"]}, FAIR)
    assert ok["passed"], ok
    bad = verdict({"output": ["beat", "crunched"]}, FAIR)
    assert not bad["passed"] and bad["detail"] == "line 2: expected 'crunched', got 'beat'"
    short = verdict({"output": ["beat", "beat", "beat", "crunched", "done"]}, FAIR)
    assert short["detail"] == "expected 5 lines, got 4: 'done' is missing"
    assert verdict({"output_includes": ["beat", "crunched"]}, FAIR)["passed"]
    miss = verdict({"output_includes": ["crunched", "beat"]}, FAIR)
    assert not miss["passed"] and miss["detail"] == "'beat' not found in the output after line 4"


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
    assert v["passed"]
    assert v["detail"] == (
        "deadlock: alice waits for lock right (held by bob), "
        "bob waits for lock left (held by alice)"
    )
    assert not verdict({"deadlock": False}, code, ("alice", "bob"))["passed"]
    assert not verdict({"deadlock": True}, FAIR)["passed"]


def test_hung_detail_names_task_and_line():
    result, trace = run(FAIR, "heartbeat", "cruncher")
    result.outcome = "hung"
    result.hung_task, result.hung_line = "cruncher", 12
    (v,) = judge([{"all_finish": True}], result, trace)
    assert not v["passed"]
    assert v["detail"].startswith("hung: cruncher ran at line 12")


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
    assert [v["passed"] for v in verdicts] == [False, False]
    assert all(v["detail"].startswith("hung: cruncher") for v in verdicts)
