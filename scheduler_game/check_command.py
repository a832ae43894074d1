"""`scheduler-game check`: run a level headless and judge it; the text report, --json,
--events (the run as it happens), --svg, and the attempt kept with the progress."""

from __future__ import annotations

import argparse
import json
import sys
from bisect import bisect_right
from pathlib import Path
from typing import Any

from scheduler_game.cli import (
    EXIT_UNUSABLE,
    UsageError,
    _console,
    _load_solution,
    _resolve,
    _say,
)


def _parse_choices(items: list[str]) -> dict[str, str]:
    choices = {}
    for item in items:
        task, sep, label = item.partition("=")
        if not sep or not task or not label:
            raise UsageError(f"--choose {item}:1:1: write --choose TASK=LABEL")
        choices[task.strip()] = label.strip()
    return choices


def run_check(args: argparse.Namespace) -> int:
    from scheduler_game.sandbox import process

    process.warm_up()  # the child starts while this process loads the level
    try:
        return _check(args)
    finally:
        process.discard_warm()


def _check(args: argparse.Namespace) -> int:
    from scheduler_game.level.load import LevelErrors, load_level
    from scheduler_game.level.run import Attempt, Options, check_level

    path = _resolve(args.level, args.levels)
    try:
        loaded = load_level(path)
    except LevelErrors as bad:
        if args.json:  # scripts get the JSON shape even for an unusable level file
            first = bad.errors[0]
            error = {"path": first.path, "line": first.line, "col": first.col}
            error["message"] = first.message
            print(
                json.dumps({"level": args.level, "passed": False, "variants": [], "error": error})
            )
        raise UsageError("\n".join(e.format() for e in bad.errors)) from None
    solution = _load_solution(args.solution)
    if args.shuffle < 0:
        raise UsageError("--shuffle:1:1: N must be 0 or more")
    order = None
    if args.order is not None:
        order = [p.strip() for p in args.order.split(",") if p.strip()]
    # --ask on a player level: where the picks run out, stop and say who is ready.
    ask = bool(args.ask) and _player_asks(loaded, args)
    attempt = Attempt(
        solution=solution,
        reference=args.reference,
        choices=_parse_choices(args.choose),
        order=[] if ask and order is None else order,  # no pick given: ask for the first
    )
    from scheduler_game.sandbox.process import progress_listener

    if args.events:
        listen = _event_printer()
    else:
        show = _progress_printer(args.shuffle)
        listen = progress_listener(show) if show is not None else None
    verdict = check_level(
        loaded,
        attempt,
        Options(
            shuffle=args.shuffle,
            policy=args.policy,
            timeline=not args.json or bool(args.svg),
            ask=ask,
        ),
        listen=listen,
    )
    code = verdict.exit_code()
    if args.json or args.events:
        data = verdict.model_dump(
            mode="json", exclude={"variants": {"__all__": {"timeline", "idle"}}}
        )
        if args.events:
            _emit({"type": "verdict", **data})
        else:
            print(json.dumps(data, indent=2))
    elif code != EXIT_UNUSABLE:  # unusable input is said once, on stderr
        from scheduler_game.report import render

        render(verdict, _console())
    if args.svg and code != EXIT_UNUSABLE and verdict.variants:
        _write_svg(verdict, Path(args.svg))
    if code == EXIT_UNUSABLE:
        for error in [verdict.error, *(v.error for v in verdict.variants)]:
            if error is not None:
                _say(error.format(), err=True)
    elif solution is not None or attempt.choices or order is not None:
        _record(verdict, solution)
    return code


def _write_svg(verdict: Any, path: Path) -> None:
    from scheduler_game.svg import timeline_svg
    from scheduler_game.timeline import Timeline

    variant = verdict.variants[verdict.shown_index()]
    timeline = Timeline.from_variant(variant)
    title = f"{verdict.title} (seed {variant.seed}): {variant.outcome}"
    try:
        path.write_text(timeline_svg(timeline, title), encoding="utf-8")
    except OSError as err:
        raise UsageError(f"{path}:1:1: cannot write the SVG: {err.strerror}") from None
    _say(f"wrote {path}", err=True)


def _player_asks(loaded: Any, args: argparse.Namespace) -> bool:
    """The player is the scheduler: a `policy: player` level, not run under another
    policy, and not the reference (its `solution_order` is replayed as `check` does)."""
    policy = args.policy or loaded.level.settings.policy
    return policy == "player" and not args.reference


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _event_printer() -> Any:
    """`check --events`: each message from the sandbox, as it comes, as one JSON line.

    Slices are decoded from the packed trace as its batches arrive (`slices_since`).
    Under asyncio's loop, each loop iteration is told where it began (`iteration`), once
    the slices before it are: at the same tick, before the slice that starts there.
    """
    read_from: dict[tuple[int, int], int] = {}  # (job, seed) -> log index decoded up to
    told: dict[tuple[int, int], int] = {}  # (job, seed) -> loop iterations told

    def iterations(key: tuple[int, int], seed: Any, trace: Any, until: int | None) -> list[Any]:
        """The iterations not told yet that began at tick `until` or before (None: all)."""
        ticks = trace.iterations
        first = told.get(key, 0)
        last = len(ticks) if until is None else bisect_right(ticks, until, first)
        told[key] = last
        return [
            ((tick, -1), {"type": "iteration", "seed": seed, "tick": tick})
            for tick in ticks[first:last]
        ]

    def slice_events(seed: Any, slices: list[Any], final: bool = False) -> list[Any]:
        """Each slice as its line, keyed to sort before the output of its tick; the
        final one (the slice the machine stopped in) says nothing of what it waits on."""
        return [
            ((s.start, 0),
             {"type": "slice", "seed": seed, "task": s.task, "start": s.start, "end": s.end,
              "state": s.state, "detail": None if final else s.detail})
            for s in slices
        ]  # fmt: skip

    def emit_in_order(events: list[Any]) -> None:
        for _, line in sorted(events, key=lambda pair: pair[0]):
            _emit(line)

    def listen(message: dict[str, Any], trace: Any) -> None:
        event = message["event"]
        seed = message.get("seed")
        if event == "run":
            _emit({"type": "run", "seed": seed, "policy": message["policy"]})
        elif event == "progress":
            _emit({"type": "progress", "done": message["done"], "total": message["total"]})
        elif event == "trace":
            key = (message["job"], seed)
            slices, read_from[key] = trace.slices_since(read_from.get(key, 0))
            events = slice_events(seed, slices) + [
                ((tick, 1),
                 {"type": "output", "seed": seed, "tick": tick, "task": task, "text": text})
                for tick, task, text in message["output"]
            ]  # fmt: skip
            if slices:
                events += iterations(key, seed, trace, slices[-1].end)  # up to the last slice
            emit_in_order(events)
        elif event == "variant":
            variant = message["variant"]
            trace = variant.get("trace")
            if trace is not None:  # the slice the machine stopped in, if any
                key = (message["job"], variant["seed"])
                slices, _ = trace.slices_since(read_from.get(key, 0), final=True)
                seed = variant["seed"]
                emit_in_order(
                    slice_events(seed, slices, final=True) + iterations(key, seed, trace, None)
                )
            if variant.get("asked") is not None:  # stopped to ask who runs next
                _emit(
                    {"type": "pick", "variant": variant["seed"], "tick": variant["ticks"],
                     "ready": [{"task": a["task"], "line": a["line"]}
                               for a in variant["asked"]]}
                )  # fmt: skip
            _emit(
                {"type": "variant", "seed": variant["seed"], "passed": variant["passed"],
                 "outcome": variant["outcome"], "ticks": variant["ticks"]}
            )  # fmt: skip

    return listen


def _progress_printer(shuffle: int) -> Any:
    """Show progress on stderr for long checks (many random orders), on a terminal only."""
    if shuffle < 20 or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\rrunning {done}/{total} runs", end=end, file=sys.stderr, flush=True)

    return show


def _record(verdict: Any, solution: Any) -> None:
    """Keep the attempt with the player's progress (never a reason to fail a check)."""
    from scheduler_game.progress import SaveStore, hash_code

    store = SaveStore()
    try:
        code_hash = hash_code(solution.source) if solution is not None else None
        store.record_verdict(verdict, code_hash=code_hash)
    except OSError as err:
        _say(f"note: progress not saved: {err}", err=True)
    notice = store.take_notice()
    if notice:
        _say(f"note: {notice}", err=True)
