"""The sandbox's child process: `python -I -m scheduler_game.sandbox.child`.

It reads one request (JSON) from stdin, puts limits on itself, runs the level with
`execute`, and streams NDJSON lines to stdout: `{"event": "progress", "done", "total"}`
while it works, then `{"event": "verdict", "verdict": {...}}`. If it cannot finish, the
parent tells the player why from how it died; for the deaths that no Python code sees
(a C-level hog stopped by RLIMIT_CPU, a fatal signal), faulthandler writes the player's
stack to stderr first, so the parent can name the line.
"""

from __future__ import annotations

import faulthandler
import json
import os
import resource
import signal
import sys
from typing import Any

EXIT_MEMORY = 3
EXIT_INTERNAL = 4


def _die_with_parent() -> None:
    """On Linux, be killed when the parent dies: the child never outlives its run."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() == 1:  # the parent is already gone
            os._exit(EXIT_INTERNAL)
    except (OSError, AttributeError):
        pass


def _limit(kind: int, value: int) -> None:
    try:
        _soft, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, hard if kind != resource.RLIMIT_CPU else value + 1))
    except (ValueError, OSError):
        pass


def set_limits(limits: dict[str, Any]) -> None:
    _limit(resource.RLIMIT_CPU, int(limits["cpu_seconds"]))
    _limit(resource.RLIMIT_AS, int(limits["memory_bytes"]))
    _limit(resource.RLIMIT_FSIZE, 0)  # task code writes no files
    _limit(resource.RLIMIT_NOFILE, 16)  # nor opens any: what is open now is enough
    _limit(resource.RLIMIT_CORE, 0)


def main() -> int:
    _die_with_parent()
    out = sys.stdout.buffer

    def send(message: dict[str, Any]) -> None:
        out.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        out.flush()

    # Import everything first (while the parent loads the level), and before the
    # limits: the file limit would stop imports later.
    from scheduler_game.sandbox.execute import execute

    raw = sys.stdin.buffer.read()
    sys.stdin.close()
    if not raw:
        return 0  # a warm child that was not needed
    request = json.loads(raw)

    faulthandler.enable(file=sys.stderr)
    faulthandler.register(signal.SIGXCPU, file=sys.stderr, all_threads=False, chain=True)
    set_limits(request["limits"])

    def progress(done: int, total: int) -> None:
        send({"event": "progress", "done": done, "total": total})

    try:
        verdict = execute(request["spec"], progress)
    except MemoryError:
        verdict = None
        send({"event": "died", "reason": "memory"})
        return EXIT_MEMORY
    except RecursionError as err:
        send({"event": "died", "reason": "internal", "message": f"RecursionError: {err}"})
        return EXIT_INTERNAL
    try:
        send({"event": "verdict", "verdict": verdict})
    except MemoryError:
        verdict = None
        send({"event": "died", "reason": "memory"})
        return EXIT_MEMORY
    return 0


if __name__ == "__main__":
    sys.exit(main())
