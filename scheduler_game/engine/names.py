"""The names task code sees without importing anything (GAME.md §3), as plain data.

Kept apart from `api.py` (which builds them, and needs the whole kernel) so that the
level file's checks and the sandbox's binding rule can know the names without importing
the machine.
"""

TASK_API_NAMES = frozenset(
    {
        "cpu", "now", "print", "spawn", "cancel", "rand", "pause", "sleep", "join",
        "wait_for", "Queue", "Event", "Lock", "Semaphore", "Cancelled", "Timeout",
        "QueueEmpty", "QueueFull", "coroutine",
    }
)  # fmt: skip
