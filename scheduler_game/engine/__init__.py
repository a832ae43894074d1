"""The machine that runs a level's tasks: pure Python, deterministic, no UI.

from scheduler_game.engine import Kernel, TraceRecorder, task_api

recorder = TraceRecorder()
kernel = Kernel(max_ticks=100, observers=[recorder])
namespace = task_api(kernel)
exec(code, namespace)
kernel.add_task("worker", namespace["worker"])
result = kernel.run()
"""

import importlib
from typing import Any

# Where each public name lives. They are imported when first asked for (PEP 562), so a
# module that needs only the plain data of `names` does not load the kernel.
_PUBLIC = {
    "names": ("TASK_API_NAMES",),
    "api": ("task_api",),
    "errors": ("BadPick", "Cancelled", "Halt", "QueueEmpty", "QueueFull", "Timeout"),
    "instrument": ("Instrument",),
    "kernel": ("Kernel",),
    "aioloop": ("AsyncioKernel",),
    "results": (
        "OUTCOME_DEADLOCK", "OUTCOME_FINISHED", "OUTCOME_HUNG", "OUTCOME_TIMEOUT",
        "OutputLine", "RunResult", "TaskError", "TaskFigures", "Wait",
    ),
    "task": ("TaskHandle",),
    "policy": ("AskPlayer", "Fifo", "Ordered", "Policy", "Shuffled"),
    "trace": ("Segment", "TraceRecorder"),
}  # fmt: skip
_WHERE = {name: module for module, names in _PUBLIC.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "OUTCOME_DEADLOCK",
    "OUTCOME_FINISHED",
    "OUTCOME_HUNG",
    "OUTCOME_TIMEOUT",
    "TASK_API_NAMES",
    "AskPlayer",
    "AsyncioKernel",
    "BadPick",
    "Cancelled",
    "Fifo",
    "Halt",
    "Instrument",
    "Kernel",
    "Ordered",
    "OutputLine",
    "Policy",
    "QueueEmpty",
    "QueueFull",
    "RunResult",
    "Segment",
    "Shuffled",
    "TaskError",
    "TaskFigures",
    "TaskHandle",
    "Timeout",
    "TraceRecorder",
    "Wait",
    "task_api",
]
