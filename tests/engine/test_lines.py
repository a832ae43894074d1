"""Where each task is: the line at which it gave the CPU up, through nested coroutines."""

from __future__ import annotations

import textwrap

from scheduler_game.engine import Kernel, task_api
from scheduler_game.engine.lines import LineRecorder

CODE = """\
async def inner():
    await pause()
    await sleep(3)

async def native():
    await inner()
    cpu(1)

def helper():
    yield pause()

def generator():
    yield from helper()
    yield from helper()
"""


def test_the_innermost_line_of_each_tasks_own_code():
    recorder = LineRecorder()
    kernel = Kernel(observers=[recorder])
    namespace = task_api(kernel)
    exec(compile(textwrap.dedent(CODE), "tasks.py", "exec"), namespace)
    kernel.add_task("native", namespace["native"])
    kernel.add_task("generator", namespace["generator"])
    kernel.run()
    native, generator = recorder.names.index("native"), recorder.names.index("generator")
    # native: 0..1 pauses inside inner (line 2); 2..3 sleeps inside inner (line 3);
    # generator: 1..2 and 3..4 pause inside helper (line 10).
    assert recorder.line_at(native, 1) == ("tasks.py", 2)
    assert recorder.line_at(native, 3) == ("tasks.py", 3)
    assert recorder.line_at(generator, 2) == ("tasks.py", 10)
    assert recorder.line_at(generator, 0) is None
    assert kernel.trace is recorder  # the kernel's figures come from this same trace


def test_a_stop_to_ask_the_player_is_a_pause_not_an_end():
    from scheduler_game.engine import AskPlayer

    code = """\
async def a():
    try:
        print("a runs")
        await pause()
    finally:
        print("a closed")

async def b():
    await pause()
"""
    kernel = Kernel(policy=AskPlayer(["a"]))
    namespace = task_api(kernel)
    exec(compile(code, "tasks.py", "exec"), namespace)
    kernel.add_task("a", namespace["a"])
    kernel.add_task("b", namespace["b"])
    result = kernel.run()
    # a was picked at 0 and ran to 1; then b (at its def) and a are ready, no pick left.
    assert result.outcome == "pick" and result.ticks == 1
    assert result.asked == [("b", ("tasks.py", 8)), ("a", ("tasks.py", 4))]
    assert [line.text for line in result.output] == ["a runs"]  # not "a closed"
    assert result.picks == ["a"]
