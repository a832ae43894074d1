"""How a sandboxed check that stopped before its end is told to a player: which limit
stopped it, in words; where the player's code was (from faulthandler's dump, on the pipe
only the interpreter writes to); the variants judged before, and those never reached.
"""

from __future__ import annotations

import re
import signal
from typing import TYPE_CHECKING, Any

from scheduler_game.sandbox.child import EXIT_MEMORY

if TYPE_CHECKING:
    from scheduler_game.sandbox.process import Child, Job, Limits


def player_frame(dump: str, paths: set[str]) -> tuple[str, int, str] | None:
    """Where the player's code was in a faulthandler dump: (path, line of the innermost
    frame in level or player code, function of the outermost such frame: the task).
    Only frames of the level's own code files count, matched whole."""
    frames = [
        (m["path"], int(m["line"]), m["name"])
        for m in _FRAME.finditer(dump)  # faulthandler prints the most recent call first
        if m["path"] in paths
    ]
    if not frames:
        return None
    return frames[0][0], frames[0][1], frames[-1][2]


_FRAME = re.compile(
    r'File "(?P<path>[^"\n]{1,4096})", line (?P<line>\d{1,9}) in (?P<name>\w{1,200})'
)


def stopped_verdict(
    spec: dict[str, Any], variants: list[dict[str, Any]], stopped: str, not_run: str
) -> dict[str, Any]:
    """The verdict of a job stopped before its end: the variants it has, in the level's
    order, and a `not run` variant (saying `not_run`) for every other seed."""
    seeds = spec.get("seeds") or [0]
    judged = {v["seed"] for v in variants}
    variants = variants + [
        {"seed": seed, "passed": False, "outcome": None, "ticks": 0,
         "notes": [f"not run: {not_run}"]}
        for seed in seeds
        if seed not in judged
    ]  # fmt: skip
    variants.sort(key=lambda v: seeds.index(v["seed"]))
    return {
        "level": spec["level"],
        "title": spec.get("title", ""),
        "passed": False,
        "variants": variants,
        "shuffled": spec.get("shuffle", 0),
        "lines": spec.get("lines"),
        "stopped": stopped,
    }


def not_run(spec: dict[str, Any], why: str) -> dict[str, Any]:
    return stopped_verdict(spec, [], why, why)


def death_verdict(
    spec: dict[str, Any],
    job: Job,
    child: Child,
    returncode: int | None,
    limits: Limits,
) -> dict[str, Any]:
    """The verdict of a job whose child stopped before its end: the variants it judged,
    the run it was in, said plainly with the limit that stopped it, and those never run."""
    from scheduler_game.level.judge import goal_label

    paths = {s["path"] for s in spec["snippets"]}
    frame = player_frame(child.faults.decode("utf-8", "replace"), paths)
    where = f" at {frame[0]}:{frame[1]}" if frame else ""
    running = job.running or {}
    run = f"variant seed {running['seed']}" if "seed" in running else "the check"
    if running.get("policy", "").startswith("shuffle"):
        run += f" (random order {running['policy'].split()[-1]})"
    outcome = "hung"
    died = child.died or {}
    if child.timed_out:
        stopped = f"the check's limit of {limits.wall_seconds:.0f} s of real time"
        note = (
            f"{run} was stopped by {stopped}{where}: task code that never gives the CPU "
            "back (or a computation too big to interrupt) would freeze a real cooperative "
            "system"
        )
    elif returncode in (-signal.SIGXCPU, -signal.SIGKILL) or died.get("reason") == "cpu":
        # The child said which limit the running run had; before any run, the check's.
        overall = running.get("cpu_limit", "check") == "check"
        stopped = (
            f"the check's limit of {limits.cpu_seconds} s of CPU for all its runs"
            if overall
            else f"the limit of {limits.run_cpu_seconds} s of CPU for one run"
        )
        note = (
            f"{run} was stopped by {stopped} (last{where}): a computation too big for the "
            "game's clock to interrupt, such as sum(range(10**13)) or 7 ** 10**9, or far "
            "too much work for one level"
        )
    elif returncode == EXIT_MEMORY or died.get("reason") == "memory":
        outcome = "crashed"
        gib = limits.memory_bytes / 1024**3
        stopped = f"the limit of {gib:.0f} GiB of memory"
        note = f"{run}: the code{where} used more than {gib:.0f} GiB of memory: it was stopped"
    elif child.garbage is not None:
        outcome = "crashed"
        stopped = "an unreadable answer from the sandbox"
        note = f"the sandbox sent something unreadable: {child.garbage[:80]!r}"
    elif returncode is not None and returncode < 0:
        outcome = "crashed"
        name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else ""
        stopped = f"signal {-returncode} {name}".rstrip()
        note = f"{run}: the sandbox was killed by {stopped}{where}"
    else:
        outcome = "crashed"
        message = died.get("message") or f"exit code {returncode}"
        stopped = "an internal error of the sandbox"
        note = f"the sandbox stopped without a verdict ({message}){where}"
    seeds = spec.get("seeds") or [0]
    done = [v for v in job.variants if v.get("seed") in seeds]
    seed = running.get("seed", seeds[len(done)] if len(done) < len(seeds) else seeds[0])
    died_variant = {
        "seed": seed,
        "passed": False,
        "outcome": outcome,
        "ticks": 0,
        "goals": [{"goal": goal_label(g), "passed": False, "detail": note} for g in spec["goals"]],
        "hung": {"task": frame[2], "line": frame[1], "path": frame[0]}
        if outcome == "hung" and frame
        else None,
        "notes": [note],
    }
    if running.get("policy", "").startswith("shuffle"):
        died_variant["policy"] = running["policy"]
    # The variants judged before, the one that was running (in place of its FIFO verdict
    # if a random order of it was running), and those never reached.
    variants = [v for v in done if v["seed"] != seed] + [died_variant]
    return stopped_verdict(spec, variants, stopped, f"the check was stopped by {stopped}")
