"""Exceptions that task code sees, and the one the machine uses to stop itself."""

from __future__ import annotations


class Cancelled(BaseException):
    """Thrown into a task at its await point by `cancel(task)`.

    A BaseException, as asyncio's CancelledError, so that `except Exception` does not
    swallow it by accident.
    """


class Timeout(Exception):
    """Raised by `wait_for` when the inner work did not finish in time."""


class QueueEmpty(Exception):
    """Raised by `Queue.get_nowait()` on an empty queue."""


class QueueFull(Exception):
    """Raised by `Queue.put_nowait()` on a full queue."""


class BadPick(Exception):
    """A player's pick (`--order`) named a task that was not ready: unusable input."""


class Halt(BaseException):
    """The machine stops: a slice ran away (`hung`) or crossed `max_ticks` (`timeout`).

    Raised inside task code from `cpu()` and the line counter. Once the machine is
    halted every further count raises it again, so no `except` can swallow it for long.
    """

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
