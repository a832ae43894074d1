"""The parent's side of the sandbox: run a level's program in a child process with limits,
read its NDJSON stream, and turn every way it can die into a verdict a player understands.

The child is a fresh interpreter (`python -I`, never a fork of a threaded app) with
RLIMIT_CPU, RLIMIT_AS, RLIMIT_NOFILE and RLIMIT_FSIZE; the parent keeps a wall-clock
watchdog and kills the child's whole process group when it is over, so no process is left
behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

EXIT_MEMORY = 3
MAX_STDERR = 256 * 1024
MAX_STDOUT = 512 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 10  # CPU time of the child, for all its runs together
    memory_bytes: int = 2 * 1024**3  # address space
    wall_seconds: float = 30.0  # the parent's watchdog


def limits_for(spec: dict[str, Any]) -> Limits:
    """More runs (variants x random orders) get more time, within reason."""
    runs = len(spec.get("seeds") or [0]) * (1 + spec.get("shuffle", 0))
    cpu = min(300, 8 + 2 * runs)
    return Limits(cpu_seconds=cpu, wall_seconds=cpu * 2 + 5)


def _child_env() -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PYTHONHASHSEED"] = "0"  # the same trace every time, even for sets of strings
    return env


def run_sandboxed(
    spec: dict[str, Any],
    limits: Limits | None = None,
    progress: Callable[[int, int], None] | None = None,
    command: list[str] | None = None,
) -> dict[str, Any]:
    """Run `execute(spec)` in a child process; the verdict as plain data, always.

    `command` replaces the child's command line (tests use it to stage deaths).
    """
    limits = limits or limits_for(spec)
    request = json.dumps({"spec": spec, "limits": asdict(limits)}).encode()
    started = time.monotonic()
    proc = _take_warm_child() if command is None else None
    if proc is None:
        proc = start_child(command)
    verdict: dict[str, Any] | None = None
    died: dict[str, Any] | None = None
    garbage: bytes | None = None
    stderr = bytearray()
    timed_out = False
    try:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        try:
            proc.stdin.write(request)
            proc.stdin.close()
        except BrokenPipeError:
            pass
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ, "out")
        sel.register(proc.stderr, selectors.EVENT_READ, "err")
        buffer = bytearray()
        total_out = 0
        open_streams = 2
        while open_streams:
            left = limits.wall_seconds - (time.monotonic() - started)
            if left <= 0:
                timed_out = True
                break
            for key, _ in sel.select(timeout=min(left, 1.0)):
                chunk = os.read(key.fd, 1 << 20)
                if not chunk:
                    sel.unregister(key.fileobj)
                    open_streams -= 1
                    continue
                if key.data == "err":
                    if len(stderr) < MAX_STDERR:
                        stderr.extend(chunk[: MAX_STDERR - len(stderr)])
                    continue
                total_out += len(chunk)
                if total_out > MAX_STDOUT:
                    garbage = b"(more than 512 MiB)"
                    open_streams = 0
                    break
                buffer.extend(chunk)
                while b"\n" in buffer:
                    line, _, rest = buffer.partition(b"\n")
                    buffer = bytearray(rest)
                    try:
                        message = json.loads(line)
                        event = message["event"]
                    except (ValueError, KeyError, TypeError):
                        garbage = bytes(line[:200])
                        continue
                    if event == "progress" and progress is not None:
                        progress(int(message["done"]), int(message["total"]))
                    elif event == "verdict":
                        verdict = message["verdict"]
                    elif event == "died":
                        died = message
        sel.close()
    finally:
        _kill(proc)
    if verdict is not None and garbage is None:
        return verdict
    return _death_verdict(spec, proc.returncode, died, garbage, bytes(stderr), timed_out, limits)


_warm: list[subprocess.Popen[bytes]] = []


def start_child(command: list[str] | None = None) -> subprocess.Popen[bytes]:
    """A fresh child interpreter, waiting for its request on stdin."""
    return subprocess.Popen(
        command or [sys.executable, "-I", "-m", "scheduler_game.sandbox.child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_child_env(),
        start_new_session=True,  # its own process group, to kill it whole
        close_fds=True,
    )


def warm_up() -> None:
    """Start the next child now, so that its interpreter starts while the caller loads
    the level: `check` is then as fast as the slower of the two, not their sum."""
    if not _warm:
        _warm.append(start_child())


def discard_warm() -> None:
    while _warm:
        _kill(_warm.pop())


def _take_warm_child() -> subprocess.Popen[bytes] | None:
    while _warm:
        proc = _warm.pop()
        if proc.poll() is None:
            return proc
        _kill(proc)
    return None


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


_FRAME = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+) in (?P<name>\S+)')


def player_frame(dump: str, paths: set[str]) -> tuple[str, int, str] | None:
    """The innermost frame of the player's code in a faulthandler dump."""
    for m in _FRAME.finditer(dump):  # faulthandler prints the most recent call first
        if m["path"] in paths:
            return m["path"], int(m["line"]), m["name"]
    return None


def _death_verdict(
    spec: dict[str, Any],
    returncode: int | None,
    died: dict[str, Any] | None,
    garbage: bytes | None,
    stderr: bytes,
    timed_out: bool,
    limits: Limits,
) -> dict[str, Any]:
    from scheduler_game.level.judge import goal_label

    paths = {s["path"] for s in spec["snippets"]}
    frame = player_frame(stderr.decode("utf-8", "replace"), paths)
    where = f" at {frame[0]}:{frame[1]}" if frame else ""
    outcome = "hung"
    if timed_out:
        note = (
            f"the run was stopped after {limits.wall_seconds:.0f} s of real time{where}: "
            "task code that never gives the CPU back (or a computation too big to interrupt) "
            "would freeze a real cooperative system"
        )
    elif returncode in (-signal.SIGXCPU, -signal.SIGKILL) or (died or {}).get("reason") == "cpu":
        note = (
            f"the run used more than {limits.cpu_seconds} s of real CPU and was stopped "
            f"(last{where}): a computation too big for the game's clock to interrupt, such "
            "as sum(range(10**13)) or 7 ** 10**9, or far too much work for one level"
        )
    elif returncode == EXIT_MEMORY or (died or {}).get("reason") == "memory":
        outcome = "crashed"
        gib = limits.memory_bytes / 1024**3
        note = f"the code{where} used more than {gib:.0f} GiB of memory: it was stopped"
    elif garbage is not None:
        outcome = "crashed"
        note = f"the sandbox sent something unreadable: {garbage[:80]!r}"
    elif returncode is not None and returncode < 0:
        outcome = "crashed"
        name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else ""
        note = f"the sandbox was killed by signal {-returncode} {name}{where}".rstrip()
    else:
        outcome = "crashed"
        message = (died or {}).get("message") or f"exit code {returncode}"
        note = f"the sandbox stopped without a verdict ({message}){where}"
    seed = (spec.get("seeds") or [0])[0]
    return {
        "level": spec["level"],
        "title": spec.get("title", ""),
        "passed": False,
        "variants": [
            {
                "seed": seed,
                "passed": False,
                "outcome": outcome,
                "ticks": 0,
                "goals": [
                    {"goal": goal_label(g), "passed": False, "detail": note} for g in spec["goals"]
                ],
                "hung": {"task": frame[2] if frame else None, "line": frame[1] if frame else None}
                if outcome == "hung"
                else None,
                "notes": [note],
            }
        ],
        "shuffled": spec.get("shuffle", 0),
        "lines": spec.get("lines"),
    }
