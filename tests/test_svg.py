"""The timeline as an SVG picture: the same cells as the terminal draws."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.dom.minidom
from pathlib import Path

from scheduler_game.svg import COLOURS, timeline_svg
from scheduler_game.timeline import CellState, Timeline

ROOT = Path(__file__).resolve().parents[1]
HOG = ROOT / "levels" / "01-cooperative" / "the-hog.yaml"


class Seg:
    def __init__(self, start: int, end: int, state: str) -> None:
        self.start, self.end, self.state = start, end, state


class Task:
    def __init__(self, name: str, max_wait: int, segments: list[Seg]) -> None:
        self.name, self.max_wait, self.segments = name, max_wait, segments


def rects(svg: str, state: CellState) -> int:
    return svg.count(f'fill="{COLOURS[state]}"><title>')


def test_each_cell_is_drawn_with_its_state():
    timeline = Timeline.from_segments(
        [
            Task("a", 2, [Seg(0, 3, "running"), Seg(3, 10, "ready")]),
            Task("b", 5, [Seg(0, 3, "ready"), Seg(3, 10, "running")]),
        ],
        end=10,
    )
    svg = timeline_svg(timeline, "two <tasks>")
    xml.dom.minidom.parseString(svg)  # well-formed, the title escaped
    assert "two &lt;tasks&gt;" in svg
    assert rects(svg, CellState.RUNNING) == 3 + 7
    assert rects(svg, CellState.READY) == 2 + 3  # a waits 7: 2 ready, then starving
    assert rects(svg, CellState.STARVING) == 5


def test_check_writes_the_losing_timeline(tmp_path):
    out = tmp_path / "hog.svg"
    r = subprocess.run(
        [sys.executable, "-m", "scheduler_game", "check", str(HOG), "--json", "--svg", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "SCHEDULER_GAME_HOME": str(tmp_path / "home")},
    )
    assert r.returncode == 1
    assert r.stderr == f"wrote {out}\n"
    svg = out.read_text()
    xml.dom.minidom.parseString(svg)
    assert "The Hog (seed 0): finished" in svg
    # the heartbeat waits 76 ticks with a limit of 6: 70 starving cells at a tick a cell
    assert rects(svg, CellState.STARVING) == 70


def test_an_asyncio_run_marks_where_each_loop_iteration_began():
    tasks = [Task("a", 5, [Seg(0, 4, "running")]), Task("s", 5, [Seg(0, 4, "ready")])]
    plain = timeline_svg(Timeline.from_segments(tasks, end=4), "game")
    assert ">loop<" not in plain and "loop iteration" not in plain
    svg = timeline_svg(Timeline.from_segments(tasks, end=4, iterations=[0, 0, 2]), "asyncio")
    xml.dom.minidom.parseString(svg)
    assert svg.count("<title>a loop iteration begins</title>") == 2  # ticks 0 and 2
    assert ">loop<" in svg and ">loop iteration begins<" in svg  # the row and the legend
