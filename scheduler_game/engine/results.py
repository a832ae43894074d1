"""What a run leaves behind: its outcome, each task's figures, output, deadlock waits.

Plain frozen data, made once at the end of a run (`Kernel.run`) and read by the judge,
the report and the screen. Nothing here refers back to the kernel.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any

from scheduler_game.engine.stable import AddressNames

# Outcomes of a run.
OUTCOME_FINISHED = "finished"
OUTCOME_DEADLOCK = "deadlock"
OUTCOME_TIMEOUT = "timeout"
OUTCOME_HUNG = "hung"
OUTCOME_PICK = "pick"  # stopped to ask the player who runs next (policy AskPlayer)

MAX_MESSAGE = 2_000  # characters of an error message a player reads
MAX_FRAMES = 40  # frames of a traceback: the innermost ones, where the error is
_OUR_FILES = __file__.rsplit("/", 2)[0]  # frames of our own .py files are left out of tracebacks


@dataclass(frozen=True, slots=True)
class TaskError:
    """A task's uncaught exception, as the player should see it."""

    type: str
    message: str
    # (filename, line, function, source text) for each frame of the player's code
    frames: tuple[tuple[str, int, str, str], ...] = ()

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type

    def format(self) -> str:
        lines = ["Traceback (most recent call last):"]
        for filename, line, name, text in self.frames:
            lines.append(f'  File "{filename}", line {line}, in {name}')
            if text:
                lines.append(f"    {text}")
        lines.append(str(self))
        return "\n".join(lines)


def bounded_text(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` cut to `limit` characters, saying how much was cut: task code chooses its
    error messages, and a 150 MB one must not become a 150 MB verdict."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def _player_frames(tb: Any) -> tuple[tuple[str, int, str, str], ...]:
    return tuple(
        (f.filename, f.lineno or 0, f.name, bounded_text((f.line or "").strip(), 200))
        for f in traceback.extract_tb(tb)
        if not (f.filename.startswith(_OUR_FILES) and f.filename.endswith(".py"))
    )


def task_error(err: BaseException, addresses: AddressNames | None = None) -> TaskError:
    frames = _player_frames(err.__traceback__)
    cause = err.__cause__
    if not frames and cause is not None:
        # Python raised it for the player's code at a frame boundary (a StopIteration
        # escaping a generator becomes RuntimeError there): the line is in the cause's
        frames = _player_frames(cause.__traceback__)
    try:
        message = str(err)
    except Exception as failed:  # a task's own exception class may fail to print
        message = f"(the message could not be shown: {type(failed).__name__})"
    if addresses is not None:  # before the cut, so no address is cut in half
        message = addresses.scrub(message)
    return TaskError(type(err).__name__, bounded_text(message), frames[-MAX_FRAMES:])


@dataclass(frozen=True, slots=True)
class OutputLine:
    tick: int
    task: str
    text: str


@dataclass(frozen=True, slots=True)
class Wait:
    """After a deadlock: who waits for what, and who holds it."""

    task: str
    on: str
    held_by: str | None


@dataclass(frozen=True, slots=True)
class TaskFigures:
    name: str
    state: str
    cpu: int
    ready_wait: int
    longest_wait: int
    longest_wait_from: int  # the longest ready-wait ran from this tick ...
    max_wait: int  # ... and the task starves past this many ticks of waiting
    starved: bool
    starved_ticks: int
    slices: int  # how many slices it ran (the JSON verdict calls them "switches")
    finished_at: int | None
    result: Any = None
    error: TaskError | None = None


@dataclass(slots=True)
class RunResult:
    outcome: str
    ticks: int
    tasks: list[TaskFigures]
    output: list[OutputLine]
    waits: list[Wait] = field(default_factory=list)
    hung_task: str | None = None
    hung_line: int | None = None
    picks: list[str] = field(default_factory=list)  # the choices made where >1 was ready
    dropped_output: int = 0
    notes: list[str] = field(default_factory=list)
    # outcome pick: each ready task, and the (file, line) it would go on from
    asked: list[tuple[str, tuple[str, int] | None]] | None = None

    def task(self, name: str) -> TaskFigures:
        for t in self.tasks:
            if t.name == name:
                return t
        raise KeyError(name)
