"""The machine that runs a level's tasks: pure Python, deterministic, no UI.

from scheduler_game.engine import Kernel, TraceRecorder, task_api

recorder = TraceRecorder()
kernel = Kernel(max_ticks=100, observers=[recorder])
namespace = task_api(kernel)
exec(code, namespace)
kernel.add_task("worker", namespace["worker"])
result = kernel.run()
"""

from scheduler_game.engine.api import TASK_API_NAMES, task_api
from scheduler_game.engine.errors import BadPick, Cancelled, Halt, QueueEmpty, QueueFull, Timeout
from scheduler_game.engine.instrument import Instrument
from scheduler_game.engine.kernel import (
    OUTCOME_DEADLOCK,
    OUTCOME_FINISHED,
    OUTCOME_HUNG,
    OUTCOME_TIMEOUT,
    Kernel,
    OutputLine,
    RunResult,
    TaskError,
    TaskFigures,
    TaskHandle,
    Wait,
)
from scheduler_game.engine.policy import Fifo, Ordered, Policy, Shuffled
from scheduler_game.engine.trace import Segment, TraceRecorder

__all__ = [
    "OUTCOME_DEADLOCK",
    "OUTCOME_FINISHED",
    "OUTCOME_HUNG",
    "OUTCOME_TIMEOUT",
    "TASK_API_NAMES",
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
