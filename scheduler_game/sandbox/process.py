"""The parent's side of the sandbox: run a level's program in a child process with limits,
read its NDJSON stream, and turn every way it can die into a verdict a player understands.

The child is a fresh interpreter (`python -s -P` with an environment of our own, never a
fork of a threaded app) with RLIMIT_CPU, RLIMIT_AS, RLIMIT_NOFILE and RLIMIT_FSIZE; the
parent keeps a wall-clock watchdog and kills the child's whole process group when it is
over, so no process is left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from scheduler_game.engine.trace import TraceRecorder
from scheduler_game.overview import StreamedTrace
from scheduler_game.sandbox.deaths import death_verdict, not_run

MAX_STDERR = 64 * 1024  # kept for an internal error's message, never parsed for frames
MAX_FAULTS = 64 * 1024  # faulthandler's dumps
MAX_LINE = 128 * 1024 * 1024  # one NDJSON line from the child
MAX_STDOUT = 512 * 1024 * 1024  # everything the child sends


@dataclass(frozen=True)
class Limits:
    """What one sandboxed check may use, whatever the level and the code.

    The whole check (every job, variant and random order) has one ceiling of CPU time and
    of real time, so no level file, however many variants it lists, can stall a command;
    each run within it gets its own share of CPU, so one slow variant is named as such.
    """

    cpu_seconds: int = 50  # CPU time of the child, for all its runs together
    run_cpu_seconds: int = 10  # one run's share of it
    run_wall_seconds: float = 20.0  # after this, the child writes where a run is stuck
    memory_bytes: int = 2 * 1024**3  # address space
    wall_seconds: float = 60.0  # the parent's watchdog, for the whole check


def _child_env() -> dict[str, str]:
    """The child's whole environment: nothing of ours leaks in (no PYTHONPATH, no
    PYTHONSTARTUP), and the hash seed is fixed, so a set of strings prints in the same
    order on every run. (`python -I` would ignore PYTHONHASHSEED, so the child runs with
    `-s -P` and this environment instead.)"""
    keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PYTHONHASHSEED"] = "0"
    return env


@dataclass
class Job:
    """What the child has said so far about one job."""

    variants: list[dict[str, Any]] = field(default_factory=list)
    running: dict[str, Any] | None = None  # the last run that started: seed, policy
    verdict: dict[str, Any] | None = None
    # Each streamed run's trace, absorbed batch by batch, and its output, by seed.
    traces: dict[int, StreamedTrace] = field(default_factory=dict)
    outputs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    # Decode each batch into per-task marks as it arrives (the screen's runs, which keep
    # `where`: it reads any task at any tick). Otherwise only the trace's overview is
    # kept up as it arrives (what the text report draws); marks are built if asked for.
    marks: bool = False

    def absorb(self, message: dict[str, Any]) -> StreamedTrace:
        seed = int(message["seed"])
        trace = self.traces.get(seed)
        if trace is None:
            trace = self.traces[seed] = StreamedTrace()
        if message["batch"] is not None:
            trace.absorb(message["batch"])  # and its overview reads it, while the child runs
            if self.marks:
                trace.marks  # noqa: B018  decoded now, while the child runs on: not at the end
        self.outputs.setdefault(seed, []).extend(
            {"tick": int(t), "task": str(task), "text": str(text)}
            for t, task, text in message["output"]
        )
        return trace

    def judged(self, variant: dict[str, Any]) -> None:
        """A variant's verdict: a streamed one gets its output and trace from the stream."""
        seed = variant.get("seed")
        trace = self.traces.get(seed) if isinstance(seed, int) else None
        if trace is not None:
            trace.finish(int(variant["ticks"]), variant.get("outcome"))
            variant["output"] = self.outputs.pop(seed, [])
            if variant.get("iterations") is not None:  # asyncio's loop: they came streamed
                variant["iterations"] = trace.iterations.tolist()
            variant["trace"] = trace
        self.variants.append(variant)


@dataclass
class Child:
    """What the parent has read from the child, as it read it."""

    jobs: list[Job]
    died: dict[str, Any] | None = None
    garbage: bytes | None = None
    stderr: bytearray = field(default_factory=bytearray)
    faults: bytearray = field(default_factory=bytearray)
    timed_out: bool = False
    cpu_used: float = 0.0

    def hear(self, line: bytes | bytearray, listen: Listener | None) -> None:
        trace = None
        try:
            message = json.loads(line)
            event = message["event"]
            job = self.jobs[message["job"]] if "job" in message else None
            if event == "died":
                self.died = message
            elif job is None:
                raise ValueError("no job")
            elif event == "run":
                job.running = message
            elif event == "trace":
                trace = job.absorb(message)
            elif event == "variant":
                job.judged(message["variant"])
            elif event == "verdict":
                job.verdict = {**message["verdict"], "variants": job.variants}
                job.running = None
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            self.garbage = bytes(line[:200])
            return
        if listen is not None:
            listen(message, trace)


# Hears each message from the child as it comes, with the run's trace so far for a
# "trace" message (decoded as it arrives: the parent's work overlaps the child's).
Listener = Callable[[dict[str, Any], "TraceRecorder | None"], None]


def progress_listener(progress: Callable[[int, int], None]) -> Listener:
    """A listener that hears only progress."""

    def listen(message: dict[str, Any], trace: TraceRecorder | None) -> None:
        if message.get("event") == "progress":
            progress(int(message["done"]), int(message["total"]))

    return listen


def run_sandboxed(
    spec: dict[str, Any],
    limits: Limits | None = None,
    listen: Listener | None = None,
    command: list[str] | None = None,
) -> dict[str, Any]:
    """Run `execute(spec)` in a child process; the verdict as plain data, always.

    `command` replaces the child's command line (tests use it to stage deaths).
    """
    return run_jobs([spec], limits, listen, command)[0]


def run_jobs(
    specs: list[dict[str, Any]],
    limits: Limits | None = None,
    listen: Listener | None = None,
    command: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Run several specs in one child, one after the other, within one set of limits:
    a verdict for each, always (`validate` proves a level this way). Blocks; for a run
    in the background that can be cancelled, use `SandboxRun`."""
    verdicts = SandboxRun(specs, limits, listen, command).run()
    assert verdicts is not None  # only a cancelled run has none
    return verdicts


class SandboxRun:
    """One sandboxed check: its child, what it said so far, and a way to stop it.

    `run()` blocks until the verdicts; `start()` runs it on a thread of its own (the
    screen's way: `listen` then hears each message on that thread) and `wait()` joins it.
    `cancel()` may come from any thread at any moment: the child's whole process group is
    killed at once, the reading ends, and `run()`/`wait()` give None.
    """

    def __init__(
        self,
        specs: list[dict[str, Any]],
        limits: Limits | None = None,
        listen: Listener | None = None,
        command: list[str] | None = None,
    ) -> None:
        self.specs = specs
        self.limits = limits or Limits()
        self.listen = listen
        self.command = command
        self.cancelled = False
        self.verdicts: list[dict[str, Any]] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxRun:
        self._thread = threading.Thread(target=self.run, daemon=True, name="sandbox-run")
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> list[dict[str, Any]] | None:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.verdicts

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            if self._proc is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self._proc.pid, signal.SIGKILL)

    def run(self) -> list[dict[str, Any]] | None:
        request = json.dumps({"jobs": self.specs, "limits": asdict(self.limits)}).encode()
        started = time.monotonic()
        with self._lock:
            if self.cancelled:
                return None
            proc = _take_warm_child() if self.command is None else None
            if proc is None:
                proc = start_child(self.command)
            self._proc = proc
        child = Child([Job(marks=bool(spec.get("where"))) for spec in self.specs])
        try:
            _talk(proc, request, child, self.limits, started, self.listen)
        finally:
            child.cpu_used = _kill(proc)
        if self.cancelled:
            return None
        self.verdicts = self._verdicts(child, proc.returncode)
        return self.verdicts

    def _verdicts(self, child: Child, returncode: int | None) -> list[dict[str, Any]]:
        verdicts: list[dict[str, Any]] = []
        for spec, job in zip(self.specs, child.jobs, strict=True):
            if job.verdict is not None and child.garbage is None:
                verdicts.append(job.verdict)
            elif verdicts and verdicts[-1].get("stopped"):
                verdicts.append(not_run(spec, "an earlier check in the same sandbox was stopped"))
            else:
                verdicts.append(death_verdict(spec, job, child, returncode, self.limits))
        return verdicts


def _talk(
    proc: subprocess.Popen[bytes],
    request: bytes,
    child: Child,
    limits: Limits,
    started: float,
    listen: Listener | None,
) -> None:
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        proc.stdin.write(request)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    sel.register(proc.stderr, selectors.EVENT_READ, "err")
    faults = getattr(proc, "faults", None)
    if faults is not None:
        sel.register(faults, selectors.EVENT_READ, "faults")
    buffer = bytearray()
    seen = 0  # bytes of `buffer` known to hold no newline
    total_out = 0
    open_streams = len(sel.get_map())
    while open_streams:
        left = limits.wall_seconds - (time.monotonic() - started)
        if left <= 0:
            child.timed_out = True
            break
        for key, _ in sel.select(timeout=min(left, 1.0)):
            chunk = os.read(key.fd, 1 << 20)
            if not chunk:
                sel.unregister(key.fileobj)
                open_streams -= 1
                continue
            if key.data != "out":
                kept = child.stderr if key.data == "err" else child.faults
                room = (MAX_STDERR if key.data == "err" else MAX_FAULTS) - len(kept)
                kept.extend(chunk[: max(0, room)])
                continue
            total_out += len(chunk)
            if total_out > MAX_STDOUT:
                child.garbage = b"(more than 512 MiB)"
                sel.close()
                return
            buffer.extend(chunk)
            start = 0
            # A trace batch spans many reads: each byte is searched for a newline once.
            while (end := buffer.find(b"\n", max(start, seen))) >= 0:
                child.hear(buffer[start:end], listen)
                start = end + 1
            del buffer[:start]
            seen = len(buffer)
            if len(buffer) > MAX_LINE:
                child.garbage = b"(a line of more than 128 MiB)"
                sel.close()
                return
    sel.close()


# The pre-started spare child (see `warm_up`), shared by every thread of the process.
_warm: list[subprocess.Popen[bytes]] = []
_warm_lock = threading.Lock()


def start_child(command: list[str] | None = None) -> subprocess.Popen[bytes]:
    """A fresh child interpreter, waiting for its request on stdin.

    Its faulthandler writes to a pipe of its own (`proc.faults`), which task code has no
    way to write to, so every frame the parent reads came from the interpreter.
    """
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.Popen(
            command
            or [sys.executable, "-s", "-P", "-m", "scheduler_game.sandbox.child", str(write_end)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_child_env(),
            start_new_session=True,  # its own process group, to kill it whole
            close_fds=True,
            pass_fds=(write_end,),
        )
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    proc.faults = os.fdopen(read_end, "rb", buffering=0)  # type: ignore[attr-defined]
    return proc


def warm_up() -> None:
    """Start the next child now, so that its interpreter starts while the caller loads
    the level: `check` is then as fast as the slower of the two, not their sum."""
    with _warm_lock:
        if not _warm:
            _warm.append(start_child())


def discard_warm() -> None:
    with _warm_lock:
        while _warm:
            _kill(_warm.pop())


def _take_warm_child() -> subprocess.Popen[bytes] | None:
    with _warm_lock:
        while _warm:
            proc = _warm.pop()
            if proc.poll() is None:
                return proc
            _kill(proc)
    return None


def _kill(proc: subprocess.Popen[bytes]) -> float:
    """Kill the child's whole process group and reap it: the CPU seconds it used."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # a dead child's group may still hold others
    cpu = 0.0
    if proc.returncode is None:
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
        except ChildProcessError:
            proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr, getattr(proc, "faults", None)):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    return cpu
