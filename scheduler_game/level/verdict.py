"""What a check of a level says: plain data, the same for the screen, the text report,
`check --json` and the pipe from the sandbox's child process.

The JSON shape is the contract of GAME.md §5; fields beyond it are extensions (listed in
docs/authoring.md) that a script may use and never has to.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CodeErrorInfo(_Data):
    """Refused or unusable code, at the player's file, line and column."""

    path: str
    line: int
    col: int
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class GoalVerdict(_Data):
    goal: str
    passed: bool
    detail: str = ""


class TaskSummary(_Data):
    name: str
    state: str
    cpu: int
    ready_wait: int
    longest_wait: int
    starved: bool
    finished_at: int | None
    # extensions
    longest_wait_from: int = 0
    max_wait: int = 0
    switches: int = 0
    error: str | None = None
    traceback: str | None = None


class OutputEntry(_Data):
    tick: int
    task: str
    text: str


class WaitEntry(_Data):
    task: str
    on: str
    held_by: str | None


class SegmentOut(_Data):
    """A run of ticks [start, end) in one state: the timeline's raw material."""

    start: int
    end: int
    state: str  # absent, ready, running, sleeping, blocked, done
    detail: str | None = None


class TaskTimeline(_Data):
    name: str
    max_wait: int
    segments: list[SegmentOut]


class VariantVerdict(_Data):
    seed: int
    passed: bool
    outcome: str | None
    ticks: int
    goals: list[GoalVerdict] = Field(default_factory=list)
    tasks: list[TaskSummary] = Field(default_factory=list)
    output: list[OutputEntry] = Field(default_factory=list)
    waits: list[WaitEntry] = Field(default_factory=list)
    error: CodeErrorInfo | None = None
    # extensions
    policy: str = "fifo"
    order: list[str] | None = None  # the picks made where more than one task was ready
    hung: dict[str, Any] | None = None  # {"task", "line"} when the outcome is hung
    dropped_output: int = 0
    notes: list[str] = Field(default_factory=list)
    # outcome "pick" (Options(ask=True)): the ready tasks, each with the file and line it
    # would go on from: {"task", "path", "line"}. Run again with one more pick to go on.
    asked: list[dict[str, Any]] | None = None
    timeline: list[TaskTimeline] = Field(default_factory=list)
    idle: list[tuple[int, int]] = Field(default_factory=list)
    # `loop: asyncio`: the tick at which each iteration of the event loop began, in order
    # (several may share a tick). None under the game's loop: then not in the JSON at all.
    iterations: list[int] | None = None
    # The run's trace, when the sandbox streamed it (an engine TraceRecorder, decoded as
    # it arrived): what the report and the screen draw. Never part of the JSON.
    trace: Any = Field(default=None, exclude=True)

    @model_serializer(mode="wrap")
    def _no_loop_no_iterations(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        if self.iterations is None:  # a level of the game's loop: its JSON as it always was
            data.pop("iterations", None)
        return data


class LosingOrder(_Data):
    """An order of picks under which the code loses: replay it with `check --order`."""

    seed: int
    shuffle: int
    order: list[str]
    failed: list[GoalVerdict]


class Verdict(_Data):
    level: str
    passed: bool
    variants: list[VariantVerdict]
    # extensions
    title: str = ""
    shuffled: int = 0  # how many random orders were tried as well as FIFO
    shuffle_goals: list[str] = Field(default_factory=list)  # the goals those orders judged
    stopped: str | None = None  # the limit that stopped the check before its end, in words
    losing_order: LosingOrder | None = None
    error: CodeErrorInfo | None = None  # the level file itself is unusable
    lines: int | None = None  # lines of code the player wrote (for par)

    def shown_index(self) -> int:
        """The variant a report or the screen shows: the first that lost, else the first."""
        return next((i for i, v in enumerate(self.variants) if not v.passed), 0)

    def exit_code(self) -> int:
        if self.error is not None or any(v.error is not None for v in self.variants):
            return 2
        return 0 if self.passed else 1
