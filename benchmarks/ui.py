"""What the game's screen costs: its first screen, a run's first slice, a timeline frame.

    python3 benchmarks/ui.py [--rounds N] [--json] [--no-bytecode]

- first screen: `scheduler-game`'s level select (`YieldApp()`, save data in a temp dir)
  against a bare Textual app (Header, an OptionList of 40 items, Footer), each started
  the same way: a fresh `python -c` that builds the app and runs it headless until its
  first screen is mounted and drawn (the first compositor update of that screen with its
  list laid out and filled), then exits. The wall time of each subprocess; goal: the
  ratio game/bare at 1.5 or below.
- key to first slice: the-hog open (`YieldApp(open_level=...)` under `run_test`), from
  pressing ctrl+r to the `#timeline` view drawing a line with a run in it (and, for the
  record, to the run first handed to it); cold (the spare sandbox child discarded) and
  warm (a spare child, `process.warm_up()`, as the level screen starts while the player
  reads the brief), 0.3 s after the screen settled. Goal: under 200 ms; also a ratio
  against a bare `python -c pass` start.
- a timeline frame: a synthetic run of 500 tasks over 1,000,000 ticks (2,000 marks a
  task, one task running at any tick) in a TimelineView filling a 200x50 app; a frame is
  every visible row drawn with the view's caches cleared: the whole run (`fit`), 1 tick a
  cell scrolled to the middle, one zoom step in from the whole run. Goal: under 16 ms a
  frame. The same frames on a small run (50 tasks, 20,000 ticks) are the reference: the
  view claims a big run draws as fast as a small one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path

from textual.app import App, ComposeResult

from scheduler_game.engine.trace import BLOCKED, READY, RUNNING, SLEEPING
from scheduler_game.level.load import load_level
from scheduler_game.progress import SaveStore
from scheduler_game.sandbox import process
from scheduler_game.timeline import Timeline
from scheduler_game.ui.app import YieldApp
from scheduler_game.ui.screens.level import LevelScreen
from scheduler_game.ui.widgets.timeline import TimelineView

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HOG = ROOT / "levels" / "01-cooperative" / "the-hog.yaml"

# -- 1. the first screen, in a fresh interpreter

# Run by `python -c`: {app} builds `app` and `ready(app, screen)`, true once the screen
# is the one wanted with its list laid out and filled.
_FIRST_SCREEN = """
import asyncio, time
{app}
drawn = []
display = app._display
def _display(screen, update):
    display(screen, update)
    if update is not None and not drawn and screen is app.screen and ready(app, screen):
        drawn.append(time.perf_counter())
app._display = _display
async def auto_pilot(pilot):
    deadline = time.monotonic() + 60
    while not drawn:
        if time.monotonic() > deadline:
            raise TimeoutError("the first screen was never drawn")
        await asyncio.sleep(0.001)
    pilot.app.exit()
app.run(headless=True, size=(100, 30), auto_pilot=auto_pilot)
if not drawn:
    raise SystemExit("the first screen was never drawn")
"""

_GAME = """
from textual.widgets import OptionList
from scheduler_game.ui.app import YieldApp
from scheduler_game.ui.screens.select import LevelSelectScreen
app = YieldApp()
def ready(app, screen):
    if not isinstance(screen, LevelSelectScreen):
        return False
    options = screen.query_one("#levels", OptionList)
    return options.option_count > 0 and options.region.area > 0
"""

_BARE = """
from textual.app import App
from textual.widgets import Footer, Header, OptionList
class Bare(App):
    def compose(self):
        yield Header()
        yield OptionList(*[f"Item {i}" for i in range(40)])
        yield Footer()
app = Bare()
def ready(app, screen):
    options = screen.query_one(OptionList)
    return options.option_count > 0 and options.region.area > 0
"""


def child_env(home: str, pycache: str | None) -> dict[str, str]:
    """The subprocesses' environment: save data in `home`; with `pycache`, bytecode is
    read and written there (PYTHONPYCACHEPREFIX), as an installed game has its modules
    compiled, whatever PYTHONDONTWRITEBYTECODE says and without writing in the tree."""
    env = {**os.environ, "SCHEDULER_GAME_HOME": home}
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def first_screen(app_code: str, env: dict[str, str]) -> float:
    code = _FIRST_SCREEN.format(app=app_code)
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, cwd=ROOT)
    took = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"first screen failed:\n{r.stderr.decode()}")
    return took


def bare_start(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)
    return time.perf_counter() - start


# -- 2. ctrl+r to the first slice drawn


async def _until(pilot, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {condition.__doc__}")
        await pilot.pause(0.001)


async def key_to_slice(home: Path, *, warm: bool) -> tuple[float, float]:
    """Seconds from ctrl+r to the run first handed to the `#timeline` view (`show`), and
    to that view first drawing a line with a run in it."""
    process.discard_warm()
    app = YieldApp(open_level=load_level(HOG), store=SaveStore(home=home))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LevelScreen), screen
        await app.workers.wait_for_complete()  # the screen's own warm-up, if it has one
        if warm:
            process.warm_up()  # a no-op when the screen did it
        else:
            process.discard_warm()
        await asyncio.sleep(0.3)  # the player reads the brief: a spare child is ready
        view = screen.query_one("#timeline", TimelineView)
        shown: list[float] = []
        drawn: list[float] = []
        show, render_line = view.show, view.render_line

        def show_spy(*args, **kwargs):
            shown.append(time.perf_counter())
            return show(*args, **kwargs)

        def render_spy(y: int):
            strip = render_line(y)
            if view.timeline is not None and not drawn:
                drawn.append(time.perf_counter())
            return strip

        view.show = show_spy  # type: ignore[method-assign]
        view.render_line = render_spy  # type: ignore[method-assign]
        start = time.perf_counter()
        await pilot.press("ctrl+r")

        def slice_drawn() -> bool:
            """the timeline to be drawn with a run in it"""
            return bool(drawn)

        await _until(pilot, slice_drawn)

        def run_over() -> bool:
            """the run to end"""
            return screen.run is None

        await _until(pilot, run_over)
    process.discard_warm()
    return shown[0] - start, drawn[0] - start


def ui_warms_up() -> bool:
    """Whether the game's screens start a spare sandbox child themselves."""
    ui = ROOT / "scheduler_game" / "ui"
    return any("warm_up" in f.read_text() for f in ui.rglob("*.py"))


# -- 3. a timeline frame


def synthetic(tasks: int, ticks: int, *, seed: int = 1) -> Timeline:
    """`tasks` tasks over `ticks` ticks: the CPU in slots of 4 ticks, each slot given to
    one task (a shuffled deal, so one task runs at any tick) for 1 to 4 ticks, the rest
    of the slot idle; between its slices a task sleeps, blocks, then waits ready (a wait
    may outlast its limit of 500 ticks: starving). About 4 marks per slot."""
    rng = random.Random(seed)
    slots = ticks // 4
    owner = [i % tasks for i in range(slots)]
    rng.shuffle(owner)
    mine: list[list[int]] = [[] for _ in range(tasks)]
    for slot, task in enumerate(owner):
        mine[task].append(slot)
    marks = []
    for task in range(tasks):
        m = array("q")
        at = 0  # where this task's last slice ended
        for slot in mine[task]:
            begin = slot * 4
            gap = begin - at
            if gap >= 3:  # sleeping, blocked, ready: each at least a tick
                a = at + 1 + rng.randrange(gap - 2)
                b = a + 1 + rng.randrange(begin - a - 1)
                m.extend((at << 3 | SLEEPING, a << 3 | BLOCKED, b << 3 | READY))
            elif gap > 0:
                m.append(at << 3 | READY)
            m.append(begin << 3 | RUNNING)
            at = begin + 1 + rng.randrange(4)
        if at < ticks:
            m.append(at << 3 | SLEEPING)
        marks.append(m)
    names = [f"task{t}" for t in range(tasks)]
    return Timeline(names, [500] * tasks, marks, ticks)


class FrameApp(App[None]):
    CSS = "TimelineView { height: 1fr; max-height: 100%; }"

    def compose(self) -> ComposeResult:
        yield TimelineView(id="timeline")


def frame(view: TimelineView) -> tuple[float, int]:
    """Every visible row drawn from nothing (every cache cleared): the seconds it took
    and the rows drawn. A big run's frame draws dots where a row is still being worked
    out on a thread (see `filled`)."""
    view._changed()
    rows = view.scrollable_content_region.height
    start = time.perf_counter()
    for y in range(rows):
        view.render_line(y)
    return time.perf_counter() - start, rows


async def filled(pilot, view: TimelineView, since: float) -> float:
    """Seconds from `since` until every row on screen is worked out (no thread busy)."""
    while view._computing or view._pending:
        await pilot.pause(0.001)
    return time.perf_counter() - since


async def frames(timeline: Timeline) -> dict[str, tuple[float, int]]:
    app = FrameApp()
    out = {}
    async with app.run_test(size=(200, 50)) as pilot:
        view = app.query_one(TimelineView)
        view.show(timeline)
        await pilot.pause()
        view.action_fit()
        await pilot.pause()
        begun = time.perf_counter()
        out["whole run"] = frame(view)
        out["whole run, filled in"] = (await filled(pilot, view, begun), 0)
        middle = timeline.end // 2
        view.per = 1
        view._changed()
        await pilot.pause()  # the new virtual size laid out, so it scrolls that far
        rows = max(0, len(timeline) // 2 - view.size.height // 2)
        view.scroll_to(x=middle, y=rows, animate=False, immediate=True)
        await pilot.pause()
        assert view.scroll_offset.x == middle, view.scroll_offset
        out["1 tick/cell, middle"] = frame(view)
        view.scroll_to(x=0, y=0, animate=False, immediate=True)
        view.action_fit()
        view.cursor = middle
        view.action_zoom(-1)  # one step in, the cursor kept on screen
        await pilot.pause()
        assert view.per < timeline.end // 100, view.per
        begun = time.perf_counter()
        out["one zoom step in"] = frame(view)
        out["one zoom step in, filled in"] = (await filled(pilot, view, begun), 0)
    return out


# -- the run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="start the subprocesses with this environment's bytecode settings as they are",
    )
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp())
    env = child_env(str(home), None if args.no_bytecode else str(home / "pycache"))
    for code in (_GAME, _BARE):  # untimed: the bytecode compiled, the disk cache warm
        first_screen(code, env)
    big = synthetic(500, 1_000_000)
    small = synthetic(50, 20_000)
    marks = sum(len(m) for m in big.marks)
    times: dict[str, list[float]] = {}

    def keep(name: str, value: float) -> None:
        times.setdefault(name, []).append(value)

    rows: dict[str, int] = {}
    for _ in range(args.rounds):  # alternated, so each sees the same machine
        keep("game first screen", first_screen(_GAME, env))
        keep("bare app first screen", first_screen(_BARE, env))
        keep("bare python start", bare_start(env))
        for kind in ("cold", "warm"):
            shown, drawn = asyncio.run(key_to_slice(home, warm=kind == "warm"))
            keep(f"key to slice in view, {kind}", shown)
            keep(f"key to slice, {kind}", drawn)
        for label, timeline in (("big", big), ("small", small)):
            for case, (took, drawn) in asyncio.run(frames(timeline)).items():
                keep(f"frame {label}: {case}", took)
                rows[case] = drawn
    med = {name: statistics.median(values) for name, values in times.items()}
    bare = med["bare python start"]
    figures: dict[str, object] = {
        "median_s": med,
        "rounds_s": times,
        "first_screen_ratio": med["game first screen"] / med["bare app first screen"],
        "key_to_slice_cold_vs_bare_start": med["key to slice, cold"] / bare,
        "key_to_slice_warm_vs_bare_start": med["key to slice, warm"] / bare,
        "bytecode": "as the environment has it" if args.no_bytecode else "compiled, cached",
        "ui_calls_warm_up": ui_warms_up(),
        "frame_rows": rows,
        "big_marks": marks,
        "frame_big_vs_small": {
            case: med[f"frame big: {case}"] / med[f"frame small: {case}"]
            for case in (
                "whole run",
                "whole run, filled in",
                "1 tick/cell, middle",
                "one zoom step in",
                "one zoom step in, filled in",
            )
        },
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    ms = {name: value * 1000 for name, value in med.items()}
    print(f"{args.rounds} alternated rounds, medians; bytecode {figures['bytecode']}")
    print(
        f"first screen: game {ms['game first screen']:.0f} ms, bare Textual app "
        f"{ms['bare app first screen']:.0f} ms, ratio {figures['first_screen_ratio']:.2f}"
        "   goal <= 1.5"
    )
    print(f"bare interpreter start: {ms['bare python start']:.1f} ms")
    for kind in ("cold", "warm"):
        value = med[f"key to slice, {kind}"]
        print(
            f"ctrl+r to first slice drawn, {kind}: {value * 1000:.0f} ms, "
            f"{value / bare:.2f}x a bare start   goal < 200 ms  (in the view, not yet "
            f"drawn: {ms[f'key to slice in view, {kind}']:.0f} ms)"
        )
    print(f"the game warms a child up itself (warm_up in scheduler_game/ui): {ui_warms_up()}")
    print(f"timeline frame at 200x50, 500 tasks x 1,000,000 ticks ({marks:,} marks):")
    for case, ratio in figures["frame_big_vs_small"].items():  # type: ignore[union-attr]
        if case.endswith("filled in"):  # not a frame: the thread's work behind the dots
            print(
                f"  {case:28} {ms[f'frame big: {case}']:8.2f} ms   small run "
                f"{ms[f'frame small: {case}']:6.2f} ms (rows worked out off the screen's thread)"
            )
            continue
        print(
            f"  {case:28} {rows[case]} rows {ms[f'frame big: {case}']:8.2f} ms   small run "
            f"{ms[f'frame small: {case}']:6.2f} ms   big/small {ratio:6.1f}   goal < 16 ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
