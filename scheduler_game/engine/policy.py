"""Who picks the next task when more than one is ready.

`Fifo` is asyncio's rule and the default. `Ordered` replays a player's picks (then FIFO
when they run out); `AskPlayer` replays them and then stops the run to ask for the next.
`Shuffled` picks at random, seeded, so that a solution that wins only under one lucky
order is caught; the kernel records each pick so that a losing order can be replayed with
`Ordered`. (The preemptive policy is FIFO plus a quantum: see Kernel.)
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from scheduler_game.engine.errors import BadPick

if TYPE_CHECKING:
    from scheduler_game.engine.task import Task


class Policy:
    """Chooses a task from a ready queue of two or more."""

    def pick(self, ready: deque[Task]) -> Task:
        raise NotImplementedError


class Fifo(Policy):
    def pick(self, ready: deque[Task]) -> Task:
        return ready[0]


class Ordered(Policy):
    """The given picks, by task name, then FIFO."""

    def __init__(self, picks: Iterable[str]) -> None:
        self.picks = deque(picks)

    def pick(self, ready: deque[Task]) -> Task:
        if not self.picks:
            return ready[0]
        name = self.picks.popleft()
        for task in ready:
            if task.name == name:
                return task
        names = ", ".join(t.name for t in ready)
        raise BadPick(f"pick {name!r} is not ready here; the ready tasks are: {names}")


class AskPlayer(Ordered):
    """The given picks, by task name; when they run out where more than one task is
    ready, no pick: the run stops there (outcome `pick`), so the player can be asked, and
    it goes on by running again with one more pick (runs are deterministic)."""

    def pick(self, ready: deque[Task]) -> Task | None:  # type: ignore[override]
        if not self.picks:
            return None
        return super().pick(ready)


class Shuffled(Policy):
    """A seeded random fair order: every ready task is as likely to be picked."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, ready: deque[Task]) -> Task:
        return ready[self.rng.randrange(len(ready))]
