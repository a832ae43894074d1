"""The sandbox's child process: `python -s -P -m scheduler_game.sandbox.child FAULT_FD`.

It reads one request (JSON) from stdin: `{"jobs": [spec, ...], "limits": {...}}`, puts
limits on itself, runs each job with `execute`, and streams NDJSON lines to stdout:

    {"event": "run", "job": j, "seed": s, "policy": p,      a run starts, and the CPU
     "cpu_limit": "run" | "check"}                          limit that may stop it
    {"event": "variant", "job": j, "variant": {...}}        a variant was judged
    {"event": "progress", "job": j, "done": n, "total": m}
    {"event": "trace", "job": j, "seed": s, "batch": {...} | null, "output": [[t, task, text]]}
                                          what a run recorded since the last (see Streamer)
    {"event": "verdict", "job": j, "verdict": {...}}        a job is over: its verdict
                                                            without "variants", which
                                                            went as "variant" events
    {"event": "died", "reason": "memory" | "internal", "message": ...}

Each run gets its own share of CPU time (RLIMIT_CPU's soft limit is moved before each
run), inside the request's overall budget. For the deaths that no Python code sees (a
C-level hog stopped by RLIMIT_CPU, a fatal signal, a run past its wall-clock share),
faulthandler writes the stack to FAULT_FD: a pipe only the interpreter writes to, so text
a task prints (to stdout or, through warnings, to stderr) is never taken for a frame.
"""

from __future__ import annotations

import faulthandler
import json
import os
import resource
import signal
import sys
import threading
import time
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


def _limit(kind: int, soft: int, hard: int | None = None) -> None:
    """Set a limit: `hard` (default: `soft`) never above the one already in force."""
    try:
        _old_soft, old_hard = resource.getrlimit(kind)
        hard = soft if hard is None else hard
        if old_hard != resource.RLIM_INFINITY:
            hard = min(hard, old_hard)
        resource.setrlimit(kind, (min(soft, hard), hard))
    except (ValueError, OSError):
        pass


def set_limits(limits: dict[str, Any]) -> None:
    total = int(limits["cpu_seconds"])
    _limit(resource.RLIMIT_CPU, total, total + 1)
    _limit(resource.RLIMIT_AS, int(limits["memory_bytes"]))
    _limit(resource.RLIMIT_FSIZE, 0)  # task code writes no files
    _limit(resource.RLIMIT_NOFILE, 16)  # nor opens any: what is open now is enough
    _limit(resource.RLIMIT_CORE, 0)


def cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def budget_run(limits: dict[str, Any], faults: Any) -> str:
    """Give the run about to start its share of CPU and wall-clock time: which limit will
    stop it if any does, "run" (its own share) or "check" (what the check has left)."""
    total = int(limits["cpu_seconds"])
    share = int(cpu_used()) + int(limits["run_cpu_seconds"]) + 1
    _limit(resource.RLIMIT_CPU, min(share, total), total + 1)
    faulthandler.cancel_dump_traceback_later()
    faulthandler.dump_traceback_later(limits["run_wall_seconds"], file=faults)
    return "run" if share < total else "check"


class Streamer:
    """Sends a run's trace and output as it goes: a thread of its own wakes every
    PERIOD seconds and sends what the run recorded since (`TraceRecorder.batch_since`:
    the packed log, never decoded here), and the run's end sends the rest. The kernel's
    loop does nothing more for it. A run in a C-level loop holds the interpreter, so
    nothing is sent until it ends or is stopped: what was sent before stays good."""

    PERIOD = 0.05

    def __init__(self, send: Any) -> None:
        from scheduler_game.engine.trace import TraceCursor

        self._send = send
        self._cursor_type = TraceCursor
        self._lock = threading.Lock()
        self._run: tuple[int, int, Any, Any, Any] | None = None  # job, seed, kernel, trace, at
        self._output_sent = 0
        self.job = 0
        threading.Thread(target=self._tick, daemon=True, name="streamer").start()

    def start(self, seed: int, kernel: Any, recorder: Any) -> None:
        with self._lock:
            self._flush()
            self._run = (self.job, seed, kernel, recorder, self._cursor_type())
            self._output_sent = 0

    def end(self) -> None:
        with self._lock:
            self._flush()
            self._run = None

    def _tick(self) -> None:
        while True:
            time.sleep(self.PERIOD)
            with self._lock:
                self._flush()

    def _flush(self) -> None:
        if self._run is None:
            return
        job, seed, kernel, recorder, cursor = self._run
        batch = recorder.batch_since(cursor)
        lines = kernel.output[self._output_sent :]
        if batch is None and not lines:
            return
        self._output_sent += len(lines)
        output = [[line.tick, line.task, line.text] for line in lines]
        self._send({"event": "trace", "job": job, "seed": seed, "batch": batch, "output": output})


def main() -> int:
    _limit(resource.RLIMIT_CORE, 0)  # first: a crash must not leave gigabytes behind
    _die_with_parent()
    out = sys.stdout.buffer
    fault_fd = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    faults = os.fdopen(fault_fd, "w", closefd=False)

    sending = threading.Lock()  # the streamer's thread sends too

    def send(message: dict[str, Any]) -> None:
        line = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        with sending:
            out.write(line)
            out.flush()

    # Import everything first (while the parent loads the level), and before the
    # limits: the file limit would stop imports later.
    from scheduler_game.sandbox.execute import execute

    raw = sys.stdin.buffer.read()
    sys.stdin.close()
    if not raw:
        return 0  # a warm child that was not needed
    request = json.loads(raw)
    limits = request["limits"]

    faulthandler.enable(file=faults)
    faulthandler.register(signal.SIGXCPU, file=faults, all_threads=False, chain=True)
    set_limits(limits)

    streamer = Streamer(send)
    try:
        for job, spec in enumerate(request["jobs"]):
            streamer.job = job

            def forward(event: dict[str, Any], job: int = job) -> None:
                if event["event"] == "run":
                    event = {**event, "cpu_limit": budget_run(limits, faults)}
                send({**event, "job": job})

            verdict = execute(spec, forward, streamer)
            faulthandler.cancel_dump_traceback_later()
            del verdict["variants"]  # each went on its own already: never twice on the pipe
            send({"event": "verdict", "job": job, "verdict": verdict})
    except MemoryError:
        send({"event": "died", "reason": "memory"})
        return EXIT_MEMORY
    except RecursionError as err:
        send({"event": "died", "reason": "internal", "message": f"RecursionError: {err}"})
        return EXIT_INTERNAL
    return 0


if __name__ == "__main__":
    sys.exit(main())
