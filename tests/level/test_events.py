"""`check --events`: the run as it happens, one JSON object a line, ending with the
verdict; the trace travels packed and is decoded as it arrives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler_game.engine.trace import TraceCursor, TraceRecorder
from tests.engine.conftest import run_tasks
from tests.engine.programs import PROGRAM, program

ROOT = Path(__file__).resolve().parents[2]


def events(*args: str, home: Path) -> tuple[int, list[dict]]:
    env = {**os.environ, "SCHEDULER_GAME_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler_game", "check", *args, "--events"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()]


def test_the_hog_as_it_happens(tmp_path):
    code, lines = events("the-hog", home=tmp_path)
    assert code == 1
    assert lines[0] == {"type": "run", "seed": 0, "policy": "fifo"}
    assert lines[1:4] == [
        {"type": "slice", "seed": 0, "task": "heartbeat", "start": 0, "end": 1,
         "state": "sleeping", "detail": "until 5"},
        {"type": "output", "seed": 0, "tick": 0, "task": "heartbeat", "text": "beat"},
        {"type": "slice", "seed": 0, "task": "cruncher", "start": 1, "end": 81,
         "state": "finished", "detail": None},
    ]  # fmt: skip
    slices = [line for line in lines if line["type"] == "slice"]
    assert len(slices) == 14  # 13 of the heartbeat, 1 of the cruncher
    assert [line["type"] for line in lines[-3:]] == ["variant", "progress", "verdict"]
    assert lines[-3] == {"type": "variant", "seed": 0, "passed": False,
                         "outcome": "finished", "ticks": 137}  # fmt: skip
    verdict = lines[-1]
    env = {**os.environ, "SCHEDULER_GAME_HOME": str(tmp_path)}
    as_json = subprocess.run(
        [sys.executable, "-m", "scheduler_game", "check", "the-hog", "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert {k: v for k, v in verdict.items() if k != "type"} == json.loads(as_json.stdout)
    printed = [(line["tick"], line["text"]) for line in lines if line["type"] == "output"]
    assert printed == [(o["tick"], o["text"]) for o in verdict["variants"][0]["output"]]


def test_the_first_line_comes_long_before_a_long_run_ends(tmp_path):
    env = {**os.environ, "SCHEDULER_GAME_HOME": str(tmp_path)}
    level = ROOT / "benchmarks" / "levels" / "million.yaml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler_game", "check", str(level), "--events"],
        stdout=subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        second = json.loads(proc.stdout.readline())
        assert proc.poll() is None  # a million switches are still running
        assert first["type"] == "run" and second["type"] == "slice"
    finally:
        proc.kill()
        proc.wait()


@settings(max_examples=60, deadline=None)
@given(*PROGRAM, st.lists(st.integers(0, 400), max_size=6))
def test_a_trace_sent_in_batches_reads_as_the_whole(level_tasks, helpers, cuts):
    code, tasks = program(level_tasks, helpers)
    _result, recorder = run_tasks(code, *tasks, max_ticks=100)
    # Cut the recording into batches, as the child's streamer does while a run goes.
    sent, copy, cursor = TraceRecorder(), TraceRecorder(), TraceCursor()
    whole = len(recorder.log)
    for cut in [*sorted({min(c, whole) for c in cuts}), whole]:
        partial = _upto(recorder, cut)
        batch = partial.batch_since(cursor)
        if batch is not None:
            copy.absorb(batch)
            sent.absorb(json.loads(json.dumps(batch)))  # as it travels: JSON
    for received in (copy, sent):
        received.end = recorder.end
        assert received.names == recorder.names and received.limits == recorder.limits
        assert received.idle_spans == recorder.idle_spans
        for name in recorder.names:
            assert received.segments(name) == recorder.segments(name)
        whole_slices, _ = recorder.slices_since(0, final=True)
        assert received.slices_since(0, final=True)[0] == whole_slices


def _upto(recorder: TraceRecorder, size: int) -> TraceRecorder:
    """The recorder as it was when its log held `size` entries (what a thread sees)."""
    view = TraceRecorder()
    view.names, view.limits = recorder.names, recorder.limits
    view.log = recorder.log[:size]
    view.log_details = {k: v for k, v in recorder.log_details.items() if k < size}
    view.idle_spans = recorder.idle_spans
    return view


DUE = ROOT / "tests" / "ui" / "levels" / "due-but-waiting.yaml"


def _json(*args: str, home: Path) -> dict:
    env = {**os.environ, "SCHEDULER_GAME_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler_game", "check", *args, "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    return json.loads(proc.stdout)


def test_an_asyncio_level_tells_where_each_loop_iteration_began(tmp_path):
    """`loop: asyncio`: the variant's `iterations` in --json (streamed or not), and an
    `iteration` line in --events before the slices of that iteration."""
    (variant,) = _json(str(DUE), home=tmp_path)["variants"]
    assert variant["iterations"] == [0, 3, 5, 7, 10]
    (streamed,) = _json(str(DUE), "--svg", str(tmp_path / "due.svg"), home=tmp_path)["variants"]
    assert streamed["iterations"] == [0, 3, 5, 7, 10]
    code, lines = events(str(DUE), home=tmp_path)
    assert code == 0
    told = [(line["type"], line.get("tick", line.get("start"))) for line in lines
            if line["type"] in ("iteration", "slice")]  # fmt: skip
    assert told == [
        ("iteration", 0), ("slice", 0), ("slice", 1), ("slice", 2),
        ("iteration", 3), ("slice", 3), ("slice", 4),
        ("iteration", 5), ("slice", 5), ("slice", 6),
        ("iteration", 7), ("slice", 7), ("slice", 8), ("slice", 9),
        ("iteration", 10), ("slice", 10), ("slice", 11),
    ]  # fmt: skip
    assert lines[1] == {"type": "iteration", "seed": 0, "tick": 0}
    assert {k: v for k, v in lines[-1].items() if k != "type"} == _json(str(DUE), home=tmp_path)


def test_a_level_of_the_games_loop_tells_no_iterations(tmp_path):
    (variant,) = _json("the-hog", home=tmp_path)["variants"]
    assert "iterations" not in variant
    _, lines = events("the-hog", home=tmp_path)
    assert not [line for line in lines if line["type"] == "iteration"]
    assert "iterations" not in lines[-1]["variants"][0]
