"""Exceptions that task code sees, and the one the machine uses to stop itself."""

from __future__ import annotations

from typing import Any


class Sealed(type):
    """The metaclass of every class task code can name: its attributes cannot be set or
    deleted. One child process runs many runs (variants, random orders); a class is the
    one object they all share, so a writable one would let code count its runs and win
    the FIFO run while losing the shuffled ones."""

    def __setattr__(cls, name: str, value: Any) -> None:
        raise AttributeError(f"{cls.__name__} is part of the machine: it cannot be changed")

    def __delattr__(cls, name: str) -> None:
        raise AttributeError(f"{cls.__name__} is part of the machine: it cannot be changed")


class Cancelled(BaseException, metaclass=Sealed):
    """Thrown into a task at its await point by `cancel(task)`.

    A BaseException, as asyncio's CancelledError, so that `except Exception` does not
    swallow it by accident.
    """


class Timeout(Exception, metaclass=Sealed):
    """Raised by `wait_for` when the inner work did not finish in time."""


class QueueEmpty(Exception, metaclass=Sealed):
    """Raised by `Queue.get_nowait()` on an empty queue."""


class QueueFull(Exception, metaclass=Sealed):
    """Raised by `Queue.put_nowait()` on a full queue."""


class BadPick(Exception):
    """A player's pick (`--order`) named a task that was not ready: unusable input."""


class Halt(BaseException, metaclass=Sealed):
    """The machine stops: a slice ran away (`hung`) or crossed `max_ticks` (`timeout`).

    Raised inside task code from `cpu()` and the line counter. Once the machine is
    halted every further count raises it again, so no `except` can swallow it for long.
    """

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
