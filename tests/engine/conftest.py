"""Run a few tasks on a fresh kernel: `run_tasks(code, "a", "b", ...)`."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from scheduler_game.engine import Kernel, RunResult, TraceRecorder, task_api


def run_tasks(
    code: str,
    *tasks: str | tuple[str, dict[str, Any]],
    machine: type[Kernel] = Kernel,
    **kernel_args: Any,
) -> tuple[RunResult, TraceRecorder]:
    """`machine=AsyncioKernel` runs them under `loop: asyncio`."""
    recorder = TraceRecorder()
    kernel = machine(observers=[recorder], **kernel_args)
    namespace = task_api(kernel)
    namespace["__lines__"] = kernel.count
    exec(textwrap.dedent(code), namespace)
    kernel.name_objects(namespace)
    for task in tasks:
        name, options = (task, {}) if isinstance(task, str) else task
        kernel.add_task(name, namespace[name], **options)
    return kernel.run(), recorder


def spans(recorder: TraceRecorder, name: str, state: str = "running") -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in recorder.segments(name) if s.state == state]


def lines(result: RunResult) -> list[tuple[int, str, str]]:
    return [(o.tick, o.task, o.text) for o in result.output]


@pytest.fixture
def run():
    return run_tasks
